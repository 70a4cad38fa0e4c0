/**
 * `npm run bench [-- <name>...]`: runs the named benchmarks (default: all). Each benchmark lives in its own file
 * and registers one entry here.
 */
import { benchDagSync } from "./dag-sync";
import { benchReview } from "./review";

const benchmarks: Record<string, () => Promise<void>> = {
    "dag-sync": benchDagSync,
    review: benchReview,
};

async function main(names: string[]): Promise<void> {
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
    process.exit(1);
});
