/**
 * Puts the engine's view of a stack (the steps of `pulumi preview --json` on a fresh stack) and the offline plan's
 * (`npm run plan -- --format json`) in one shape, so a test can require them to be equal: URN, type, parent, and
 * the inputs the program sent, with the special values written the plan's way ((computed), [secret], file assets
 * as {asset, path, sha256}).
 */
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import type { PreviewJson } from "./harness";

export interface ResourceView {
    urn: string;
    type: string;
    parent?: string;
    inputs: unknown;
}

interface PlanDoc {
    resources: { urn: string; type: string; parent?: string; custom?: boolean; inputs?: unknown }[];
}

const SIG = rpc.specialSigKey;

/** The engine's display of an input value, written the way the offline plan writes it. */
export function planStyle(v: unknown): unknown {
    if (v === rpc.unknownValue) return "(computed)";
    if (Array.isArray(v)) return v.map(planStyle);
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SIG] === rpc.specialSecretSig) return "[secret]";
        if (o[SIG] === rpc.specialAssetSig) {
            return { asset: "file", path: String(o.path).replace(/^\.\//, ""), sha256: o.hash };
        }
        return Object.fromEntries(
            Object.keys(o)
                .sort()
                .map((k) => [k, planStyle(o[k])]),
        );
    }
    return v;
}

/**
 * A step's inputs as `pulumi preview --json` prints them (secrets already "[secret]"), in the plan's style. Provider
 * resources also carry the engine's own `version` and `__internal` inputs, which the plan does not record.
 */
function engineInputs(type: string, inputs: Record<string, unknown>): unknown {
    if (!type.startsWith("pulumi:providers:")) return planStyle(inputs);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(inputs)) if (k !== "__internal" && k !== "version") out[k] = v;
    return planStyle(out);
}

export function engineView(preview: PreviewJson): ResourceView[] {
    return (preview.steps ?? [])
        .filter((s) => s.newState)
        .map((s) => ({
            urn: s.urn,
            type: s.newState!.type,
            parent: s.newState!.parent || undefined,
            inputs:
                s.newState!.custom === false ? {} : engineInputs(s.newState!.type, s.newState!.inputs ?? {}),
        }))
        .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

export function planView(plan: PlanDoc): ResourceView[] {
    return plan.resources
        .map((r) => ({
            urn: r.urn,
            type: r.type,
            parent: r.parent || undefined,
            inputs: r.custom === false ? {} : planStyle(r.inputs ?? {}),
        }))
        .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

/**
 * Every difference between the plan's view and the engine's, as `<urn>: <what>` lines (empty when they agree). A
 * value the plan prints as (computed) matches anything the engine knows (the offline plan cannot read the backend
 * or the cloud); everything else must be equal.
 */
export function viewDifferences(plan: ResourceView[], engine: ResourceView[]): string[] {
    const out: string[] = [];
    const byUrn = new Map(engine.map((r) => [r.urn, r]));
    const planUrns = new Set(plan.map((r) => r.urn));
    for (const r of engine) if (!planUrns.has(r.urn)) out.push(`${r.urn}: only in the engine`);
    for (const p of plan) {
        const e = byUrn.get(p.urn);
        if (!e) {
            out.push(`${p.urn}: only in the offline plan`);
            continue;
        }
        if (p.type !== e.type) out.push(`${p.urn}: type ${p.type} (plan) vs ${e.type} (engine)`);
        if (p.parent !== e.parent) out.push(`${p.urn}: parent ${p.parent} (plan) vs ${e.parent} (engine)`);
        diffValue(p.inputs, e.inputs, "inputs", (where, what) => out.push(`${p.urn}: ${where} ${what}`));
    }
    return out;
}

function diffValue(
    p: unknown,
    e: unknown,
    where: string,
    report: (where: string, what: string) => void,
): void {
    if (p === "(computed)") return;
    const isObj = (v: unknown) => v !== null && typeof v === "object";
    if (Array.isArray(p) && Array.isArray(e) && p.length === e.length) {
        p.forEach((v, i) => diffValue(v, e[i], `${where}[${i}]`, report));
        return;
    }
    if (isObj(p) && isObj(e) && !Array.isArray(p) && !Array.isArray(e)) {
        const po = p as Record<string, unknown>;
        const eo = e as Record<string, unknown>;
        for (const k of [...new Set([...Object.keys(po), ...Object.keys(eo)])].sort()) {
            diffValue(po[k], eo[k], `${where}.${k}`, report);
        }
        return;
    }
    if (JSON.stringify(p) !== JSON.stringify(e)) {
        report(where, `${JSON.stringify(p)} (plan) vs ${JSON.stringify(e)} (engine)`);
    }
}
