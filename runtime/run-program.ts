import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Recorder, type RecorderOptions } from "./recorder";
import type { EngineConfig } from "./stack-files";
import type { Wire } from "./wire";

/** Everything one run of the program declared. */
export interface ProgramRun {
    readonly project: string;
    readonly stack: string;
    readonly recorder: Recorder;
    /** The stack's exported outputs, in wire form. */
    readonly outputs: Record<string, Wire>;
}

export interface RunOptions extends Pick<RecorderOptions, "invokes" | "computed" | "preview"> {
    /** The stack (release channel) to run as. */
    readonly stack: string;
    /** Its config, as `readEngineConfig` reads it from the stack files (or as a test builds it). */
    readonly config: EngineConfig;
    /** The program's entry module; defaults to the repository's `index.ts`. */
    readonly program?: string;
}

/** An error in the run that the user fixes (config, inputs, duplicate URNs); printed without a stack trace. */
export class ProgramRunError extends Error {
    constructor(message: string, cause?: unknown) {
        // `cause` keeps the program's own error (and its stack, for --verbose) behind the user-facing message.
        super(message, cause === undefined ? undefined : { cause });
        this.name = "ProgramRunError";
    }
}

const DEFAULT_PROGRAM = path.resolve(__dirname, "..", "index.ts");

/**
 * Runs the real program under the SDK's mock runtime with one stack's config and records what it declares.
 * Runs are sequential: the Pulumi runtime is process-global, so never start a second run before one finishes.
 */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
    const recorder = new Recorder({
        project: opts.config.project,
        stack: opts.stack,
        preview: opts.preview,
        invokes: opts.invokes,
        computed: opts.computed,
    });
    recorder.install();
    pulumi.runtime.setAllConfig({ ...opts.config.config }, [...opts.config.secretKeys]);

    const program = opts.program ?? DEFAULT_PROGRAM;
    // The program module registers resources when it is evaluated, so each run needs a fresh evaluation.
    delete require.cache[require.resolve(program)];

    const late: unknown[] = [];
    const onRejection = (reason: unknown) => late.push(reason);
    process.on("unhandledRejection", onRejection);
    let outputs: Record<string, Wire> = {};
    let failure: unknown;
    try {
        await pulumi.runtime.runInPulumiStack(async () => require(program));
        await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
        outputs = stackOutputs(opts.config.project, opts.stack);
    } catch (e) {
        failure = e;
    } finally {
        // Node reports unhandled rejections after the microtask queue drains: let it, so none is lost.
        await new Promise((resolve) => setImmediate(resolve));
        process.off("unhandledRejection", onRejection);
        recorder.uninstall();
    }
    // The recorder's own findings first: an unanswered invoke surfaces in the program as an empty gRPC error.
    const errors = [...recorder.errors, ...[failure, ...late].filter((e) => e !== undefined).map(errorText)];
    const unique = [...new Set(errors.filter((e) => e.trim() !== ""))];
    if (unique.length || failure !== undefined) {
        throw new ProgramRunError(unique.join("\n") || "the program failed without a message", failure);
    }
    return { project: opts.config.project, stack: opts.stack, recorder, outputs };
}

function stackOutputs(project: string, stack: string): Record<string, Wire> {
    type Monitor = { getRegisteredResources(): Map<string, { state: unknown }> };
    const monitor = (pulumi.runtime as unknown as { getMonitor(): Monitor }).getMonitor();
    const urn = `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
    const state = monitor.getRegisteredResources().get(urn)?.state as {
        toJavaScript?: () => Record<string, Wire>;
    };
    return state?.toJavaScript?.() ?? {};
}

function errorText(e: unknown): string {
    if (e instanceof Error) {
        // ResourceError and RunError carry the user's message; the stack trace is noise for input errors.
        return e.message;
    }
    return String(e);
}
