import { lastKey, redactCredentials } from "../../../lib/credentials";
import type { PlanDiff } from "../../../lib/plan-document";
import type { Violation } from "../../../policy/rules";
import { summarize } from "./diff";
import type { ReviewReport } from "./model";
import { classifyRisks, highestTier, subjectOf } from "./risk";
import { composerChanges } from "./sections/composer";
import { dagChanges, removedDags } from "./sections/dags";
import { githubWeakenings } from "./sections/github";
import { helmChanges, type ValuesFileReader } from "./sections/helm";
import type { ManifestReview } from "./sections/manifests";
import type { PreflightResult } from "./preflight/pypi";
import { TIERS, type RiskEntry } from "./risk";
import { policyChanges } from "./sections/policy";

/** What the review knows besides the two plan documents. */
export interface ReportContext {
    /** The raw `data-infra:policy` value of each side (`undefined` = not set); omitted with `--compare`. */
    readonly policy?: { readonly base: unknown; readonly head: unknown };
    /** Rendered-manifest diffs, made by the caller (they need `helm` and both trees). */
    readonly manifests?: ManifestReview;
    /** PyPI preflights of the changed Composer package sets, run by the caller (they need pip and PyPI). */
    readonly preflight?: readonly PreflightResult[];
}

/** Builds the review report of a diff: domain sections, risk tiers and the head's policy violations. */
export function buildReport(
    diff: PlanDiff,
    violations: readonly Violation[] = [],
    readValuesFile?: ValuesFileReader,
    ctx: ReportContext = {},
): ReviewReport {
    const composer = composerChanges(diff);
    const dags = dagChanges(diff);
    const helm = helmChanges(diff, readValuesFile);
    const weakenings = githubWeakenings(diff);
    const policy = ctx.policy ? policyChanges(ctx.policy.base, ctx.policy.head) : [];
    const risks = withPreflightRisks(
        classifyRisks({ diff, composer, helm, weakenings, policy }),
        ctx.preflight,
    );
    return {
        diff,
        summary: summarize(diff),
        composer,
        dags,
        removedDags: removedDags(dags),
        helm: helm.filter(
            (h) =>
                h.kind !== "change" ||
                h.chart ||
                h.contentHashChanged ||
                h.values.length ||
                h.valuesFiles.length,
        ),
        weakenings,
        policy,
        cascades: diff.cascades ?? [],
        ...(ctx.manifests ? { manifests: ctx.manifests } : {}),
        ...(ctx.preflight ? { preflight: ctx.preflight } : {}),
        secretChanges: diff.resources.flatMap((r) =>
            r.secrets
                .filter((x) => x.status !== "unchanged")
                .map((x) => ({ ...x, urn: r.urn, subject: subjectOf(r.urn) })),
        ),
        risks,
        highestTier: highestTier(risks),
        violations,
    };
}

/**
 * The report as plain data for `--format json` (resources without their full planned inputs on both sides). Values
 * are printed as the other formats print them: credential-named leaves redacted, URL userinfo stripped.
 */
export function reportJson(report: ReviewReport): unknown {
    const { diff, ...rest } = report;
    return {
        ...rest,
        project: diff.project,
        stack: diff.stack,
        base: diff.baseLabel,
        head: diff.headLabel,
        unchanged: diff.unchanged,
        resources: diff.resources.map(({ base, head, ...r }) => ({
            ...r,
            ...(r.kind === "add"
                ? { inputs: redactCredentials(head?.inputs) }
                : r.kind === "remove"
                  ? { inputs: redactCredentials(base?.inputs) }
                  : {}),
            changes: r.changes.map((c) => redactChange(c)),
            optionChanges: r.optionChanges.map((c) => redactChange(c)),
        })),
        ...(diff.outputs ? { outputs: diff.outputs.map((c) => redactChange(c)) } : {}),
    };
}

/** A change with its `old`/`new` redacted as its path's last key says (`values.db.password`). */
function redactChange<T extends { path: string; old?: unknown; new?: unknown }>(c: T): T {
    const key = lastKey(c.path);
    return {
        ...c,
        ...("old" in c ? { old: redactCredentials(c.old, key) } : {}),
        ...("new" in c ? { new: redactCredentials(c.new, key) } : {}),
    };
}

/**
 * A preflight that found a conflict or an unresolvable package is high: Composer would fail the update 25–60 minutes
 * in. Entries stay ordered most severe first.
 */
function withPreflightRisks(risks: RiskEntry[], preflight: readonly PreflightResult[] = []): RiskEntry[] {
    const found = preflight.flatMap((p): RiskEntry[] =>
        p.status === "conflict" || p.status === "failed"
            ? [
                  {
                      tier: "high",
                      urn: p.urn,
                      subject: subjectOf(p.urn),
                      reason: `PyPI preflight ${p.status === "conflict" ? "found a conflict with the packages preinstalled in" : "could not resolve the packages on"} ${p.imageVersion}: Composer would fail this update 25–60 minutes in`,
                  },
              ]
            : [],
    );
    return [...risks, ...found].sort((a, b) => TIERS.indexOf(a.tier) - TIERS.indexOf(b.tier));
}
