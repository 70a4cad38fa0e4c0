/**
 * `drift.yml`: a scheduled drift check per channel (issue 19, item 4).
 */
import { previewVariables, releaseBranch } from "../../components/github/naming";
import { driftMarker } from "../drift/body";
import {
    actions,
    expr,
    gcpAuthSteps,
    RUNNER,
    setupSteps,
    timeoutMinutes,
    type ChannelSpec,
    type Job,
    type Workflow,
} from "./common";

/** Daily, at an odd minute (GitHub delays schedules at the top of the hour). UTC. */
export const DRIFT_CRON = "23 5 * * *";

/** The check name of one channel's drift detection. */
export const driftCheck = (channel: string): string => `drift (${channel})`;

/**
 * Opens or updates the channel's one drift issue (found by its marker among open issues) when there is drift, and
 * closes it when there is none. Uses only the job's token (issues: write) and the files of the detect job.
 */
const UPSERT_ISSUE = `set -euo pipefail
number="$(gh issue list --repo "$GH_REPO" --state open --limit 200 --json number,body --jq "[.[] | select(.body | startswith(\\"$MARKER\\"))][0].number // empty")"
if [ "$(cat drift/drifted)" = true ]; then
  if [ -n "$number" ]; then
    gh issue edit "$number" --repo "$GH_REPO" --body-file drift/body.md
    echo "updated #$number"
  else
    gh issue create --repo "$GH_REPO" --title "$(cat drift/title.txt)" --body-file drift/body.md
  fi
elif [ -n "$number" ]; then
  gh issue close "$number" --repo "$GH_REPO" --comment "No drift in $RUN_URL: closing."
else
  echo "no drift, no open issue"
fi`;

/**
 * Per channel, a job that previews the channel's release branch with `--refresh --expect-no-changes` as the
 * read-only previewer (no environment, no secret; the previewer identity admits a scheduled or manual run of this
 * file on main) and renders the issue, then a job that holds only `issues: write` and runs no repository code to
 * open, update or close that issue. Two scheduled runs of a channel never overlap.
 */
export function driftWorkflow(channels: readonly ChannelSpec[], pulumiVersion: string): Workflow {
    const jobs: Record<string, Job> = {};
    for (const c of channels) {
        const vars = previewVariables(c.name);
        jobs[`detect-${c.name}`] = {
            name: driftCheck(c.name),
            "runs-on": RUNNER,
            "timeout-minutes": timeoutMinutes.preview,
            permissions: { contents: "read", "id-token": "write" },
            concurrency: { group: `drift-${c.name}`, "cancel-in-progress": false },
            steps: [
                // What is deployed is the release branch, not main.
                ...setupSteps({ ref: releaseBranch(c.name) }, { npmCache: false }),
                ...gcpAuthSteps(
                    expr(`vars.${vars.workloadIdentityProvider}`),
                    expr(`vars.${vars.serviceAccount}`),
                ),
                {
                    name: "Install the Pulumi CLI",
                    uses: actions.pulumi,
                    with: { "pulumi-version": pulumiVersion },
                },
                {
                    name: `Preview ${c.name} against the refreshed cloud`,
                    env: {
                        PULUMI_BACKEND_URL: expr(`vars.${vars.backendUrl}`),
                        RUN_URL: `${expr("github.server_url")}/${expr("github.repository")}/actions/runs/${expr("github.run_id")}`,
                    },
                    run:
                        'pulumi login "$PULUMI_BACKEND_URL"\nset +e\n' +
                        `pulumi preview --stack ${c.name} --refresh --expect-no-changes --json --non-interactive > "$RUNNER_TEMP/drift.json"\n` +
                        "code=$?\nset -e\n" +
                        `npx tsx tools/drift.ts ${c.name} "$RUNNER_TEMP/drift.json" "$code" "$RUN_URL" drift`,
                },
                {
                    name: "Upload the drift report",
                    uses: actions.uploadArtifact,
                    with: { name: `drift-${c.name}`, path: "drift/", "retention-days": 5 },
                },
            ],
        };
        jobs[`report-${c.name}`] = {
            name: `drift issue (${c.name})`,
            needs: [`detect-${c.name}`],
            "runs-on": RUNNER,
            "timeout-minutes": timeoutMinutes.comment,
            permissions: { issues: "write" },
            concurrency: { group: `drift-issue-${c.name}`, "cancel-in-progress": false },
            steps: [
                {
                    name: "Download the drift report",
                    uses: actions.downloadArtifact,
                    with: { name: `drift-${c.name}`, path: "drift" },
                },
                {
                    name: `Open, update or close the ${c.name} drift issue`,
                    env: {
                        GH_TOKEN: expr("github.token"),
                        GH_REPO: expr("github.repository"),
                        MARKER: driftMarker(c.name),
                        RUN_URL: `${expr("github.server_url")}/${expr("github.repository")}/actions/runs/${expr("github.run_id")}`,
                    },
                    run: UPSERT_ISSUE,
                },
            ],
        };
    }
    return {
        name: "drift",
        on: { schedule: [{ cron: DRIFT_CRON }], workflow_dispatch: {} },
        permissions: {},
        jobs,
    };
}
