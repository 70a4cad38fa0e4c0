/**
 * The drift issue of one channel, from `pulumi preview --refresh --expect-no-changes --json` (the CLI's
 * `PreviewDigest`: pulumi `sdk/pkg/display/json.go`; ops are `StepOp`s of `pkg/resource/deploy/step.go`). A pure
 * function: the drift workflow renders it, the tests render it from fixtures.
 *
 * What it prints is chosen so that nothing secret can reach the issue: the operation, the resource's name and type
 * (from its URN) and the *paths* of the properties that differ (`detailedDiff` keys, else `diffReasons`), never a
 * value. Names and paths are still masked (URL credentials, values of credential-named query parameters), escaped
 * for a Markdown table and shortened, and the whole body stays within a size budget below GitHub's issue limit.
 */
import { byCodeUnit } from "../../lib/order";

/** The fields of one preview step the body reads. */
export interface DriftStep {
    readonly op: string;
    readonly urn: string;
    readonly detailedDiff?: Readonly<Record<string, unknown>> | null;
    readonly diffReasons?: readonly string[] | null;
    readonly replaceReasons?: readonly string[] | null;
    readonly newState?: { readonly type?: string } | null;
    readonly oldState?: { readonly type?: string } | null;
}

export interface DriftDigest {
    readonly steps?: readonly DriftStep[] | null;
}

/** First line of the issue body: how the drift workflow finds the channel's open issue. */
export const driftMarker = (channel: string): string => `<!-- data-infra-drift:${channel} -->`;

/** The issue title (stable: the workflow updates one issue per channel). */
export const driftTitle = (channel: string): string =>
    `Drift in ${channel}: the cloud differs from the last deploy`;

/** GitHub refuses issue bodies over 65,536 characters; stay well below. */
export const DRIFT_BODY_BUDGET = 60_000;

/** Ops that are not drift: unchanged, read-only, and the refresh itself. */
const NOT_DRIFT = new Set(["same", "read", "refresh", "discard", "remove-pending-replace"]);

/** Longest cell text; a longer name or path list is cut with `…`. */
const CELL = 200;

/** Masks what could carry a credential in a name or path: URL userinfo and credential-named query parameters. */
export function mask(text: string): string {
    return text
        .replace(/\/\/[^/\s:@]+:[^/\s@]+@/g, "//***:***@")
        .replace(
            /([?&](?:password|passwd|pwd|token|secret|key|apikey|api_key|sig|signature)=)[^&\s]*/gi,
            "$1***",
        );
}

/** A table cell: masked, shortened, with pipes, backticks and line breaks made harmless. */
function cell(text: string): string {
    const flat = mask(text)
        .replace(/[\r\n]+/g, " ")
        .replace(/\|/g, "\\|")
        .replace(/`/g, "'");
    return flat.length > CELL ? `${flat.slice(0, CELL - 1)}…` : flat;
}

const nameOf = (urn: string): string => urn.split("::").slice(3).join("::") || urn;
const typeOf = (s: DriftStep): string =>
    s.newState?.type ?? s.oldState?.type ?? (s.urn.split("::")[2] ?? "").split("$").pop() ?? "";

/** The property paths that differ: `detailedDiff` keys, else the diff (or replace) reasons. */
function whatDiffers(s: DriftStep): string {
    const keys = Object.keys(s.detailedDiff ?? {});
    const paths = keys.length ? keys : [...(s.diffReasons ?? []), ...(s.replaceReasons ?? [])];
    return [...new Set(paths)].sort(byCodeUnit).join(", ") || "(not reported)";
}

export interface DriftReport {
    readonly drifted: boolean;
    readonly title: string;
    readonly body: string;
}

/**
 * The channel's drift report. `drifted` is whether any step changes something; `body` (markdown, starting with the
 * marker) lists each drifted resource, sorted by operation then URN, as many as fit in `budget` characters.
 */
export function driftReport(
    channel: string,
    digest: DriftDigest,
    runUrl: string,
    budget = DRIFT_BODY_BUDGET,
): DriftReport {
    const steps = (digest.steps ?? [])
        .filter((s) => !NOT_DRIFT.has(s.op))
        .sort((a, b) => byCodeUnit(a.op, b.op) || byCodeUnit(a.urn, b.urn));
    const counts = new Map<string, number>();
    for (const s of steps) counts.set(s.op, (counts.get(s.op) ?? 0) + 1);
    const summary = [...counts].map(([op, n]) => `${op} ${n}`).join(", ");
    const head = [
        driftMarker(channel),
        steps.length
            ? `**${channel}** differs from its last deploy: \`pulumi preview --refresh --expect-no-changes\` plans ` +
              `${steps.length} change${steps.length === 1 ? "" : "s"} (${summary}). [Drift run](${mask(runUrl)})`
            : `**${channel}** matches its last deploy. [Drift run](${mask(runUrl)})`,
        "",
    ];
    const tail = [
        "",
        `To end the drift, redeploy \`releases/${channel}\` (the deploy workflow, by hand) to restore the declared ` +
            "state, or change the code to declare what the cloud now has. This issue is updated by every drift run " +
            "and closed by the first one that finds no change. Values are never shown here: see the run's log.",
    ];
    const lines = [...head];
    if (steps.length) lines.push("| change | resource | type | what differs |", "|---|---|---|---|");
    let used = [...lines, ...tail].join("\n").length;
    let shown = 0;
    for (const s of steps) {
        const row = `| ${cell(s.op)} | ${cell(nameOf(s.urn))} | ${cell(typeOf(s))} | ${cell(whatDiffers(s))} |`;
        // Keep room for the "N more" line.
        if (used + row.length + 1 + 120 > budget) break;
        lines.push(row);
        used += row.length + 1;
        shown++;
    }
    if (shown < steps.length)
        lines.push("", `_${steps.length - shown} more not listed (size budget); see the run._`);
    return {
        drifted: steps.length > 0,
        title: driftTitle(channel),
        body: [...lines, ...tail].join("\n") + "\n",
    };
}
