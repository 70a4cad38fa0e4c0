import { TYPES, replaceCauses, type PlanDiff } from "../../../lib/plan-document";
import type { ComposerChange } from "./sections/composer";
import { objectName } from "./sections/dags";
import type { Weakening } from "./sections/github";
import type { HelmChange } from "./sections/helm";
import { byCodeUnit } from "../../../lib/order";

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
}

const CRITICAL_DELETES: Readonly<Record<string, string>> = {
    [TYPES.composer]: "Composer environment deleted (Airflow metadata, variables and connections are lost)",
    [TYPES.bucket]: "bucket deleted",
    [TYPES.namespace]: "namespace deleted (everything in it is deleted)",
};

/**
 * Classifies every change of a diff: critical (Composer environment replace or delete, bucket delete, namespace
 * delete), high (Composer image or PyPI change, protection weakening, secret removal), medium (DAG file deletion,
 * chart major version bump), low (everything else). Every changed resource gets at least one entry; entries are
 * sorted by tier, then URN.
 */
export function classifyRisks(inputs: RiskInputs): RiskEntry[] {
    const entries: RiskEntry[] = [];
    const add = (r: { urn: string }, tier: Tier, reason: string) =>
        entries.push({ tier, urn: r.urn, subject: subjectOf(r.urn), reason });
    for (const r of inputs.diff.resources) {
        if (r.kind === "remove" && CRITICAL_DELETES[r.type]) add(r, "critical", CRITICAL_DELETES[r.type]);
        const causes = replaceCauses(r);
        if (causes.length)
            add(r, "critical", `replaced: ${causes.join(", ")} changed (forces delete + create)`);
        if (r.kind === "remove" && r.type === TYPES.k8sSecret) add(r, "high", "Kubernetes secret removed");
        for (const s of r.secrets)
            if (s.status === "removed" && r.kind === "change")
                add(r, "high", `secret input ${s.path} removed`);
        if (r.kind === "remove" && r.type === TYPES.bucketObject && objectName(r).startsWith("dags/"))
            add(r, "medium", `DAG file ${objectName(r)} deleted`);
    }
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
    const classified = new Set(entries.map((e) => e.urn));
    for (const r of inputs.diff.resources) {
        if (!classified.has(r.urn))
            add(r, "low", r.kind === "add" ? "added" : r.kind === "remove" ? "removed" : "changed");
    }
    return entries.sort((a, b) => tierRank(a.tier) - tierRank(b.tier) || byCodeUnit(a.urn, b.urn));
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
    const parts = urn.split("::");
    const type = (parts[2] ?? "").split("$").pop() ?? "";
    return `${type.split(":").pop() ?? type} ${parts.slice(3).join("::")}`;
}
