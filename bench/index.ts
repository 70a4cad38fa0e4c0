/**
 * `npm run bench [-- <name>...]`: runs the named benchmarks (default: all). Each benchmark lives in its own file
 * and registers one entry here.
 */
import { benchDagSync } from "./dag-sync";
import { benchEngine } from "./engine";
import { benchEngineGcs } from "./engine-gcs";
import { benchReview } from "./review";
import { exitAfterOutput } from "../runtime/exit";

const benchmarks: Record<string, () => Promise<void>> = {
    "dag-sync": benchDagSync,
    review: benchReview,
    engine: benchEngine,
    "engine-gcs": benchEngineGcs,
};

const HELP = `Usage: npm run bench [-- <name>...]

Runs benchmarks and prints times, peak memory and ratios against a baseline measured in the same run.
Benchmarks: ${Object.keys(benchmarks).join(", ")} (default: dag-sync, review; engine and engine-gcs only when named).
  dag-sync   the user's plan command on synthetic 1,000/5,000/10,000-file DAG trees vs a plain-node
             floor and md5sum (BENCH_DAG_SIZES=200,1000 for a quicker run)
  review     the user's review command (--base) on a 1,000-file DAG tree with 100 changed files vs
             planning the head alone
  engine     pulumi preview/up of the test channel with 1,000/5,000 DAG files through the real CLI and engine,
             the stand-in providers and a file:// backend (builds the CLI on first use; see README)
  engine-gcs pulumi up (real CLI, gcsmanifest plugin, fake-gcs-server, file:// backend) of 1,000/10,000
             files: first sync and a one-file change, state size (BENCH_ENGINE_GCS_SIZES=1000 for a quicker run)

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
    // The engine benchmarks build the Pulumi CLI on first use and takes minutes: only when asked for by name.
    for (const name of names.length ? names : ["dag-sync", "review"]) await benchmarks[name]();
}

main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    return exitAfterOutput(1);
});
