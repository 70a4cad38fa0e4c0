/**
 * The health gate's verdict, computed from what Airflow's REST API answered (pure; the shapes are in ./api).
 */
import { checkNames } from "../../components/github/naming";
import { byCodeUnit } from "../../lib/order";
import { shorten } from "../../lib/shorten";
import type { Dag, HealthInfo, ImportError } from "./api";

/** What the gate found. */
export interface HealthVerdict {
    /** Components that are not healthy after the wait, e.g. `scheduler: unhealthy`. */
    readonly unhealthy: readonly string[];
    /** DAG files Airflow could not import: the file and the error's last line. */
    readonly importErrors: readonly { readonly filename: string; readonly error: string }[];
    /** DAG ids active before the deploy and gone (or inactive) after it, sorted. */
    readonly missing: readonly string[];
    /** Active DAGs after the deploy. */
    readonly dagCount: number;
}

/**
 * The components that must be healthy: the metadatabase and the scheduler always; the triggerer and the standalone
 * DAG processor when Airflow reports them (a null status means the component is not deployed, HealthStatus in
 * v1.yaml line 5539, and is not a failure).
 */
export function unhealthyParts(health: HealthInfo): string[] {
    const out: string[] = [];
    for (const part of ["metadatabase", "scheduler"] as const) {
        const status = health[part]?.status;
        if (status !== "healthy") out.push(`${part}: ${status ?? "no status"}`);
    }
    for (const part of ["triggerer", "dag_processor"] as const) {
        const status = health[part]?.status;
        if (status === "unhealthy") out.push(`${part}: unhealthy`);
    }
    return out;
}

/** The last non-empty line of a Python traceback: the exception and its message. */
export function lastLine(stackTrace: string | undefined): string {
    const lines = (stackTrace ?? "").split(/\r?\n/).filter((l) => l.trim() !== "");
    return shorten(lines.length ? lines[lines.length - 1].trim() : "(no stack trace)", 200);
}

/**
 * The verdict. `baseline` is the active DAG ids read before the deploy (`snapshot`); without one, nothing counts as
 * missing. A DAG that is listed but `is_active: false` counts as missing: Airflow keeps a deleted file's DAG row
 * and marks it inactive.
 */
export function evaluate(input: {
    readonly unhealthy: readonly string[];
    readonly importErrors: readonly ImportError[];
    readonly dags: readonly Dag[];
    readonly baseline?: readonly string[];
}): HealthVerdict {
    const active = new Set(input.dags.filter((d) => d.is_active !== false).map((d) => d.dag_id));
    return {
        unhealthy: input.unhealthy,
        importErrors: input.importErrors
            .map((e) => ({ filename: e.filename ?? "(unknown file)", error: lastLine(e.stack_trace) }))
            .sort((a, b) => byCodeUnit(a.filename, b.filename)),
        missing: [...new Set(input.baseline ?? [])].filter((id) => !active.has(id)).sort(byCodeUnit),
        dagCount: active.size,
    };
}

/** True when the gate passes. */
export function passed(v: HealthVerdict): boolean {
    return v.unhealthy.length === 0 && v.importErrors.length === 0 && v.missing.length === 0;
}

/** GitHub's commit status description limit ("Create a commit status", REST API docs: 140 characters). */
export const STATUS_DESCRIPTION_MAX = 140;

/** A commit status for the gate: `state` as GitHub's statuses API takes it. */
export interface CommitStatus {
    readonly context: string;
    readonly state: "success" | "failure" | "error";
    readonly description: string;
}

/** The status context the promoted channel's branch requires, e.g. `airflow-health (test)` (governance's name). */
export function statusContext(channel: string): string {
    return checkNames.airflowHealth(channel);
}

/** The status for a verdict, or for an API failure (`error`: the gate could not look, which is not a pass). */
export function commitStatus(
    channel: string,
    v: HealthVerdict | { readonly apiError: string },
): CommitStatus {
    const context = statusContext(channel);
    if ("apiError" in v)
        return {
            context,
            state: "error",
            description: shorten(`could not read Airflow: ${v.apiError}`, 140),
        };
    if (passed(v))
        return {
            context,
            state: "success",
            description: `healthy; ${v.dagCount} DAGs active, no import errors`,
        };
    const parts = [
        v.unhealthy.length ? `unhealthy: ${v.unhealthy.join(", ")}` : "",
        v.importErrors.length
            ? `${v.importErrors.length} import error${v.importErrors.length === 1 ? "" : "s"} (${v.importErrors[0].filename}${v.importErrors.length > 1 ? ", …" : ""})`
            : "",
        v.missing.length
            ? `${v.missing.length} DAG${v.missing.length === 1 ? "" : "s"} gone (${v.missing[0]}${v.missing.length > 1 ? ", …" : ""})`
            : "",
    ].filter(Boolean);
    return { context, state: "failure", description: shorten(parts.join("; "), STATUS_DESCRIPTION_MAX) };
}

/** The report for the job log and summary (markdown-safe plain lines). */
export function report(channel: string, v: HealthVerdict): string[] {
    const lines = [
        `Airflow health (${channel}): ${passed(v) ? "passed" : "FAILED"}; ${v.dagCount} active DAGs`,
    ];
    for (const u of v.unhealthy) lines.push(`  not healthy: ${u}`);
    for (const e of v.importErrors) lines.push(`  import error: ${e.filename}: ${e.error}`);
    for (const id of v.missing) lines.push(`  DAG gone since the deploy began: ${id}`);
    return lines;
}
