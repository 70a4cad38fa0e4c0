import * as path from "node:path";
import type { PlanDocument } from "../../../lib/plan-document";
import { runProgram } from "../../../runtime/run-program";
import { readEngineConfig } from "../../../runtime/stack-files";
import { buildPlanDocument } from "./build";

export interface PlanStackOptions {
    /** Directory holding `Pulumi.yaml`, the stack files and the program's `index.ts`. */
    readonly projectDir: string;
    readonly stack: string;
    /** Key for secret fingerprints (see `RenderContext.fingerprintKey`). */
    readonly fingerprintKey?: Buffer;
}

/** Runs the project's program for one stack offline and returns its plan document. */
export async function planStack(opts: PlanStackOptions): Promise<PlanDocument> {
    const projectDir = path.resolve(opts.projectDir);
    const run = await runProgram({
        stack: opts.stack,
        config: readEngineConfig(projectDir, opts.stack),
        program: path.join(projectDir, "index.ts"),
    });
    return buildPlanDocument(run, { root: projectDir, fingerprintKey: opts.fingerprintKey });
}
