import type { ProgramRun } from "../../runtime/run-program";
import type { RecordedResource } from "../../runtime/recorder";
import { renderInputs, type RenderContext } from "./values";

/**
 * One resource of the plan document: what the recorder saw, with inputs rendered for people and JSON (secrets as
 * `[secret]`, unknowns as `(computed)`, file assets as `{asset, path, sha256}`).
 */
export interface PlanResource extends Omit<RecordedResource, "inputs" | "read"> {
    readonly inputs: Record<string, unknown>;
    /** Keyed fingerprints of secret inputs by dotted path; only when a fingerprint key was given. */
    readonly secrets?: Record<string, string>;
}

/**
 * The offline plan of one stack: the contract CI jobs and reviewers build on. Extend it; never rename or
 * remove a field.
 */
export interface PlanDocument {
    readonly project: string;
    readonly stack: string;
    /** Says what this is: the desired state under the mock runtime, not a diff against the cloud. */
    readonly note: string;
    readonly resources: readonly PlanResource[];
    /** The stack's exported outputs, rendered like inputs. */
    readonly outputs: Record<string, unknown>;
}

export const PLAN_NOTE =
    "Desired state computed offline under the Pulumi mock runtime; not a diff against the cloud. " +
    "(computed) marks values only the cloud knows; [secret] marks secrets.";

/** Builds the plan document of a program run; resources sorted by URN so the output is deterministic. */
export function buildPlanDocument(run: ProgramRun, ctx: Omit<RenderContext, "fileHashes">): PlanDocument {
    const rc: RenderContext = { ...ctx, fileHashes: new Map() };
    const resources = [...run.recorder.resources]
        .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0))
        .map((r): PlanResource => {
            const { value, secrets } = renderInputs(r.inputs, rc);
            return {
                urn: r.urn,
                type: r.type,
                name: r.name,
                parent: r.parent,
                custom: r.custom,
                provider: r.provider,
                inputs: value as Record<string, unknown>,
                options: r.options,
                ...(ctx.fingerprintKey ? { secrets } : {}),
            };
        });
    return {
        project: run.project,
        stack: run.stack,
        note: PLAN_NOTE,
        resources,
        outputs: renderInputs(run.outputs, rc).value as Record<string, unknown>,
    };
}
