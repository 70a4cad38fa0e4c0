import type { Violation } from "../../policy/rules";
import { summarize } from "./diff";
import { composerChanges, type ComposerChange } from "./diff-composer";
import { dagChanges, removedDags, type PrefixChanges } from "./diff-dags";
import { githubWeakenings, type Weakening } from "./diff-github";
import { helmChanges, type HelmChange, type ValuesFileReader } from "./diff-helm";
import {
    COMPUTED_FINGERPRINT,
    SECRET,
    type InputChange,
    type PlanDiff,
    type ResourceDiff,
    type SecretStatus,
} from "./diff-model";
import { leaves } from "./diff-values";
import { classifyRisks, highestTier, subjectOf, type RiskEntry, type Tier } from "./risk";

/** Everything a reviewer is shown about one channel's change; rendered as text, JSON or a PR comment. */
export interface ReviewReport {
    readonly diff: PlanDiff;
    readonly summary: ReturnType<typeof summarize>;
    readonly composer: readonly ComposerChange[];
    readonly dags: readonly PrefixChanges[];
    /** Removed files under `dags/`, called out on their own. */
    readonly removedDags: readonly string[];
    readonly helm: readonly HelmChange[];
    readonly weakenings: readonly Weakening[];
    /** Secret inputs that changed, appeared or disappeared (fingerprints only). */
    readonly secretChanges: ReadonlyArray<SecretStatus & { readonly urn: string; readonly subject: string }>;
    /** Every change classified, most severe first. */
    readonly risks: readonly RiskEntry[];
    readonly highestTier?: Tier;
    /** Policy violations of the head side. */
    readonly violations: readonly Violation[];
}

/** Builds the review report of a diff: domain sections, risk tiers and the head's policy violations. */
export function buildReport(
    diff: PlanDiff,
    violations: readonly Violation[] = [],
    readValuesFile?: ValuesFileReader,
): ReviewReport {
    const composer = composerChanges(diff);
    const dags = dagChanges(diff);
    const helm = helmChanges(diff, readValuesFile);
    const weakenings = githubWeakenings(diff);
    const risks = classifyRisks({ diff, composer, helm, weakenings });
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

/** A value for one line of output: JSON, shortened. */
export function show(value: unknown, max = 100): string {
    const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const fingerprint = (f?: string) => (f ? ` (fingerprint ${f})` : "");

/** `data: secret changed (fingerprint a → b)` — a secret's status, never its value. */
export function describeSecret(s: SecretStatus): string {
    if (s.oldFingerprint === COMPUTED_FINGERPRINT && s.newFingerprint === COMPUTED_FINGERPRINT) {
        return s.status === "changed"
            ? `${s.path}: secret changed (read at deploy from changed inputs; unknown offline)`
            : `${s.path}: secret unchanged inputs (read at deploy; unknown offline)`;
    }
    if (s.status === "changed" && s.oldFingerprint && s.newFingerprint)
        return `${s.path}: secret changed (fingerprint ${s.oldFingerprint} → ${s.newFingerprint})`;
    return `${s.path}: secret ${s.status.replace(/-/g, " ")}${fingerprint(s.newFingerprint ?? s.oldFingerprint)}`;
}

/** One changed input as a line: `path: old → new`, or `path: secret changed (fingerprint a → b)`. */
export function describeChange(c: InputChange, max = 100): string {
    switch (c.kind) {
        case "added":
            return `${c.path}: added ${show(c.new, max)}`;
        case "removed":
            return `${c.path}: removed (was ${show(c.old, max)})`;
        case "changed":
            return `${c.path}: ${show(c.old, max)} → ${show(c.new, max)}`;
        case "secret":
            return describeSecret({ ...c, status: c.secret });
    }
}

/** The lines that describe one resource's change (inputs, options, unchanged secrets). */
export function resourceLines(r: ResourceDiff, max = 100): string[] {
    const lines = [
        ...r.changes.map((c) => describeChange(c, max)),
        ...r.optionChanges.map((c) => `(options) ${describeChange(c, max)}`),
        ...declaredInputs(r, max),
    ];
    for (const s of r.secrets) {
        if (r.kind === "change" && s.status !== "unchanged") continue; // already listed as a change
        lines.push(describeSecret(s));
    }
    return lines;
}

// Inputs shown for an added or removed resource; the JSON view has all of them.
const DECLARED_LINES = 12;

/** The inputs of an added or removed resource (secrets are listed separately), the first few. */
function declaredInputs(r: ResourceDiff, max: number): string[] {
    if (r.kind === "change") return [];
    const inputs = leaves((r.head ?? r.base)?.inputs).filter(([, , v]) => v !== SECRET);
    const lines = inputs.slice(0, DECLARED_LINES).map(([path, , v]) => `${path}: ${show(v, max)}`);
    if (inputs.length > DECLARED_LINES) lines.push(`… ${inputs.length - DECLARED_LINES} more inputs`);
    return lines;
}

export const KIND_MARK: Readonly<Record<ResourceDiff["kind"], string>> = {
    add: "+",
    remove: "-",
    change: "~",
};
export const KIND_WORD: Readonly<Record<ResourceDiff["kind"], string>> = {
    add: "added",
    remove: "removed",
    change: "changed",
};

/** The report as plain data for `--format json` (resources without their full planned inputs on both sides). */
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
                ? { inputs: head?.inputs }
                : r.kind === "remove"
                  ? { inputs: base?.inputs }
                  : {}),
        })),
    };
}
