import * as path from "node:path";
import { kustomizeContentHash } from "../../../components/releases/inputs";
import { KUSTOMIZE_HASH_KEY, TYPES, type PlanDocument, type PlanResource } from "../../../lib/plan-document";
import type { ProgramRun } from "../../../runtime/run-program";
import { renderInputs, type RenderContext } from "./render-inputs";
import { byCodeUnit } from "../../../lib/order";

export const PLAN_NOTE =
    "Desired state computed offline under the Pulumi mock runtime; not a diff against the cloud. " +
    "(computed) marks values only the cloud knows; [secret] marks secrets.";

/** Builds the plan document of a program run; resources sorted by URN so the output is deterministic. */
export function buildPlanDocument(run: ProgramRun, ctx: Omit<RenderContext, "fileHashes">): PlanDocument {
    const rc: RenderContext = { ...ctx, fileHashes: new Map() };
    const resources = [...run.recorder.resources]
        .sort((a, b) => byCodeUnit(a.urn, b.urn))
        .map((r): PlanResource => {
            const { value, secrets } = renderInputs(withContentHash(r.type, r.inputs, ctx.root), rc);
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

/** A local kustomize directory's inputs with its content hash ({@link KUSTOMIZE_HASH_KEY}); others unchanged. */
function withContentHash<T extends Record<string, unknown>>(type: string, inputs: T, root: string): T {
    const dir = inputs.directory;
    if (type !== TYPES.kustomize || typeof dir !== "string") return inputs;
    const hash = kustomizeContentHash(dir, path.resolve(root));
    return hash ? { ...inputs, [KUSTOMIZE_HASH_KEY]: hash } : inputs;
}
