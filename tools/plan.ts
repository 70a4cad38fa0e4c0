/**
 * The offline plan: runs the real program under the Pulumi SDK's mock runtime with a stack's config and prints
 * every resource it declares. No Pulumi CLI, credentials or network needed.
 */
import { randomBytes } from "node:crypto";
import * as nodeModule from "node:module";
import * as path from "node:path";
import { parseArgs } from "node:util";

// tsx turns on source-mapped stack traces, and the SDK captures a stack for every output it creates (about 112 per
// BucketObject): with them on, a 5,000-file plan cost 1.98x the SDK's floor, with them off 1.12x, same output
// (issue 22). Stack traces of our own errors then name the compiled positions, which --verbose still prints.
process.setSourceMapsEnabled(false);
// Node's compile cache (V8 code cache on disk, keyed by each module's content; Node >= 22.1, docs:
// https://nodejs.org/api/module.html#moduleenablecompilecachedirectory): compiling the SDKs' ~1,300 modules was a
// third of a plan's CPU, about 0.7 s of it is saved on every later run. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
import { listStacks } from "../runtime/stack-files";
import { stackNameProblem } from "../runtime/stack-names";
import { ValidationError, formatProblem } from "../lib/problems";
import type { PlanDocument } from "../lib/plan-document";
import { stableStringify } from "../lib/stable-json";
import { ReviewUsageError } from "./plan/exit";
import type * as Review from "./plan/review/run";
import type { BaseCheckout } from "./plan/git/base";
import { TIERS, isTier } from "./plan/review/risk";
import { exitAfterOutput } from "../runtime/exit";
// The program, the SDK's mock runtime, the review and the workflow renderer load only once the arguments are valid
// (2 s of CPU per run): `--help` and usage errors answer at once (npm test spawns this tool a dozen times).

const REPO_ROOT = path.resolve(__dirname, "..");

const HELP = `Usage: npm run plan -- [options]

Plans stacks offline: runs the real program under the Pulumi SDK's mock runtime with each stack's
Pulumi.<stack>.yaml and prints the desired state (not a diff against the cloud). Values only the cloud
knows print as (computed); secrets as [secret].

Options:
  --stack <name>       Plan this stack (repeatable). Default: every Pulumi.<stack>.yaml of the project.
  --format <fmt>       text (default): per channel a summary of what it deploys (Composer, packages,
                       files, releases with charts, values files and images, GitHub, outputs), then a
                       tree of components and resources with each type's key inputs first;
                       json: one document per stack {project, stack, resources:[{urn, type, name,
                       parent, inputs, options}], outputs}, keys sorted (an array when several stacks).
  --project <dir>      Project directory (with Pulumi.yaml and index.ts), relative to the repository.
                       Default: the repository root (data-infra). Use "bootstrap" for the bootstrap project.
  --base <git-ref>     Review a change: plan <git-ref> (in a temporary checkout, with that revision's
                       own plan tool) and the working tree, and print the desired-state diff: resources
                       added/removed/changed with each changed input old → new, Composer/DAG/Helm/GitHub
                       sections, risk tiers and policy violations. Secrets only as changed/unchanged
                       with a keyed fingerprint. --format text|json|markdown (PR comment, ≤ 60,000 chars).
  --compare <a> <b>    Diff two channels (what b declares that a does not, input differences), with
                       each channel's name normalized. --format text|json|markdown.
  --promotion <f> <t>  Promotion check: list chart versions, local chart hashes, image digests,
                       requirements sets and DAG contents that <t> would deploy and <f> does not run.
  --fail-on <tier>     With --base/--compare: exit 4 when a change is at this risk tier or above
                       (${TIERS.join(" > ")}).
  --full               Text: every input of every resource (default: the key ones, up to 8).
  --verbose            Show stack traces on failure.
  -h, --help           Show this help.

Environment:
  DATA_INFRA_PLAN_KEY  Hex key for secret fingerprints: with it, each resource in the JSON carries
                       "secrets": {"<input path>": "<keyed HMAC>"} (never a value).

Every plan also runs the policy rules (policy/) with the channel's data-infra:policy enforcement and
prints violations (rule, resource, input path, fix) to stderr.

Exit codes: 0 planned; 1 the program or its config is invalid (the message lists every problem);
2 bad command-line usage; 3 mandatory policy violations; 4 --fail-on tier reached; 5 the promotion
check found artifacts the target channel would deploy untested.

Examples:
  npm run plan                                   # every channel, text
  npm run plan -- --stack test --format json     # the test channel as JSON
  npm run plan -- --project bootstrap --stack transit-data-test
  npm run plan -- --stack test --base origin/main --format markdown > plan-test.md
  npm run plan -- --compare test prod
  npm run plan -- --promotion test prod`;

/** An error in how the tool was called. */
class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
    let args;
    try {
        args = parseArgs({
            args: pairOptions(argv, ["--compare", "--promotion"]),
            options: {
                stack: { type: "string", multiple: true },
                format: { type: "string", default: "text" },
                project: { type: "string", default: "." },
                base: { type: "string" },
                compare: { type: "string", multiple: true },
                promotion: { type: "string", multiple: true },
                "fail-on": { type: "string" },
                verbose: { type: "boolean", default: false },
                full: { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
            strict: true,
            allowPositionals: false,
        }).values;
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    if (args.help) {
        console.log(HELP);
        return 0;
    }
    const reviewing = args.base !== undefined || args.compare !== undefined || args.promotion !== undefined;
    const formats = reviewing ? ["text", "json", "markdown"] : ["text", "json"];
    if (!formats.includes(args.format!))
        throw new UsageError(
            `--format must be ${formats.slice(0, -1).join(", ")} or ${formats[formats.length - 1]} (got ${args.format})`,
        );
    const failOn = args["fail-on"];
    if (failOn !== undefined && !isTier(failOn))
        throw new UsageError(`--fail-on must be one of ${TIERS.join(", ")} (got ${failOn})`);
    if (failOn !== undefined && args.base === undefined && args.compare === undefined)
        throw new UsageError("--fail-on applies to --base or --compare");
    for (const [flag, value] of [
        ["--compare", args.compare],
        ["--promotion", args.promotion],
    ] as const) {
        if (value && value.length !== 2)
            throw new UsageError(`${flag} takes two stacks (got ${value.join(" ")})`);
    }
    const projectDir = path.resolve(REPO_ROOT, args.project!);
    for (const stack of args.stack ?? []) {
        const bad = stackNameProblem(stack);
        if (bad) throw new UsageError(`--stack ${JSON.stringify(stack)}: ${bad}`);
    }
    const stacks = args.stack ?? listStacks(projectDir);
    if (stacks.length === 0) throw new UsageError(`no Pulumi.<stack>.yaml in ${projectDir}`);
    const known = listStacks(projectDir);
    const unknown = [...(args.stack ?? []), ...(args.compare ?? []), ...(args.promotion ?? [])].filter(
        (s) => !known.includes(s),
    );
    if (unknown.length)
        throw new UsageError(
            `no such stack: ${unknown.join(", ")} (stacks in ${projectDir}: ${known.join(", ")})`,
        );
    // The base of a review starts first: its checkout and its own process overlap this one's loading and planning.
    let started: { base: BaseCheckout; key: Buffer } | undefined;
    if (args.base !== undefined) {
        const { startBase } = await import("./plan/git/base");
        const key = randomBytes(32);
        try {
            started = { base: startBase(args.base, stacks, { repoRoot: REPO_ROOT, projectDir }, key), key };
        } catch (e) {
            if (e instanceof ReviewUsageError) throw new UsageError(e.message);
            throw e;
        }
        // The checkout's steps need this thread; loading the review would hold it for a second or more.
        await started.base.started;
    }
    const review = await import("./plan/review/run");
    if (reviewing) {
        const opts: Review.ReviewOptions = {
            repoRoot: REPO_ROOT,
            projectDir,
            stacks,
            format: args.format as Review.ReviewFormat,
            failOn: failOn as Review.ReviewOptions["failOn"],
            print: (text) => console.log(text),
        };
        try {
            if (args.compare) return await review.runCompare(args.compare, opts);
            if (args.promotion) return await review.runPromotion(args.promotion, opts);
            return await review.runBase(args.base!, opts, started);
        } catch (e) {
            if (e instanceof ReviewUsageError) throw new UsageError(e.message);
            console.error(`review failed:\n${(e as Error).message}`);
            if (args.verbose) console.error(stackOf(e));
            return 1;
        }
    }

    const { crossChannelProblems, placeholdersIn, readChannelConfigs } =
        await import("../config/cross-channel");
    const { planStack } = await import("./plan/document/plan-stack");
    const { DEFAULT_LIMITS, FULL_LIMITS, renderText } = await import("./plan/document/render-text");
    const channels = readChannelConfigs(projectDir);
    const crossProblems = crossChannelProblems(channels).filter((p) =>
        stacks.some((s) => `${p.where} ${p.what}`.includes(`Pulumi.${s}.yaml`)),
    );
    if (crossProblems.length) {
        console.error(
            new ValidationError("the channels' stack files clash", crossProblems).message +
                "\n(`npm run new-channel -- <name> --from <channel>` writes a new channel with its own values)",
        );
        return 1;
    }
    for (const c of channels.filter((c) => stacks.includes(c.stack))) {
        for (const note of placeholdersIn(c.config))
            console.error(`note: Pulumi.${c.stack}.yaml still has a placeholder: ${note}`);
    }

    const fingerprintKey = process.env.DATA_INFRA_PLAN_KEY
        ? Buffer.from(process.env.DATA_INFRA_PLAN_KEY, "hex")
        : undefined;
    const chain = await promotionProblems(projectDir);
    if (chain.length) {
        console.error(
            `plan failed: the channels' promotion chain is broken:\n${chain.map((p) => `  - ${p}`).join("\n")}`,
        );
        return 1;
    }
    const docs: PlanDocument[] = [];
    for (const stack of stacks) {
        try {
            // The workflows deploy every stack of the repository's own project (tools/workflows renders them from it).
            const deployedByWorkflows = projectDir === REPO_ROOT;
            docs.push(await planStack({ projectDir, stack, fingerprintKey, deployedByWorkflows }));
        } catch (e) {
            console.error(`plan failed for stack "${stack}":\n${(e as Error).message}`);
            if (args.verbose) console.error(stackOf(e));
            return 1;
        }
    }
    if (args.format === "json") {
        console.log(stableStringify(docs.length === 1 && args.stack ? docs[0] : docs));
    } else {
        console.log(docs.map((d) => renderText(d, args.full ? FULL_LIMITS : DEFAULT_LIMITS)).join("\n\n"));
    }
    return Math.max(
        0,
        ...docs.map((d) => review.reportViolations(review.policyViolations(d, projectDir), d.stack)),
    );
}

/**
 * `promotedFrom` problems across every stack file (unknown channel, cycle), the same rule the workflow renderer
 * applies: a cycle would otherwise plan fine and only fail `npm run workflows`. Skipped when a stack's config does
 * not load (planning that stack reports why) or the project has no channels (bootstrap).
 */
async function promotionProblems(projectDir: string): Promise<string[]> {
    const { readChannels } = await import("./workflows");
    const { validateChannels } = await import("./workflows/render");
    let channels;
    try {
        channels = readChannels(projectDir);
    } catch {
        return [];
    }
    return validateChannels(channels)
        .list.filter((p) => p.where.startsWith("data-infra:github.promotedFrom"))
        .map(formatProblem);
}

/** `--compare a b` → `--compare a --compare b`, so the two-stack options read naturally. */
function pairOptions(argv: string[], flags: readonly string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        out.push(argv[i]);
        if (flags.includes(argv[i]) && i + 2 < argv.length && !argv[i + 2].startsWith("-")) {
            out.push(argv[i + 1], argv[i], argv[i + 2]);
            i += 2;
        }
    }
    return out;
}

/** The stack that says where a failure came from: the program's own error when the run wrapped one. */
function stackOf(e: unknown): string | undefined {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error ? `${cause.stack}\n(wrapped by) ${(e as Error).stack}` : (e as Error).stack;
}

main(process.argv.slice(2)).then(
    (code) => exitAfterOutput(code),
    (e) => {
        if (e instanceof UsageError) {
            console.error(`${e.message}\nRun "npm run plan -- --help" for usage.`);
            return exitAfterOutput(2);
        }
        console.error(e instanceof Error ? (process.argv.includes("--verbose") ? e.stack : e.message) : e);
        return exitAfterOutput(1);
    },
);
