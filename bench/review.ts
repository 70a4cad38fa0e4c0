/**
 * PR-review benchmark (issue 8.6): the desired-state diff of two 1,000-file DAG trees with 100 changed files and
 * a 13-release Helm set (3 with a changed value), against planning the head alone. Each measurement runs in a
 * fresh child process so its peak RSS is its own:
 *   (a) head: plan the test stack with the head tree and releases, build its plan document;
 *   (b) review, as `--base` runs it: the base planned in its own process (document handed over as JSON), then
 *       the head planned, diffed, classified and rendered as the PR comment; time summed, peak RSS the larger.
 * Also reports the diff + markdown time alone and the comment's length against the 60,000-character budget.
 */
import { childEntry, measureInChild } from "./child";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_DAG_EXCLUDES } from "../config/sections/dags";
import type * as RunProgram from "../runtime/run-program";
import { readEngineConfig, type EngineConfig } from "../runtime/stack-files";
import type { DiffableDocument } from "../lib/plan-document";
import { generateTree } from "./dag-sync";

const REPO_ROOT = path.resolve(__dirname, "..");
const FILES = 1000;
const CHANGED = 100;
const RELEASES = 13;
const CHANGED_RELEASES = 3;
const KEY = randomBytes(32).toString("hex");

interface Sample {
    ms: number;
    maxRssMB: number;
    resources: number;
    diffMs?: number;
    markdownChars?: number;
    changed?: number;
}

/** The test stack with `tree` as the DAG folder and 13 web-service releases (the first `bumped` at 2 replicas). */
function benchConfig(tree: string, bumped: number): EngineConfig {
    const base = readEngineConfig(REPO_ROOT, "test");
    const dags = { folders: [{ source: tree, prefix: "dags/" }], exclude: [...DEFAULT_DAG_EXCLUDES] };
    const releases = Array.from({ length: RELEASES }, (_, i) => ({
        name: `site-${i}`,
        driver: "helm",
        namespace: `site-${i}`,
        chart: "charts/web-service",
        valuesFiles: ["kubernetes/values/reports-site.yaml"],
        values: { replicas: i < bumped ? 2 : 1 },
    }));
    return {
        ...base,
        config: {
            ...base.config,
            "data-infra:dags": JSON.stringify(dags),
            "data-infra:releases": JSON.stringify(releases),
        },
    };
}

function child(mode: string, ...args: string[]): Sample {
    return measureInChild<Sample>(__filename, mode, args, { ...process.env, DATA_INFRA_PLAN_KEY: KEY });
}

async function runChild(mode: string, [baseTree, headTree]: string[]): Promise<void> {
    // Loaded here so the parent process stays small.
    const { runProgram } = require("../runtime/run-program") as typeof RunProgram;
    const { buildPlanDocument } =
        require("../tools/plan/document/build") as typeof import("../tools/plan/document/build");
    // One fingerprint key for both sides, as --base passes it to its child (DATA_INFRA_PLAN_KEY).
    const key = Buffer.from(process.env.DATA_INFRA_PLAN_KEY ?? "", "hex");
    const planDoc = async (tree: string, bumped: number) =>
        buildPlanDocument(await runProgram({ stack: "test", config: benchConfig(tree, bumped) }), {
            root: REPO_ROOT,
            fingerprintKey: key,
        });
    const start = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - start) / 1e6;
    const rss = () => process.resourceUsage().maxRSS / 1024;
    if (mode === "head" || mode === "base") {
        // base: like --base's child process, plan and hand the document over as JSON.
        const doc = await planDoc(
            mode === "base" ? baseTree : headTree,
            mode === "base" ? 0 : CHANGED_RELEASES,
        );
        if (mode === "base") fs.writeFileSync(docFile(baseTree), JSON.stringify(doc));
        console.log(JSON.stringify({ ms: ms(), maxRssMB: rss(), resources: doc.resources.length }));
        return;
    }
    const { diffPlans } = require("../tools/plan/review/diff") as typeof import("../tools/plan/review/diff");
    const { buildReport } =
        require("../tools/plan/review/report") as typeof import("../tools/plan/review/report");
    const { renderMarkdown } =
        require("../tools/plan/review/render/markdown") as typeof import("../tools/plan/review/render/markdown");
    // Like --base, both revisions are planned from the same path, so only file contents differ.
    fs.renameSync(baseTree, `${baseTree}.planned`);
    fs.renameSync(headTree, baseTree);
    const head = await planDoc(baseTree, CHANGED_RELEASES);
    const diffStart = process.hrtime.bigint();
    const base = JSON.parse(fs.readFileSync(docFile(baseTree), "utf8")) as DiffableDocument;
    const diff = diffPlans(base, head, { base: "base", head: "head" });
    const markdown = renderMarkdown(buildReport(diff));
    const diffMs = Number(process.hrtime.bigint() - diffStart) / 1e6;
    console.log(
        JSON.stringify({
            ms: ms(),
            maxRssMB: rss(),
            resources: head.resources.length,
            diffMs,
            markdownChars: markdown.length,
            changed: diff.resources.length,
        }),
    );
}

const docFile = (baseTree: string) => `${baseTree}.json`;

/** Changes every tenth file of `dir` (sorted), `count` files in all. */
function changeFiles(dir: string, count: number): void {
    const files = (fs.readdirSync(dir, { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(dir, f)).isFile())
        .sort();
    for (let i = 0; i < count; i++) fs.appendFileSync(path.join(dir, files[i * 10]), "\n# changed\n");
}

export async function benchReview(): Promise<void> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-review-bench-"));
    try {
        const baseTree = path.join(root, "base");
        const headTree = path.join(root, "head");
        generateTree(baseTree, FILES);
        fs.cpSync(baseTree, headTree, { recursive: true });
        changeFiles(headTree, CHANGED);
        console.log(
            `PR review benchmark (node ${process.version}, ${os.cpus().length} CPUs): ${FILES}-file DAG trees with ` +
                `${CHANGED} changed files, ${RELEASES} Helm releases with ${CHANGED_RELEASES} changed`,
        );
        const head = child("head", baseTree, headTree);
        const basePlan = child("base", baseTree, headTree);
        const headAndDiff = child("review", baseTree, headTree);
        const review: Sample = {
            ...headAndDiff,
            ms: basePlan.ms + headAndDiff.ms,
            maxRssMB: Math.max(basePlan.maxRssMB, headAndDiff.maxRssMB),
        };
        const row = (label: string, s: Sample) =>
            console.log(
                `  ${label.padEnd(40)} ${(s.ms / 1000).toFixed(2).padStart(6)} s  ${s.maxRssMB.toFixed(0).padStart(6)} MB peak RSS`,
            );
        row(`(a) plan head alone (${head.resources} resources)`, head);
        row("(b) review: base plan + head plan, diff, render", review);
        console.log(
            `  b/a: time ${(review.ms / head.ms).toFixed(2)} (two plans ≈ 2.0), peak RSS ${(review.maxRssMB / head.maxRssMB).toFixed(2)}; ` +
                `diff + classify + markdown alone ${review.diffMs!.toFixed(0)} ms for ${review.changed} changed resources`,
        );
        const budget = review.markdownChars! <= 60_000 ? "within" : "OVER";
        console.log(
            `  markdown comment: ${review.markdownChars!.toLocaleString("en-US")} characters (${budget} the 60,000 budget)`,
        );
        if (review.changed !== CHANGED + CHANGED_RELEASES)
            throw new Error(
                `expected ${CHANGED + CHANGED_RELEASES} changed resources, got ${review.changed}`,
            );
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

childEntry(module, runChild);
