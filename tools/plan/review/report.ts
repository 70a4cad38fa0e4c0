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
import { policyChanges } from "./sections/policy";

/** What the review knows besides the two plan documents. */
export interface ReportContext {
    /** The raw `data-infra:policy` value of each side (`undefined` = not set); omitted with `--compare`. */
    readonly policy?: { readonly base: unknown; readonly head: unknown };
    /** Rendered-manifest diffs, made by the caller (they need `helm` and both trees). */
    readonly manifests?: ManifestReview;
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
    const risks = classifyRisks({ diff, composer, helm, weakenings, policy });
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
    return redactCredentials({
        ...rest,
        project: diff.project,
        stack: diff.stack,
        base: diff.baseLabel,
        head: diff.headLabel,
        unchanged: diff.unchanged,
        resources: diff.resources.map(({ base, head, ...r }) => ({
            ...r,
            ...(r.kind === "add"
                ? { inputs: head?.inputs }
                : r.kind === "remove"
                  ? { inputs: base?.inputs }
                  : {}),
            changes: r.changes.map((c) => redactChange(c)),
            optionChanges: r.optionChanges.map((c) => redactChange(c)),
        })),
    });
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
