/**
 * `npm run bench [-- <name>...]`: runs the named benchmarks (default: all). Each benchmark lives in its own file
 * and registers one entry here.
 */
import { benchDagSync } from "./dag-sync";
import { benchReview } from "./review";
import { exitAfterOutput } from "../runtime/exit";

const benchmarks: Record<string, () => Promise<void>> = {
    "dag-sync": benchDagSync,
    review: benchReview,
};

const HELP = `Usage: npm run bench [-- <name>...]

Runs benchmarks and prints times, peak memory and ratios against a baseline measured in the same run.
Benchmarks: ${Object.keys(benchmarks).join(", ")} (default: all).
  dag-sync   the user's plan command on synthetic 1,000/5,000/10,000-file DAG trees vs a plain-node
             floor and md5sum (BENCH_DAG_SIZES=200,1000 for a quicker run)
  review     the user's review command (--base) on a 1,000-file DAG tree with 100 changed files vs
             planning the head alone

Example: npm run bench -- dag-sync`;

async function main(names: string[]): Promise<void> {
    if (names.includes("--help") || names.includes("-h")) {
        console.log(HELP);
        return;
    }
    const unknown = names.filter((n) => !(n in benchmarks));
    if (unknown.length) {
        throw new Error(
            `unknown benchmark ${unknown.join(", ")} (known: ${Object.keys(benchmarks).join(", ")})`,
        );
    }
    for (const name of names.length ? names : Object.keys(benchmarks)) await benchmarks[name]();
}

main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    return exitAfterOutput(1);
});
