import * as path from "node:path";
import { runProgram } from "../../runtime/run-program";
import { readEngineConfig } from "../../runtime/stack-files";
import { buildPlanDocument, type PlanDocument } from "./document";

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
