import * as path from "node:path";
import type { PlanDocument } from "../../../lib/plan-document";
import { resolveEntryPoint } from "../../../runtime/entry-point";
import { runProgram } from "../../../runtime/run-program";
import { readEngineConfig, secretsProviderProblem } from "../../../runtime/stack-files";
import { buildPlanDocument } from "./build";

export interface PlanStackOptions {
    /** Directory holding `Pulumi.yaml` and the stack files; the program is what the language host would run. */
    readonly projectDir: string;
    readonly stack: string;
    /** Key for secret fingerprints (see `RenderContext.fingerprintKey`). */
    readonly fingerprintKey?: Buffer;
    /**
     * A workflow deploys this project's stacks: each stack file must carry its secrets provider (see
     * `secretsProviderProblem`), or the CLI in CI would ask for a passphrase.
     * @default false
     */
    readonly deployedByWorkflows?: boolean;
}

/** Runs the project's program for one stack offline and returns its plan document. */
export async function planStack(opts: PlanStackOptions): Promise<PlanDocument> {
    const projectDir = path.resolve(opts.projectDir);
    const secrets = opts.deployedByWorkflows ? secretsProviderProblem(projectDir, opts.stack) : undefined;
    if (secrets) throw new Error(secrets);
    const run = await runProgram({
        stack: opts.stack,
        config: readEngineConfig(projectDir, opts.stack),
        program: resolveEntryPoint(projectDir).program,
    });
    return buildPlanDocument(run, { root: projectDir, fingerprintKey: opts.fingerprintKey });
}
