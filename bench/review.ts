/**
 * PR-review benchmark (issues 8.6 and 22): the user's review command on a 1,000-file DAG tree with 100 changed
 * files, against planning the head alone, each a whole process under GNU time, in a git copy of the project:
 *   (a) head: `npm run plan -- --stack test --format json`;
 *   (b) review: `npm run plan -- --stack test --base HEAD --format markdown` (the base checked out on a worker thread
 *       while this process plans the head, then planned in this process with the head's modules, diffed, rendered);
 *   (c) the same review with one line of a component changed too, so the base loads its own modules.
 * Also reports the comment's length against the 60,000-character budget.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { copyProject, generateTree, timeProcess, type ProcessSample } from "./dag-sync";

const FILES = 1000;
/** How many of the tree's files the change touches (`BENCH_REVIEW_CHANGED`, 1 to 1,000; default 100). */
const CHANGED = Number(process.env.BENCH_REVIEW_CHANGED ?? 100);
const ROUNDS = 5;
const TARGET = 1.3;

/** Changes `count` files of `dir` spread evenly over its sorted list (every tenth for 100 of 1,000). */
function changeFiles(dir: string, count: number): void {
    const files = (fs.readdirSync(dir, { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(dir, f)).isFile())
        .sort();
    const step = Math.floor(files.length / count);
    for (let i = 0; i < count; i++) fs.appendFileSync(path.join(dir, files[i * step]), "\n# changed\n");
}

const best = (xs: ProcessSample[]): ProcessSample => xs.reduce((a, b) => (b.ms < a.ms ? b : a));

export async function benchReview(): Promise<void> {
    if (!Number.isInteger(CHANGED) || CHANGED < 1 || CHANGED > FILES)
        throw new Error(`BENCH_REVIEW_CHANGED must be an integer from 1 to ${FILES} (got ${CHANGED})`);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-review-bench-"));
    try {
        const project = path.join(root, "project");
        copyProject(project);
        const dags = path.join(project, "airflow", "dags");
        generateTree(dags, FILES);
        const git = (...args: string[]) =>
            execFileSync("git", [
                "-C",
                project,
                "-c",
                "user.name=bench",
                "-c",
                "user.email=bench@localhost",
                ...args,
            ]);
        git("init", "--quiet");
        git("add", "--all");
        git("commit", "--quiet", "-m", "base");
        // Packed, as a clone or a fetch leaves the base revision (`origin/main` in CI): loose objects, which only a
        // local commit leaves, cost the base's checkout 0.3 s more of system time for 1,000 changed files here.
        git("repack", "-a", "-d", "-q");
        changeFiles(dags, CHANGED);
        console.log(
            `PR review benchmark (node ${process.version}, ${os.cpus().length} CPUs): ${FILES}-file DAG tree with ` +
                `${CHANGED} changed files; best of ${ROUNDS} wall, each a whole process`,
        );
        const out = path.join(root, "out");
        const heads: ProcessSample[] = [];
        const reviews: ProcessSample[] = [];
        const withCode: ProcessSample[] = [];
        // The same change with one line of the program's code changed too: the base's modules then differ from the
        // head's, and the review loads the base's own (tools/plan/git/base.ts).
        const component = path.join(project, "components", "airflow", "dag-sync.ts");
        const source = fs.readFileSync(component, "utf8");
        const plan = (...args: string[]) =>
            timeProcess("npm", ["run", "plan", "--", "--stack", "test", ...args], project, out, [0, 3]);
        const review = ["--base", "HEAD", "--format", "markdown"];
        for (let i = 0; i < ROUNDS; i++) {
            fs.writeFileSync(component, `${source}// changed\n`);
            withCode.push(plan(...review));
            fs.writeFileSync(component, source);
            heads.push(plan("--format", "json"));
            reviews.push(plan(...review));
        }
        const markdown = fs.readFileSync(out, "utf8");
        const named = markdown.match(/dags\/team-\d+\/group-\d+\/dag_\d+\.\w+/g) ?? [];
        const head = best(heads);
        const reviewed = best(reviews);
        const row = (label: string, s: ProcessSample) =>
            console.log(
                `  ${label.padEnd(52)} wall ${(s.ms / 1000).toFixed(2).padStart(6)} s  CPU ${(s.cpuMs / 1000).toFixed(2).padStart(6)} s  ` +
                    `${s.maxRssMB.toFixed(0).padStart(5)} MB peak RSS`,
            );
        row("(a) npm run plan -- --stack test --format json", head);
        row("(b) npm run plan -- --stack test --base HEAD --format markdown", reviewed);
        const ratio = reviewed.ms / head.ms;
        console.log(
            `  b/a: wall ${ratio.toFixed(2)} (target <= ${TARGET}: ${ratio <= TARGET ? "met" : "NOT met"}), ` +
                `CPU ${(reviewed.cpuMs / head.cpuMs).toFixed(2)}, peak RSS ${(reviewed.maxRssMB / head.maxRssMB).toFixed(2)}`,
        );
        const code = best(withCode);
        row("(c) the same review, one line of program code changed too", code);
        console.log(
            `  c/a: wall ${(code.ms / head.ms).toFixed(2)}, CPU ${(code.cpuMs / head.cpuMs).toFixed(2)} ` +
                `(the base loads its own modules; not the target's case)`,
        );
        const budget = markdown.length <= 60_000 ? "within" : "OVER";
        console.log(
            `  markdown comment: ${markdown.length.toLocaleString("en-US")} characters (${budget} the 60,000 ` +
                `budget), ${new Set(named).size} changed files named`,
        );
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
