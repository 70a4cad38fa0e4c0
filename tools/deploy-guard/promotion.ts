/**
 * The promotion half of the deploy guard (issue 15, H6b): a promoted channel (prod) deploys only the commit its
 * upstream (test) deployed successfully, plus the promotion commit that pins the digests that deploy built into the
 * channel's stack file. Pure functions over facts gathered from git and the GitHub API
 * (`promotion-facts.ts`); `tools/deploy-guard.ts promotion` is the command line the deploy job runs.
 */
import { isDeepStrictEqual } from "node:util";
import { isMap, isScalar, parse, parseDocument, type Pair, type YAMLMap } from "yaml";
import { formatProblem, parseJsonText, Problems } from "../../lib/problems";
import { byCodeUnit } from "../../lib/order";
import { borrowedPromotionProblems, type BorrowState } from "../try/borrow";

/** What an upstream channel's deploy records after `pulumi up`: the commit it deployed and the images it ran. */
export interface TestedRecord {
    /** The deployed commit (`github.sha` of the push to `releases/<channel>`). */
    readonly commit: string;
    /** The channel that deployed it. */
    readonly channel: string;
    /** The stack output `images`: pinned reference per image name. */
    readonly images: Readonly<Record<string, string>>;
}

/** Name of the artifact an upstream channel's deploy uploads its {@link TestedRecord} as; the file inside it. */
export const testedArtifact = (channel: string): string => `tested-${channel}`;
export const TESTED_FILE = "tested.json";

/** The branch the promote workflow writes a channel's promotion commit to (the promotion pull request's head). */
export const promotionBranch = (channel: string): string => `promote/${channel}`;

/** The stack file of a channel, whose `data-infra:images.digests` the promotion commit writes. */
export const stackFile = (channel: string): string => `Pulumi.${channel}.yaml`;

const PINNED = /^[^\s@]+@sha256:[0-9a-f]{64}$/;
const SHA = /^[0-9a-f]{40}$/;
const IMAGES_KEY = "data-infra:images";

/** Reads a {@link TestedRecord} from its JSON, collecting what is wrong with it. */
export function parseTestedRecord(text: string, where: string, problems: Problems): TestedRecord | undefined {
    const parsed = parseJsonText(text, where, problems);
    if (!parsed) return undefined;
    const r = parsed.value as Partial<TestedRecord> | null;
    const before = problems.list.length;
    if (typeof r?.commit !== "string" || !SHA.test(r.commit))
        problems.add(`${where}: commit`, "must be a 40-hex commit", r?.commit);
    if (typeof r?.channel !== "string" || !r.channel)
        problems.add(`${where}: channel`, "missing", r?.channel);
    if (typeof r?.images !== "object" || r.images === null || Array.isArray(r.images)) {
        problems.add(`${where}: images`, "must map image names to pinned references", r?.images);
    } else {
        for (const [name, ref] of Object.entries(r.images).sort(([a], [b]) => byCodeUnit(a, b)))
            if (typeof ref !== "string" || !PINNED.test(ref))
                problems.add(
                    `${where}: images.${name}`,
                    "not a pinned reference <registry>/<name>@sha256:<64 hex>",
                    ref,
                );
    }
    return problems.list.length === before ? (r as TestedRecord) : undefined;
}

type StackDoc = { config?: Record<string, unknown> };

/** `data-infra:images.digests` of a stack file, or `undefined` when it has none. */
export function digestsIn(stackText: string): Record<string, string> | undefined {
    const images = (parse(stackText) as StackDoc | null)?.config?.[IMAGES_KEY] as
        { digests?: Record<string, string> } | undefined;
    return images?.digests;
}

/** The parsed stack file with `data-infra:images.digests` taken out: what a promotion commit may not change. */
export function withoutDigests(stackText: string): unknown {
    const doc = (parse(stackText) ?? {}) as StackDoc;
    const images = doc.config?.[IMAGES_KEY] as Record<string, unknown> | undefined;
    if (images && "digests" in images) delete images.digests;
    return doc;
}

const lineStart = (text: string, offset: number): number => text.lastIndexOf("\n", offset - 1) + 1;

/**
 * The stack file with `data-infra:images.digests` set to `images` (sorted by name), every other byte unchanged:
 * the reviewer of the promotion pull request sees a diff of exactly the pinned digests. Throws when the file has no
 * `data-infra:images` block map, or when the edit would change anything else (checked by parsing the result).
 */
export function pinDigests(stackText: string, images: Readonly<Record<string, string>>): string {
    const doc = parseDocument(stackText);
    const node = doc.getIn(["config", IMAGES_KEY], true);
    if (!isMap(node) || node.flow || !node.items.length)
        throw new Error(`config.${IMAGES_KEY}: needs a block mapping to pin digests into`);
    const map = node as YAMLMap<unknown, unknown>;
    const first = map.items[0].key as { range?: [number, number, number] };
    const keyAt = first.range![0];
    const indent = " ".repeat(keyAt - lineStart(stackText, keyAt));
    const names = Object.keys(images).sort(byCodeUnit);
    const block = `${indent}digests:\n` + names.map((n) => `${indent}    ${n}: ${images[n]}\n`).join("");
    const existing = map.items.find(
        (p: Pair<unknown, unknown>) => isScalar(p.key) && p.key.value === "digests",
    );
    let out: string;
    if (existing) {
        const start = lineStart(stackText, (existing.key as { range: [number, number, number] }).range[0]);
        const valueEnd = (existing.value as { range?: [number, number, number] } | null)?.range?.[1] ?? start;
        const nl = stackText.indexOf("\n", Math.max(valueEnd - 1, start));
        const end = nl === -1 ? stackText.length : nl + 1;
        out = stackText.slice(0, start) + block + stackText.slice(end);
    } else {
        const start = lineStart(stackText, keyAt);
        out = stackText.slice(0, start) + block + stackText.slice(start);
    }
    if (
        !isDeepStrictEqual(digestsIn(out), { ...images }) ||
        !isDeepStrictEqual(withoutDigests(out), withoutDigests(stackText))
    )
        throw new Error(`pinning digests would change more than config.${IMAGES_KEY}.digests`);
    return out;
}

/** What the guard knows about the commit a promoted channel is about to deploy. */
export interface PromotionFacts {
    /** The promoted channel (e.g. `prod`) and its upstream (e.g. `test`). */
    readonly channel: string;
    readonly upstream: string;
    /** The commit being deployed (HEAD of `releases/<channel>`). */
    readonly deployedCommit: string;
    /** The newest commit of `releases/<upstream>` the deployed commit contains (`git merge-base`), if any. */
    readonly testedCommit?: string;
    /** Files that differ between the tested and the deployed commit (`git diff --name-only`). */
    readonly changedFiles: readonly string[];
    /** The channel's stack file at the tested commit and at the deployed commit (`undefined`: absent). */
    readonly stackAtTested?: string;
    readonly stackAtDeployed?: string;
    /**
     * The record of the successful push-triggered `deploy.yml` run of the upstream at the tested commit (its
     * artifact); `undefined` when no such run succeeded, or it uploaded none.
     */
    readonly record?: TestedRecord;
    /**
     * Whether the upstream is borrowed by a pull request's try (tools/try/borrow.ts); `undefined`: it is not (or
     * tries are not enabled).
     */
    readonly upstreamBorrow?: BorrowState;
}

/**
 * Why a promoted channel must not deploy this commit (empty: it may). The rules, each with a failing case in
 * test/deploy-guard-promotion.test.ts:
 * 1. the deployed commit contains a commit of the upstream release branch (the tested commit);
 * 2. the upstream deployed that commit successfully from a push, and recorded it (the record's commit and channel);
 * 3. nothing but the channel's stack file differs from the tested commit;
 * 4. the stack file differs only in `data-infra:images.digests`;
 * 5. those digests are exactly the images the upstream's deploy of the tested commit ran;
 * 6. the upstream is not borrowed by a pull request's try (issue 19): it must run its release branch again first.
 */
export function promotionProblems(f: PromotionFacts): string[] {
    const problems = new Problems();
    const here = `deploy of ${f.deployedCommit.slice(0, 12)} to ${f.channel}`;
    const file = stackFile(f.channel);
    if (!f.testedCommit) {
        problems.add(
            here,
            `contains no commit of releases/${f.upstream}: only what ${f.upstream} deployed can be promoted`,
        );
        return problems.list.map(formatProblem);
    }
    const tested = f.testedCommit.slice(0, 12);
    const r = f.record;
    if (!r) {
        problems.add(
            here,
            `releases/${f.upstream} at ${tested} has no successful push deploy with a ${testedArtifact(f.upstream)} record`,
        );
    } else {
        if (r.commit !== f.testedCommit)
            problems.add(`${here}: ${f.upstream}'s record`, `is for another commit than ${tested}`, r.commit);
        if (r.channel !== f.upstream)
            problems.add(
                `${here}: ${f.upstream}'s record`,
                `is from another channel than ${f.upstream}`,
                r.channel,
            );
    }
    const others = f.changedFiles.filter((p) => p !== file).sort(byCodeUnit);
    if (others.length)
        problems.add(
            here,
            `changes files ${f.upstream} did not deploy at ${tested} (only ${file} may differ)`,
            others,
        );
    if (f.stackAtDeployed === undefined) {
        problems.add(`${here}: ${file}`, "missing");
    } else {
        if (
            f.stackAtTested === undefined ||
            !isDeepStrictEqual(withoutDigests(f.stackAtDeployed), withoutDigests(f.stackAtTested))
        )
            problems.add(`${here}: ${file}`, `differs from ${tested} outside data-infra:images.digests`);
        const pinned = digestsIn(f.stackAtDeployed);
        if (!pinned) {
            problems.add(
                `${here}: ${file}`,
                "pins no data-infra:images.digests (the promote workflow writes them)",
            );
        } else if (r) {
            const names = [...new Set([...Object.keys(pinned), ...Object.keys(r.images)])].sort(byCodeUnit);
            for (const n of names) {
                if (!(n in r.images))
                    problems.add(
                        `${here}: digests.${n}`,
                        `pins ${pinned[n]}, but ${f.upstream} ran no image ${n}`,
                    );
                else if (!(n in pinned))
                    problems.add(`${here}: digests.${n}`, `missing; ${f.upstream} ran ${r.images[n]}`);
                else if (pinned[n] !== r.images[n])
                    problems.add(
                        `${here}: digests.${n}`,
                        `pins ${pinned[n]}, but ${f.upstream} ran ${r.images[n]}`,
                    );
            }
        }
    }
    return [
        ...problems.list.map(formatProblem),
        ...borrowedPromotionProblems(f.upstream, f.upstreamBorrow ?? { borrowed: false }),
    ];
}
