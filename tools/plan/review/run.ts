/**
 * The review modes of the plan CLI: `--base <git-ref>`, `--compare <a> <b>`, `--promotion <from> <to>`, and the
 * policy check of every plan. `tools/plan.ts` parses the options and dispatches here.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { composerPolicyFacts, loadStackConfig } from "../../../config";
import { NAMESPACE } from "../../../config/section";
import { GOVERNANCE_PROJECT } from "../../../components/github/naming";
import type { PlanDiff, PlanDocument } from "../../../lib/plan-document";
import { stripUserinfo } from "../../../lib/credentials";
import { stableStringify } from "../../../lib/stable-json";
import { readEngineConfig } from "../../../runtime/stack-files";
import { evaluateDiff, evaluateDocument, formatViolation } from "../../../policy/catalog";
import type { Violation } from "../../../policy/rules";
import { planStack } from "../document/plan-stack";
import { EXIT } from "../exit";
import { gitShowReader, startBase, type BaseCheckout } from "../git/base";
import { compareChannels, relativeTo } from "./compare";
import { diffPlans } from "./diff";
import { checkPromotion, renderPromotionMarkdown, renderPromotionText } from "./promotion";
import { renderMarkdown } from "./render/markdown";
import { renderDiffText } from "./render/text";
import { buildReport, reportJson, type ReportContext } from "./report";
import { reachesTier, type Tier } from "./risk";
import type { ValuesFileReader } from "./sections/helm";
import { composerMajorChangeProblem } from "../../../components/airflow/software";
import { findRenderers, onPath, renderReleases, reviewManifests, type Rendered } from "./sections/manifests";
import { imageSetCacheDir } from "./preflight/image-sets";
import { preflightRequests, runPypiPreflight, type PreflightOptions } from "./preflight/pypi";

export type ReviewFormat = "text" | "json" | "markdown";

export interface ReviewOptions {
    /** The repository checkout (git worktree root) the CLI runs from. */
    readonly repoRoot: string;
    readonly projectDir: string;
    readonly stacks: readonly string[];
    readonly format: ReviewFormat;
    readonly failOn?: Tier;
    /** Writes one stack's output (stdout). */
    readonly print: (text: string) => void;
}

/**
 * The policy violations of a planned stack, plus with a diff the ones only a diff shows (a replaced Composer
 * environment). Only this project's stacks carry `data-infra:policy`; a governance stack (governance/, named like
 * its channel) is judged with its channel's, so the GitHub rules (prod's protection and reviewers) still apply to
 * the settings now planned there; other projects (bootstrap) have none.
 */
export function policyViolations(doc: PlanDocument, projectDir: string, diff?: PlanDiff): Violation[] {
    const channelDir =
        doc.project === NAMESPACE
            ? projectDir
            : doc.project === GOVERNANCE_PROJECT
              ? path.resolve(projectDir, "..")
              : undefined;
    if (channelDir === undefined) return [];
    const stack = loadStackConfig(channelDir, doc.stack);
    const cfg = { ...stack.policy, ...composerPolicyFacts(stack.composer) };
    return [
        ...evaluateDocument(doc, cfg, projectFileReader(channelDir)),
        ...(diff ? evaluateDiff(diff, cfg) : []),
    ];
}

/** Reads a project-relative file of `projectDir`; `undefined` when unreadable or outside the project. */
export function projectFileReader(projectDir: string): (file: string) => string | undefined {
    const root = path.resolve(projectDir);
    return (file) => {
        const full = path.resolve(root, file);
        if (!full.startsWith(root + path.sep)) return undefined;
        try {
            return fs.readFileSync(full, "utf8");
        } catch {
            return undefined;
        }
    };
}

/** Prints violations to stderr; the exit code is {@link EXIT.policy} when any is mandatory. */
export function reportViolations(violations: readonly Violation[], stack: string): number {
    if (violations.length) {
        console.error(`policy: ${violations.length} violation(s) in stack "${stack}":`);
        for (const v of violations) console.error(`  ${formatViolation(v)}`);
    }
    return violations.some((v) => v.level === "mandatory") ? EXIT.policy : 0;
}

function render(
    diff: PlanDiff,
    violations: readonly Violation[],
    opts: ReviewOptions,
    fullCommand: string,
    readValuesFile?: ValuesFileReader,
    ctx: ReportContext = {},
) {
    const report = buildReport(diff, violations, readValuesFile, ctx);
    const text =
        opts.format === "json"
            ? stableStringify(reportJson(report))
            : opts.format === "markdown"
              ? renderMarkdown(report, { fullCommand })
              : renderDiffText(report);
    // The safety net under every output path: whatever a section printed, no URL carries its userinfo.
    opts.print(stripUserinfo(text));
    // A change the provider refuses at preview fails the plan, as `pulumi preview` would.
    const refused = report.composer.flatMap((c) => {
        const problem =
            c.kind === "change" && c.imageVersion?.old && c.imageVersion.new
                ? composerMajorChangeProblem(c.imageVersion.old, c.imageVersion.new)
                : undefined;
        return problem ? [`${c.urn}: ${problem}`] : [];
    });
    if (refused.length) {
        console.error(refused.join("\n"));
        return 1;
    }
    const mandatory = violations.some((v) => v.level === "mandatory");
    if (opts.failOn && reachesTier(report.risks, opts.failOn)) return EXIT.failOn;
    return mandatory ? EXIT.policy : 0;
}

/** A stack's `data-infra:policy` as its files set it (`undefined` when unset). */
function rawPolicy(projectDir: string, stack: string): unknown {
    const value = readEngineConfig(projectDir, stack).config[`${NAMESPACE}:policy`];
    if (value === undefined) return undefined;
    try {
        return JSON.parse(value) as unknown;
    } catch {
        return value;
    }
}

/**
 * `--base <ref>`: plans the base revision and the working tree with one fingerprint key and prints the diff.
 * `started` is the base already under way ({@link startBase}, which `tools/plan.ts` calls before it loads this
 * module, so the base's checkout and start-up overlap this process's); without it the base starts here.
 */
export async function runBase(
    ref: string,
    opts: ReviewOptions,
    started?: { base: BaseCheckout; key: Buffer },
): Promise<number> {
    const key = started?.key ?? randomBytes(32);
    const base = started?.base ?? startBase(ref, opts.stacks, opts, key);
    try {
        // Rendered manifests need helm and kustomize or kubectl (GitHub's hosted runners ship helm and kubectl);
        // without them the review says so in one line.
        const renderers = findRenderers();
        // The heads plan here one after another (the mock runtime is one per process); then the base, in this
        // process too when its revision has the review entry, or else its own process has been planning meanwhile
        // (see startBase).
        const headDocs = new Map<string, PlanDocument>();
        for (const stack of opts.stacks)
            headDocs.set(stack, await planStack({ projectDir: opts.projectDir, stack, fingerprintKey: key }));
        const basePlans = await base.plans();
        // What the review reads of the base's checkout besides its plans; the checkout then goes while this
        // process diffs and renders.
        const baseReads = new Map(
            opts.stacks.map((stack) => {
                const doc = basePlans.get(stack);
                return [
                    stack,
                    {
                        policy: doc ? rawPolicy(base.projectDir, stack) : undefined,
                        renders: doc
                            ? renderReleases(renderers, doc, base.projectDir)
                            : new Map<string, Rendered>(),
                    },
                ];
            }),
        );
        const disposed = base.dispose();
        let code = 0;
        for (const stack of opts.stacks) {
            const head = headDocs.get(stack)!;
            const { policy: basePolicy, renders: baseRenders } = baseReads.get(stack)!;
            const diff = diffPlans(basePlans.get(stack), relativeTo(head, opts.projectDir), {
                base: ref,
                head: "working tree",
            });
            const violations = policyViolations(head, opts.projectDir, diff);
            const project = path.relative(opts.repoRoot, opts.projectDir);
            const full = `npm run plan -- ${project ? `--project ${project} ` : ""}--stack ${stack} --base ${ref} --format json`;
            const policy = { base: basePolicy, head: rawPolicy(opts.projectDir, stack) };
            const manifests = reviewManifests(diff, renderers, baseRenders, opts.projectDir);
            const preflight = preflightRequests(diff).map((req) =>
                runPypiPreflight(req, preflightOptions(opts.projectDir)),
            );
            code = Math.max(
                code,
                render(diff, violations, opts, full, gitShowReader(ref, opts), {
                    policy,
                    manifests,
                    preflight,
                }),
            );
        }
        await disposed;
        return code;
    } finally {
        await base.dispose();
    }
}

/**
 * The PyPI preflight's settings from the environment: `DATA_INFRA_PYPI_PREFLIGHT=off` skips it (no network),
 * `DATA_INFRA_PIP_PYTHON` names the Python whose pip resolves (default `python3` on PATH), and
 * `DATA_INFRA_COMPOSER_IMAGE_SETS` a folder of image sets read before the project's `airflow/composer-images/` and
 * the tool cache's.
 */
function preflightOptions(projectDir: string, env: NodeJS.ProcessEnv = process.env): PreflightOptions {
    return {
        python: env.DATA_INFRA_PIP_PYTHON || onPath("python3"),
        // Sets committed with the project (what CI's review finds), then the machine's tool cache.
        setDirs: [
            ...(env.DATA_INFRA_COMPOSER_IMAGE_SETS ? [env.DATA_INFRA_COMPOSER_IMAGE_SETS] : []),
            path.join(projectDir, "airflow", "composer-images"),
            imageSetCacheDir(env),
        ],
        now: new Date(),
        online: env.DATA_INFRA_PYPI_PREFLIGHT !== "off",
    };
}

/** `--compare <a> <b>`: both channels planned here with one key, diffed after normalizing channel names. */
export async function runCompare([a, b]: readonly string[], opts: ReviewOptions): Promise<number> {
    const key = randomBytes(32);
    const docA = await planStack({ projectDir: opts.projectDir, stack: a, fingerprintKey: key });
    const docB = await planStack({ projectDir: opts.projectDir, stack: b, fingerprintKey: key });
    return render(compareChannels(docA, docB), [], opts, `npm run plan -- --compare ${a} ${b} --format json`);
}

/** `--promotion <from> <to>`: exit {@link EXIT.promotion} when `to` would deploy an artifact `from` does not run. */
export async function runPromotion([from, to]: readonly string[], opts: ReviewOptions): Promise<number> {
    const docFrom = await planStack({ projectDir: opts.projectDir, stack: from });
    const docTo = await planStack({ projectDir: opts.projectDir, stack: to });
    // Values files are read from the project, so an image set only in a channel's values file counts too.
    const result = checkPromotion(docFrom, docTo, projectFileReader(opts.projectDir));
    opts.print(
        opts.format === "json"
            ? stableStringify(result)
            : opts.format === "markdown"
              ? renderPromotionMarkdown(result)
              : renderPromotionText(result),
    );
    return result.findings.length ? EXIT.promotion : 0;
}
