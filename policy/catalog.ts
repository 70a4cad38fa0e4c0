import { byCodeUnit } from "../lib/order";
import {
    bucketObjectPrefix,
    chartPinned,
    composerNoReplace,
    composerProtected,
    imageDigest,
    secretDataIsSecret,
} from "./rules-platform";
import { noPlaintextCredentials, prodBranchProtection, prodEnvironmentReviewers } from "./rules-governance";
import type { EnforcementLevel, PolicyContext, PolicyResource, Rule, Violation } from "./rules";
import { TYPES, replaceCauses, type DiffableDocument, type PlanDiff } from "../lib/plan-document";

/** Every rule, in the order violations are reported. */
export const RULES: readonly Rule[] = [
    composerProtected,
    composerNoReplace,
    chartPinned,
    imageDigest,
    bucketObjectPrefix,
    secretDataIsSecret,
    prodBranchProtection,
    prodEnvironmentReviewers,
    noPlaintextCredentials,
];

export const RULE_NAMES: readonly string[] = RULES.map((r) => r.name);

/** How strictly a channel enforces each rule. */
export interface Enforcement {
    /** Level of every rule not listed in `rules`. */
    readonly enforcement: Exclude<EnforcementLevel, "disabled">;
    /** Per-rule levels by rule name. */
    readonly rules: Readonly<Record<string, EnforcementLevel>>;
}

/** The channel's policy settings (`data-infra:policy`, resolved by `config/sections/policy.ts`). */
export interface PolicyConfig extends Enforcement, Omit<PolicyContext, "channel"> {}

/**
 * Rules that block in every channel unless a stack says otherwise: an unpinned chart deploys whatever the
 * repository serves that day, so even test would stop testing what prod later runs.
 */
const MANDATORY_EVERYWHERE: ReadonlySet<string> = new Set([chartPinned.name]);

export function levelOf(rule: string, e: Enforcement): EnforcementLevel {
    return e.rules[rule] ?? (MANDATORY_EVERYWHERE.has(rule) ? "mandatory" : e.enforcement);
}

/** Runs every enabled rule over the resources; violations in resource order, then rule order. */
export function evaluatePolicies(
    resources: readonly PolicyResource[],
    ctx: PolicyContext,
    enforcement: Enforcement,
): Violation[] {
    const out: Violation[] = [];
    for (const r of resources) {
        for (const rule of RULES) {
            const level = levelOf(rule.name, enforcement);
            if (level === "disabled") continue;
            for (const f of rule.check(r, ctx))
                out.push({ ...f, rule: rule.name, level, urn: r.urn, type: r.type, name: r.name });
        }
    }
    return out;
}

/** `mandatory: helm-chart-pinned: Release metabase (version): … Fix: …` */
export function formatViolation(v: Violation): string {
    return `${v.level}: ${v.rule}: ${v.type.split(":").pop()} ${v.name} (${v.path}): ${v.message}. Fix: ${v.fix}`;
}

/** The plan document's resources as the rules see them. */
export function policyResources(doc: DiffableDocument): PolicyResource[] {
    return doc.resources
        .filter((r) => r.type !== TYPES.stack)
        .map((r) => {
            const o = r.options ?? {};
            return {
                urn: r.urn,
                type: r.type,
                name: r.name,
                inputs: r.inputs,
                options: {
                    protect: o.protect,
                    deleteBeforeReplace: o.deleteBeforeReplace,
                    replaceOnChanges: o.replaceOnChanges,
                },
            };
        });
}

/** Every rule over a plan document, with the channel's enforcement. */
export function evaluateDocument(
    doc: DiffableDocument,
    cfg: PolicyConfig,
    readFile?: PolicyContext["readFile"],
): Violation[] {
    return evaluatePolicies(
        policyResources(doc),
        { channel: doc.stack, ...cfg, ...(readFile ? { readFile } : {}) },
        cfg,
    );
}

/**
 * The part of `composer-no-replace` only a diff can see: a Composer environment deleted, or one whose change
 * forces a replacement (its name, project, region or bucket changed).
 */
export function evaluateDiff(diff: PlanDiff, cfg: PolicyConfig): Violation[] {
    const level = levelOf(composerNoReplace.name, cfg);
    if (level === "disabled") return [];
    // A provider whose inputs change (gcp `project`/`region`) takes the environment along, changed or not.
    const cascaded = new Map(
        (diff.cascades ?? []).flatMap((c) => c.resources.map((urn) => [urn, c] as const)),
    );
    const composers = new Map<string, { urn: string; type: string; name: string }>(
        (diff.cascades ?? []).flatMap((c) =>
            c.resources
                .filter(
                    (urn) => urn.includes(`$${TYPES.composer}::`) || urn.includes(`::${TYPES.composer}::`),
                )
                .map(
                    (urn) =>
                        [urn, { urn, type: TYPES.composer, name: urn.split("::").pop() ?? urn }] as const,
                ),
        ),
    );
    // A removal `retire` asks for is the deliberate end of a blue/green upgrade (docs/composer-and-dags.md); a
    // replacement never is.
    const retired = new Set(cfg.composerRetired ?? []);
    for (const r of diff.resources)
        if (
            r.type === TYPES.composer &&
            ((r.kind === "remove" && !retired.has(r.name)) || replaceCauses(r).length)
        )
            composers.set(r.urn, r);
    return [...composers.values()]
        .sort((a, b) => byCodeUnit(a.urn, b.urn))
        .map((r) => {
            const diffed = diff.resources.find((x) => x.urn === r.urn);
            const causes = diffed ? replaceCauses(diffed).map((c) => c.path) : [];
            const via = cascaded.get(r.urn);
            return { r, diffed, causes, via };
        })
        .map(({ r, diffed, causes, via }) => ({
            rule: composerNoReplace.name,
            level,
            urn: r.urn,
            type: r.type,
            name: r.name,
            path:
                diffed?.kind === "remove"
                    ? "(resource)"
                    : [
                          ...causes,
                          ...(via
                              ? [`provider ${via.provider.split("::").pop()}: ${via.inputs.join(", ")}`]
                              : []),
                      ].join(", "),
            message:
                diffed?.kind === "remove"
                    ? "the Composer environment would be deleted"
                    : "the change replaces the Composer environment (delete + create) instead of updating it",
            fix: "keep the environment's name, project, region and bucket; to move an environment, create a new one next to it and migrate",
        }));
}
