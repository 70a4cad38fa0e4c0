/**
 * The review's checkout worker (./checkout-worker.ts) as one plain CommonJS file, so a worker started from it loads
 * no TypeScript hook: tsx's require hook cost the worker 125 ms of CPU on the review's second core, while the main
 * thread loads and plans the head there (median review 2.55 s → 2.28 s with the plain file, 8 runs each, 2 idle
 * cores). It is built with esbuild (the compiler tsx itself runs) the first time a review needs it, by the worker
 * that then runs with tsx, and kept under `node_modules/.cache/data-infra/` with a name that hashes its sources and
 * the esbuild version: a change to either names another file, so a stale one is never used.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** The bundle's sources, in this folder: the worker and the one module it imports (only Node's built-ins besides). */
export const WORKER_SOURCES = ["checkout-worker.ts", "checkout.ts"] as const;

/** Where the bundle for the sources in `sourceDir` is, and whether it is there. */
export interface WorkerBundle {
    readonly file: string;
    readonly exists: boolean;
}

/**
 * The bundle of the sources in `sourceDir` (this folder by default) under `cacheDir`:
 * `checkout-worker-<16 hex of SHA-256 over the esbuild version, each source's name and content>.cjs`.
 */
export function workerBundle(cacheDir: string, sourceDir: string = __dirname): WorkerBundle {
    const hash = createHash("sha256").update(`esbuild ${esbuildVersion()}\0`);
    for (const name of WORKER_SOURCES)
        hash.update(`${name}\0`)
            .update(fs.readFileSync(path.join(sourceDir, name)))
            .update("\0");
    const file = path.join(cacheDir, `checkout-worker-${hash.digest("hex").slice(0, 16)}.cjs`);
    return { file, exists: fs.existsSync(file) };
}

function esbuildVersion(): string {
    return (require("esbuild/package.json") as { version: string }).version;
}

/**
 * Builds the bundle into `file` (a temporary file renamed into place, so a reader never sees half of it). Writes
 * nothing when the worker imports more of this repository than {@link WORKER_SOURCES}: the name would not cover it.
 *
 * @returns whether it wrote `file`.
 */
export function buildWorkerBundle(file: string, sourceDir: string = __dirname): boolean {
    const esbuild = require("esbuild") as typeof import("esbuild");
    const built = esbuild.buildSync({
        entryPoints: [path.join(sourceDir, WORKER_SOURCES[0])],
        bundle: true,
        platform: "node",
        format: "cjs",
        target: "node22",
        write: false,
        metafile: true,
        logLevel: "silent",
    });
    const inputs = Object.keys(built.metafile.inputs)
        .map((f) => path.resolve(f))
        .sort();
    const expected = WORKER_SOURCES.map((f) => path.resolve(sourceDir, f)).sort();
    if (JSON.stringify(inputs) !== JSON.stringify(expected)) return false;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, built.outputFiles[0].contents);
    fs.renameSync(tmp, file);
    return true;
}
