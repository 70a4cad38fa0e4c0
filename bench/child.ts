/**
 * Benchmarks measure each sample in a fresh process, so its peak RSS is its own: the parent calls `measureInChild`,
 * which re-runs the benchmark file with `child <mode> <args…>`, and the file's `childEntry` runs that sample and
 * prints it as one JSON line.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { exitAfterOutput } from "../runtime/exit";

const REPO_ROOT = path.resolve(__dirname, "..");

/** Runs one sample of benchmark `file` in a fresh process and returns the JSON it printed last. */
export function measureInChild<T>(
    file: string,
    mode: string,
    args: readonly string[],
    env?: NodeJS.ProcessEnv,
): T {
    const r = spawnSync(
        process.execPath,
        ["--max-old-space-size=8192", "--require", "tsx/cjs", file, "child", mode, ...args],
        { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: env ?? process.env },
    );
    const last = r.stdout.trim().split("\n").pop() ?? "";
    if (r.status !== 0 || !last.startsWith("{")) {
        throw new Error(
            `bench child ${mode} ${args.join(" ")} failed (${r.status}):\n${r.stderr}\n${r.stdout}`,
        );
    }
    return JSON.parse(last) as T;
}

/** In a benchmark file: runs the requested sample when this process was started by `measureInChild`. */
export function childEntry(mod: NodeModule, run: (mode: string, args: string[]) => Promise<void>): void {
    if (require.main !== mod || process.argv[2] !== "child") return;
    // As tools/plan.ts does: tsx's source-mapped stack traces cost the SDK dearly per output (issue 22).
    process.setSourceMapsEnabled(false);
    run(process.argv[3], process.argv.slice(4)).catch((e) => {
        console.error(e);
        return exitAfterOutput(1);
    });
}
