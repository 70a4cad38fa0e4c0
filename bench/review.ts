/**
 * PR-review benchmark (issues 8.6 and 22): the user's review command on a 1,000-file DAG tree with 100 changed
 * files, against planning the head alone, each a whole process under GNU time, in a git copy of the project:
 *   (a) head: `npm run plan -- --stack test --format json`;
 *   (b) review: `npm run plan -- --stack test --base HEAD --format markdown` (the base planned in a temporary checkout by its
 *       own process while this one plans the head, then diffed and rendered).
 * Also reports the comment's length against the 60,000-character budget.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { copyProject, generateTree, timeProcess, type ProcessSample } from "./dag-sync";

const FILES = 1000;
const CHANGED = 100;
const ROUNDS = 3;
const TARGET = 1.3;

/** Changes every tenth file of `dir` (sorted), `count` files in all. */
function changeFiles(dir: string, count: number): void {
    const files = (fs.readdirSync(dir, { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(dir, f)).isFile())
        .sort();
    for (let i = 0; i < count; i++) fs.appendFileSync(path.join(dir, files[i * 10]), "\n# changed\n");
}

const best = (xs: ProcessSample[]): ProcessSample => xs.reduce((a, b) => (b.ms < a.ms ? b : a));

export async function benchReview(): Promise<void> {
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
        changeFiles(dags, CHANGED);
        console.log(
            `PR review benchmark (node ${process.version}, ${os.cpus().length} CPUs): ${FILES}-file DAG tree with ` +
                `${CHANGED} changed files; best of ${ROUNDS} wall, each a whole process`,
        );
        const out = path.join(root, "out");
        const heads: ProcessSample[] = [];
        const reviews: ProcessSample[] = [];
        for (let i = 0; i < ROUNDS; i++) {
            heads.push(
                timeProcess(
                    "npm",
                    ["run", "plan", "--", "--stack", "test", "--format", "json"],
                    project,
                    out,
                    [0, 3],
                ),
            );
            reviews.push(
                timeProcess(
                    "npm",
                    ["run", "plan", "--", "--stack", "test", "--base", "HEAD", "--format", "markdown"],
                    project,
                    out,
                    [0, 3],
                ),
            );
        }
        const markdown = fs.readFileSync(out, "utf8");
        const named = markdown.match(/dags\/team-\d+\/group-\d+\/dag_\d+\.\w+/g) ?? [];
        const head = best(heads);
        const review = best(reviews);
        const row = (label: string, s: ProcessSample) =>
            console.log(
                `  ${label.padEnd(52)} wall ${(s.ms / 1000).toFixed(2).padStart(6)} s  CPU ${(s.cpuMs / 1000).toFixed(2).padStart(6)} s  ` +
                    `${s.maxRssMB.toFixed(0).padStart(5)} MB peak RSS`,
            );
        row("(a) npm run plan -- --stack test --format json", head);
        row("(b) npm run plan -- --stack test --base HEAD --format markdown", review);
        const ratio = review.ms / head.ms;
        console.log(
            `  b/a: wall ${ratio.toFixed(2)} (target <= ${TARGET}: ${ratio <= TARGET ? "met" : "NOT met"}), ` +
                `CPU ${(review.cpuMs / head.cpuMs).toFixed(2)}, peak RSS ${(review.maxRssMB / head.maxRssMB).toFixed(2)}`,
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
