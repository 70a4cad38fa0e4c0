import { STATEFUL } from "../../../lib/force-new";
import { KUSTOMIZE_HASH_KEY, TYPES, replaceCauses, valueAt, type PlanDiff } from "../../../lib/plan-document";
import type { ComposerChange } from "./sections/composer";
import { manifestChanges, objectName } from "./sections/dags";
import type { Weakening } from "./sections/github";
import type { HelmChange } from "./sections/helm";
import { byCodeUnit } from "../../../lib/order";
import type { PolicyChange } from "./sections/policy";

/** Risk tiers, most severe first. */
export const TIERS = ["critical", "high", "medium", "low"] as const;
export type Tier = (typeof TIERS)[number];

export interface RiskEntry {
    readonly tier: Tier;
    readonly urn: string;
    /** Short resource label (`Environment data-infra-test`). */
    readonly subject: string;
    readonly reason: string;
}

export interface RiskInputs {
    readonly diff: PlanDiff;
    readonly composer: readonly ComposerChange[];
    readonly helm: readonly HelmChange[];
    readonly weakenings: readonly Weakening[];
    /** Changes of the channel's `data-infra:policy` (none with `--compare`). */
    readonly policy?: readonly PolicyChange[];
}

const CRITICAL_DELETES: Readonly<Record<string, string>> = {
    [TYPES.composer]: "Composer environment deleted (Airflow metadata, variables and connections are lost)",
    [TYPES.bucket]: "bucket deleted",
    [TYPES.namespace]: "namespace deleted (everything in it is deleted)",
};

// Resource options whose removal takes a protection away, and what it protected against.
const PROTECTING_OPTIONS: ReadonlyArray<[option: "protect" | "retainOnDelete", what: string]> = [
    ["protect", "`protect` removed: Pulumi no longer refuses to delete or replace it"],
    [
        "retainOnDelete",
        "`retainOnDelete` removed: deleting it from the program now deletes it from the cloud",
    ],
];

/** What a change to a provider's inputs does, in words. */
function cascadeReason(provider: string, inputs: readonly string[], stateful: string | undefined): string {
    const name = provider.split("::").pop();
    const lost = stateful ? ` (loses ${stateful})` : "";
    return `provider ${name} changes (${inputs.join(", ")}): planned as replaced with everything under it${lost}; a provider replacement deletes the old resources and creates new ones`;
}

/**
 * Classifies every change of a diff:
 * - critical: a provider input change (every resource under it is listed, as replaced), a replacement or delete of
 *   a stateful type (Composer, bucket, namespace, Helm release, GitHub environment or branch protection);
 * - high: Composer image or PyPI change, a replacement of any other type, removal of `protect`/`retainOnDelete`,
 *   `deletionPolicy` weakened, a `data-infra:policy` change that weakens, protection weakening, secret removal;
 * - medium: DAG file deletion or re-upload (briefly absent), chart major version bump, other policy changes;
 * - low: everything else. Every changed resource gets at least one entry; sorted by tier, then URN (code units).
 */
export function classifyRisks(inputs: RiskInputs): RiskEntry[] {
    const entries: RiskEntry[] = [];
    const add = (r: { urn: string }, tier: Tier, reason: string) =>
        entries.push({ tier, urn: r.urn, subject: subjectOf(r.urn), reason });
    // One entry per output name, however many of its leaves differ (retiring an environment removes four leaves of
    // `composerEnvironments.current`; a reviewer needs one line saying readers of it break).
    const byOutput = new Map<string, Array<{ path: string; kind: string }>>();
    for (const o of inputs.diff.outputs ?? []) {
        const name = o.path.split(/[.[]/)[0];
        byOutput.set(name, [...(byOutput.get(name) ?? []), o]);
    }
    for (const [name, leaves] of byOutput) {
        // Another stack's StackReference (prod reads test's `images`) fails on a removed output; a moved one changes
        // what readers get (the health gate and promotion read `airflowUri` and `images`).
        const removed = leaves.filter((l) => l.kind === "removed").map((l) => l.path);
        const paths = leaves.map((l) => l.path);
        const listed =
            paths.length > 3 ? `${paths.slice(0, 3).join(", ")}, … (${paths.length})` : paths.join(", ");
        entries.push({
            tier: removed.length ? "high" : "medium",
            urn: `output:${name}`,
            subject: `stack output ${name}`,
            reason: removed.length
                ? `${listed}: removed; every StackReference or workflow reading ${removed.length === paths.length && removed.includes(name) ? name : "them"} breaks`
                : `${listed} ${leaves.length === 1 ? leaves[0].kind : "changed"}: what other stacks (StackReference) and the workflows read changes`,
        });
    }
    for (const c of inputs.diff.cascades ?? []) {
        add({ urn: c.provider }, "critical", cascadeReason(c.provider, c.inputs, undefined));
        for (const urn of c.resources)
            add({ urn }, "critical", cascadeReason(c.provider, c.inputs, STATEFUL[typeOfUrn(urn)]));
    }
    for (const r of inputs.diff.resources) {
        const retained = r.base?.options?.retainOnDelete === true;
        if (r.kind === "remove" && CRITICAL_DELETES[r.type] && !retained)
            add(r, "critical", CRITICAL_DELETES[r.type]);
        if (r.kind === "remove" && retained)
            add(r, "low", "removed from the program; retained in the cloud (retainOnDelete)");
        const causes = replaceCauses(r);
        if (causes.length) {
            const stateful = STATEFUL[r.type];
            const conditions = [...new Set(causes.flatMap((c) => (c.unless ? [c.unless] : [])))];
            add(
                r,
                stateful ? "critical" : "high",
                `replaced: ${causes.map((c) => c.path).join(", ")} changed (forces delete + create${stateful ? `; loses ${stateful}` : ""})${conditions.length ? `, unless ${conditions.join("; ")}` : ""}`,
            );
        }
        if (r.kind === "remove" && STATEFUL[r.type] && !CRITICAL_DELETES[r.type] && !retained)
            add(r, "critical", `deleted: loses ${STATEFUL[r.type]}`);
        if (r.kind === "remove" && r.type === TYPES.k8sSecret) add(r, "high", "Kubernetes secret removed");
        for (const s of r.secrets)
            if (s.status === "removed" && r.kind === "change")
                add(r, "high", `secret input ${s.path} removed`);
        if (r.kind === "change") {
            for (const [option, what] of PROTECTING_OPTIONS)
                if (r.base?.options?.[option] && !r.head?.options?.[option]) add(r, "high", what);
            const before = valueAt(r.base?.inputs, "deletionPolicy");
            const after = valueAt(r.head?.inputs, "deletionPolicy");
            if (before === "PREVENT" && after !== "PREVENT")
                add(
                    r,
                    "high",
                    `deletionPolicy PREVENT → ${String(after ?? "(unset)")}: the provider no longer refuses to delete it`,
                );
        }
        if (r.type === TYPES.bucketObject && objectName(r).startsWith("dags/")) {
            if (r.kind === "remove") add(r, "medium", `DAG file ${objectName(r)} deleted`);
            // engine-facts C3: `source` is ForceNew and the object is deleteBeforeReplace, so a content change is a
            // delete then an upload; the scheduler can list the folder in between and deactivate the DAG.
            else if (r.kind === "change" && replaceCauses(r).length)
                add(
                    r,
                    "medium",
                    `DAG file ${objectName(r)} re-uploaded as delete + create: briefly absent, and Airflow may deactivate the DAG if it lists the folder in that window`,
                );
        }
        // A manifest overwrites a changed file in place (no delete first): only removed files are a risk.
        if (r.type === TYPES.prefixManifest)
            for (const name of manifestChanges(r).removed)
                if (name.startsWith("dags/")) add(r, "medium", `DAG file ${name} deleted`);
    }
    for (const r of inputs.diff.resources)
        if (
            r.type === TYPES.kustomize &&
            r.kind === "change" &&
            r.changes.some((c) => c.path === KUSTOMIZE_HASH_KEY)
        )
            add(
                r,
                "medium",
                `kustomize manifests under ${String(valueAt(r.head?.inputs, "directory"))} changed: the cluster gets them as they are now`,
            );
    for (const c of inputs.composer) {
        if (c.kind !== "change") continue;
        if (c.imageVersion) add(c, "high", `Composer image ${c.imageVersion.old} → ${c.imageVersion.new}`);
        if (c.pypi.length) add(c, "high", `Composer PyPI packages changed (${c.pypi.length})`);
    }
    for (const w of inputs.weakenings) add(w, "high", `${w.subject}: ${w.what}`);
    for (const h of inputs.helm) {
        if (h.majorBump && h.chart)
            add(h, "medium", `chart major version bump ${h.chart.old} → ${h.chart.new}`);
    }
    for (const p of inputs.policy ?? [])
        add(
            { urn: `data-infra:policy.${p.key}` },
            p.weakens ? "high" : "medium",
            `policy ${p.key} ${p.old} → ${p.new}: ${p.what}`,
        );
    const classified = new Set(entries.map((e) => e.urn));
    for (const r of inputs.diff.resources) {
        if (!classified.has(r.urn))
            add(r, "low", r.kind === "add" ? "added" : r.kind === "remove" ? "removed" : "changed");
    }
    return entries.sort(
        (a, b) =>
            tierRank(a.tier) - tierRank(b.tier) || byCodeUnit(a.urn, b.urn) || byCodeUnit(a.reason, b.reason),
    );
}

/** The resource type of a URN (the last type of its chain). */
function typeOfUrn(urn: string): string {
    return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

export const tierRank = (t: Tier): number => TIERS.indexOf(t);

/** The most severe tier present, if any entry. */
export function highestTier(entries: readonly RiskEntry[]): Tier | undefined {
    return entries.reduce<Tier | undefined>(
        (best, e) => (best === undefined || tierRank(e.tier) < tierRank(best) ? e.tier : best),
        undefined,
    );
}

/** Whether any entry is at `min` or more severe (the `--fail-on` gate). */
export function reachesTier(entries: readonly RiskEntry[], min: Tier): boolean {
    return entries.some((e) => tierRank(e.tier) <= tierRank(min));
}

export function isTier(value: string): value is Tier {
    return (TIERS as readonly string[]).includes(value);
}

/** `Environment data-infra-test` from a URN: the resource type's name and the resource name. */
export function subjectOf(urn: string): string {
    if (!urn.startsWith("urn:")) return urn;
    const parts = urn.split("::");
    const type = (parts[2] ?? "").split("$").pop() ?? "";
    return `${type.split(":").pop() ?? type} ${parts.slice(3).join("::")}`;
}
