/**
 * The review modes of the plan CLI: `--base <git-ref>`, `--compare <a> <b>`, `--promotion <from> <to>`, and the
 * policy check of every plan. `tools/plan.ts` parses the options and dispatches here.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig } from "../../config";
import { NAMESPACE } from "../../config/section";
import { evaluateDiff, evaluateDocument, formatViolation } from "../../policy/catalog";
import type { Violation } from "../../policy/rules";
import { readEngineConfig } from "../../runtime/stack-files";
import { diffPlans } from "./diff";
import { compareChannels, relativeTo } from "./diff-compare";
import type { DiffableDocument, PlanDiff } from "./diff-model";
import type { ValuesFileReader } from "./diff-helm";
import { buildReport, reportJson } from "./diff-report";
import { renderDiffText } from "./diff-text";
import type { PlanDocument } from "./document";
import { renderMarkdown } from "./markdown";
import { planStack } from "./plan-stack";
import { checkPromotion, renderPromotionText } from "./promotion";
import { reachesTier, type Tier } from "./risk";
import { stableStringify } from "./stable-json";

export type ReviewFormat = "text" | "json" | "markdown";

/** Exit codes beyond the plan's own (0 ok, 1 invalid program or config, 2 usage). */
export const EXIT = { policy: 3, failOn: 4, promotion: 5 } as const;

/** A problem with the request (unknown git ref, base without a plan tool): reported as a usage error. */
export class ReviewUsageError extends Error {}

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
 * environment). Only this project's stacks carry `data-infra:policy`; other projects (bootstrap) have none.
 */
export function policyViolations(doc: PlanDocument, projectDir: string, diff?: PlanDiff): Violation[] {
    if (doc.project !== NAMESPACE) return [];
    const engine = readEngineConfig(projectDir, doc.stack);
    const cfg = parseStackConfig(doc.stack, engine.config, engine.secretKeys).policy;
    return [...evaluateDocument(doc, cfg), ...(diff ? evaluateDiff(diff, cfg) : [])];
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
) {
    const report = buildReport(diff, violations, readValuesFile);
    const text =
        opts.format === "json"
            ? stableStringify(reportJson(report))
            : opts.format === "markdown"
              ? renderMarkdown(report, { fullCommand })
              : renderDiffText(report);
    opts.print(text);
    const mandatory = violations.some((v) => v.level === "mandatory");
    if (opts.failOn && reachesTier(report.risks, opts.failOn)) return EXIT.failOn;
    return mandatory ? EXIT.policy : 0;
}

/** `--base <ref>`: plans the base revision and the working tree with one fingerprint key and prints the diff. */
export async function runBase(ref: string, opts: ReviewOptions): Promise<number> {
    const key = randomBytes(32);
    let code = 0;
    for (const stack of opts.stacks) {
        const base = planBase(ref, stack, opts, key);
        const head = await planStack({ projectDir: opts.projectDir, stack, fingerprintKey: key });
        const diff = diffPlans(base, relativeTo(head, opts.projectDir), { base: ref, head: "working tree" });
        const violations = policyViolations(head, opts.projectDir, diff);
        const project = path.relative(opts.repoRoot, opts.projectDir);
        const full = `npm run plan -- ${project ? `--project ${project} ` : ""}--stack ${stack} --base ${ref} --format json`;
        code = Math.max(code, render(diff, violations, opts, full, valuesFileReader(ref, opts)));
    }
    return code;
}

/** Values files of the base from git (`git show <ref>:<path>`), of the head from the working tree. */
function valuesFileReader(ref: string, opts: ReviewOptions): ValuesFileReader {
    return (side, file) => {
        const abs = path.resolve(opts.projectDir, file);
        if (side === "head") return fs.existsSync(abs) ? fs.readFileSync(abs, "utf8") : undefined;
        const inRepo = path.relative(opts.repoRoot, abs).split(path.sep).join("/");
        const shown = spawnSync("git", ["-C", opts.repoRoot, "show", `${ref}:${inRepo}`], {
            encoding: "utf8",
        });
        return shown.status === 0 ? shown.stdout : undefined;
    };
}

/**
 * Plans `stack` at git revision `ref` with that revision's own plan tool, in a temporary detached worktree that
 * reuses this checkout's `node_modules`; the worktree is removed whatever happens. `undefined` when the stack did
 * not exist at `ref`.
 */
export function planBase(
    ref: string,
    stack: string,
    opts: ReviewOptions,
    key: Buffer,
): DiffableDocument | undefined {
    const git = (...args: string[]) => spawnSync("git", ["-C", opts.repoRoot, ...args], { encoding: "utf8" });
    const rev = git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
    if (rev.status !== 0) throw new ReviewUsageError(`--base: "${ref}" is not a commit in ${opts.repoRoot}`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-base-"));
    const tree = path.join(tmp, "tree");
    try {
        const add = git("worktree", "add", "--detach", "--quiet", tree, rev.stdout.trim());
        if (add.status !== 0) throw new Error(`git worktree add failed: ${add.stderr.trim()}`);
        fs.symlinkSync(
            fs.realpathSync(path.join(opts.repoRoot, "node_modules")),
            path.join(tree, "node_modules"),
        );
        const project = path.relative(opts.repoRoot, opts.projectDir) || ".";
        if (!fs.existsSync(path.join(tree, project, `Pulumi.${stack}.yaml`))) return undefined;
        if (!fs.existsSync(path.join(tree, "tools", "plan.ts")))
            throw new ReviewUsageError(`--base: revision ${ref} has no offline plan tool (tools/plan.ts)`);
        const child = spawnSync(
            process.execPath,
            [
                require.resolve("tsx/cli"),
                "tools/plan.ts",
                "--project",
                project,
                "--stack",
                stack,
                "--format",
                "json",
            ],
            {
                cwd: tree,
                encoding: "utf8",
                maxBuffer: 1 << 30,
                env: { ...process.env, DATA_INFRA_PLAN_KEY: key.toString("hex") },
            },
        );
        // The base's own mandatory policy violations (exit 3) do not stop the review of the change.
        if (child.status !== 0 && child.status !== EXIT.policy)
            throw new Error(
                `planning ${stack} at ${ref} failed:\n${child.stderr.trim() || child.error?.message}`,
            );
        return relativeTo(JSON.parse(child.stdout) as DiffableDocument, path.join(tree, project));
    } finally {
        git("worktree", "remove", "--force", tree);
        fs.rmSync(tmp, { recursive: true, force: true });
        git("worktree", "prune");
    }
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
    const result = checkPromotion(docFrom, docTo);
    opts.print(opts.format === "json" ? stableStringify(result) : renderPromotionText(result));
    return result.findings.length ? EXIT.promotion : 0;
}
