/**
 * Shared test harness: plans the real program under the mock runtime with a stack's config, optionally edited,
 * and returns the recorder. Tests must run programs one at a time (mocha's default), since the runtime is global.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runProgram, type ProgramRun, type RunOptions } from "../runtime/run-program";
import { readEngineConfig, type EngineConfig } from "../runtime/stack-files";

export const REPO_ROOT = path.resolve(__dirname, "..");

/** Engine config of a shipped stack file, with `data-infra:<key>` values replaced or removed (`undefined`). */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): EngineConfig {
    const base = readEngineConfig(REPO_ROOT, stack);
    const config: Record<string, string> = { ...base.config };
    for (const [key, value] of Object.entries(overrides)) {
        const full = key.includes(":") ? key : `data-infra:${key}`;
        if (value === undefined) delete config[full];
        else config[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { ...base, config };
}

/** Plans `stack` (a shipped stack file, optionally edited) and returns what it declared. */
export function plan(
    stack: string,
    overrides: Record<string, unknown> = {},
    opts: Omit<RunOptions, "stack" | "config"> = {},
): Promise<ProgramRun> {
    return runProgram({ stack, config: stackConfig(stack, overrides), ...opts });
}

/** The governance program (`governance/index.ts`). */
export const GOVERNANCE_PROGRAM = path.join(REPO_ROOT, "governance", "index.ts");

/**
 * Plans the governance stack of `stack` (project data-infra-governance), handing it the channel's shipped stack file
 * optionally edited, as {@link plan} does for the channel program.
 */
export function planGovernance(stack: string, overrides: Record<string, unknown> = {}): Promise<ProgramRun> {
    const config = { ...stackConfig(stack, overrides), project: "data-infra-governance" };
    return runProgram({ stack, config, program: GOVERNANCE_PROGRAM });
}

/**
 * A fresh temporary copy of this checkout's files (tracked and new, not ignored; symlinks kept) with this checkout's
 * `node_modules` linked in, for tests that commit or plan in a scratch repository. The caller removes it.
 */
export function copyCheckout(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
        cwd: REPO_ROOT,
        encoding: "utf8",
    })
        .split("\0")
        .filter((f) => f && fs.existsSync(path.join(REPO_ROOT, f)));
    for (const f of files) {
        const from = path.join(REPO_ROOT, f);
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        if (fs.lstatSync(from).isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), path.join(dir, f));
        else fs.copyFileSync(from, path.join(dir, f));
    }
    fs.symlinkSync(fs.realpathSync(path.join(REPO_ROOT, "node_modules")), path.join(dir, "node_modules"));
    return dir;
}
