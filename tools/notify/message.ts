/**
 * The deploy notification: one line of text for a Slack or Google Chat incoming webhook (both take
 * `{"text": "..."}`) and for the job summary. Failing resources come from the engine's event log
 * (`pulumi up --event-log`; `apitype.EngineEvent` in pulumi `sdk/go/common/apitype/events.go`: `resOpFailedEvent`
 * and error `diagnosticEvent`s carry the resource's URN). Only names and types are shown, never a diagnostic's text,
 * which can quote input values.
 */
import { byCodeUnit } from "../../lib/order";
import { mask } from "../drift/body";

/** The fields of one engine event the notification reads. */
export interface EngineEvent {
    readonly resOpFailedEvent?: { readonly metadata?: { readonly urn?: string; readonly op?: string } };
    readonly diagnosticEvent?: { readonly urn?: string; readonly severity?: string };
}

export interface DeployOutcome {
    readonly channel: string;
    /** `job.status`: success, failure or cancelled. */
    readonly status: string;
    readonly commit: string;
    readonly runUrl: string;
    /** Airflow's UI, when the stack exports it. */
    readonly environmentUrl?: string;
    readonly events: readonly EngineEvent[];
}

/** At most this many failing resources are named; the rest are counted. */
const MAX_NAMED = 5;

/** `<name> (<type>)` of each resource whose operation failed, sorted, once each. */
export function failingResources(events: readonly EngineEvent[]): string[] {
    const urns = new Set<string>();
    for (const e of events) {
        const failed = e.resOpFailedEvent?.metadata?.urn;
        if (failed) urns.add(failed);
        if (e.diagnosticEvent?.severity === "error" && e.diagnosticEvent.urn) urns.add(e.diagnosticEvent.urn);
    }
    return [...urns]
        .filter((u) => !/::pulumi:pulumi:Stack::/.test(u))
        .map((u) => {
            const parts = u.split("::");
            const type = (parts[2] ?? "").split("$").pop() ?? "";
            return mask(`${parts.slice(3).join("::")} (${type})`);
        })
        .sort(byCodeUnit);
}

/** The notification text. */
export function deployMessage(o: DeployOutcome): string {
    const sha = o.commit.slice(0, 12);
    const word =
        o.status === "success" ? "deployed" : o.status === "cancelled" ? "deploy cancelled" : "deploy FAILED";
    const parts = [`data-infra ${o.channel}: ${word} ${sha}`];
    if (o.status === "success" && o.environmentUrl) parts.push(`Airflow: ${mask(o.environmentUrl)}`);
    if (o.status !== "success") {
        const failing = failingResources(o.events);
        if (failing.length) {
            const named = failing.slice(0, MAX_NAMED).join(", ");
            const more = failing.length > MAX_NAMED ? ` and ${failing.length - MAX_NAMED} more` : "";
            parts.push(`failing: ${named}${more}`);
        } else {
            parts.push("failed before any resource operation (see the run)");
        }
    }
    parts.push(`run: ${mask(o.runUrl)}`);
    return parts.join(" · ");
}

/** Engine events from `--event-log` (JSON lines); unreadable lines are skipped (a killed run can cut the last). */
export function parseEventLog(text: string): EngineEvent[] {
    const out: EngineEvent[] = [];
    for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        try {
            out.push(JSON.parse(line) as EngineEvent);
        } catch {
            // skipped
        }
    }
    return out;
}
