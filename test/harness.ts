/**
 * Shared test harness: plans the real program under the mock runtime with a stack's config, optionally edited,
 * and returns the recorder. Tests must run programs one at a time (mocha's default), since the runtime is global.
 */
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
