import { environmentVariables, releaseBranch } from "../../components/github/naming";
import { BORROWED_FILE, borrowedArtifact } from "../try/borrow";
import { tryWorkflowFile } from "../try/facts";
import {
    actions,
    expr,
    lit,
    RUNNER,
    setupSteps,
    timeoutMinutes,
    workflowNames,
    type ChannelSpec,
    type Job,
    type Workflow,
    channelDeploySteps,
    guardedPreviewRun,
} from "./common";

export { tryWorkflowFile };

/** The dispatch's inputs: the pull request and the head commit the requester reviewed. */
export const TRY_INPUTS = {
    pr: {
        description: "Pull request number (of a branch of this repository, to main)",
        required: true,
        type: "string",
    },
    sha: {
        description: "The pull request's head commit you reviewed (40 hex); a newer head is refused",
        required: true,
        type: "string",
    },
} as const;

/** The filter picking the logins that approved the run's deployment to `$CHANNEL` (gh's --jq, env from the step). */
export const APPROVERS_FILTER =
    '[.[] | select(.state == "approved" and any(.environments[]; .name == env.CHANNEL)) | .user.login] | join(" ")';

/**
 * First step of the try job, after the approval and before anything else: `preventSelfReview` stops the dispatcher
 * from approving, not the pull request's author, so the job refuses when the author approved (or no approval of the
 * environment is recorded). GitHub's run approvals API (`actions: read`). Before that it refuses an attempt the check
 * did not run in: "Re-run failed jobs" keeps a successful job's outputs from the earlier attempt without running it
 * again, so the pull request's state (open, head, who holds the channel) would go unchecked.
 */
export const APPROVAL_CHECK = `set -euo pipefail
if [ "$CHECKED_ATTEMPT" != "$GITHUB_RUN_ATTEMPT" ]; then
  echo "::error::the check ran in attempt $CHECKED_ATTEMPT and this is attempt $GITHUB_RUN_ATTEMPT: re-run all jobs (the check too) or dispatch again, never only the failed ones"
  exit 1
fi
approvers="$(gh api "repos/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/approvals" --jq '${APPROVERS_FILTER}')"
if [ -z "$approvers" ]; then
  echo "::error::no approval of environment $CHANNEL is recorded for this run"
  exit 1
fi
for login in $approvers; do
  if [ "$login" = "$AUTHOR" ]; then
    echo "::error::$AUTHOR opened pull request #$PR and approved its try: another reviewer of $CHANNEL must approve"
    exit 1
  fi
done
echo "approved by $approvers"`;

/** Only a successful deploy of the channel's release branch in this repository returns the channel. */
const fromChannelDeploy = (c: ChannelSpec): string =>
    `github.event_name == 'workflow_run' && github.event.workflow_run.conclusion == 'success' && ` +
    `(github.event.workflow_run.event == 'push' || github.event.workflow_run.event == 'workflow_dispatch') && ` +
    `github.event.workflow_run.repository.id == github.repository_id && ` +
    `github.event.workflow_run.head_repository.id == github.repository_id && ` +
    `github.event.workflow_run.head_branch == ${lit(releaseBranch(c.name))}`;

/**
 * `try-in-<channel>.yml` (issue 19, item 6; docs/try-in-test.md): deploys a pull request's head to `<channel>`, which
 * is then "borrowed" until `releases/<channel>` deploys again.
 *
 * - Dispatched on `releases/<channel>` (a dispatch runs the workflow file of the branch it is dispatched on, so the
 *   definition is the reviewed one on the protected branch), with inputs `pr` and `sha`, which reach scripts only as
 *   environment variables.
 * - `check` (no secrets, the release branch's code): the pull request is open, targets main, comes from this
 *   repository, its head is still `sha`, no other pull request holds the channel and no deploy is under way
 *   (tools/try/borrow.ts); then marks the pull request "waiting".
 * - `try` runs in environment `<channel>`: its required reviewers approve each try (and the dispatcher cannot approve
 *   their own). It first uploads the borrow record (before any code of the pull request runs), then checks out
 *   exactly `sha` and deploys it as `pulumi up` does, with the channel's deployer (bootstrap: `try_channel`), in the
 *   deploys' concurrency group. It holds no App token and no secret, and its own token can only read contents.
 * - `report` (the release branch's code again) sets the `borrowed (<channel>)` status and the one comment.
 * - `return` runs when a deploy of `releases/<channel>` succeeded (workflow_run, from main's definition) and marks
 *   the pull request that had borrowed the channel as returned.
 */
export function tryWorkflow(c: ChannelSpec, pulumiVersion: string): Workflow {
    const v = environmentVariables;
    const script = (command: string) => `npx tsx tools/try.ts ${command} ${c.name}`;
    const checked = { PR: expr("needs.check.outputs.pr"), SHA: expr("needs.check.outputs.sha") };
    const jobs: Record<string, Job> = {
        check: {
            name: `try check (${c.name})`,
            if: "github.event_name == 'workflow_dispatch'",
            "runs-on": RUNNER,
            "timeout-minutes": timeoutMinutes.comment,
            // actions: read finds borrows and running deploys; the writes mark the pull request "waiting".
            permissions: { actions: "read", contents: "read", "pull-requests": "write", statuses: "write" },
            outputs: {
                pr: expr("steps.check.outputs.pr"),
                sha: expr("steps.check.outputs.sha"),
                author: expr("steps.check.outputs.author"),
                // The attempt the check ran in: the try job refuses to run in any other (a partial re-run).
                attempt: expr("github.run_attempt"),
            },
            steps: [
                // The dispatched branch's own commit: the release branch's reviewed tools, not the pull request's.
                ...setupSteps({}, { npmCache: false }),
                {
                    name: "Check the pull request can be tried",
                    id: "check",
                    env: {
                        GH_TOKEN: expr("github.token"),
                        PR: expr("inputs.pr"),
                        SHA: expr("inputs.sha"),
                    },
                    run: script("check"),
                },
                {
                    name: "Mark the pull request: waiting for approval",
                    env: {
                        GH_TOKEN: expr("github.token"),
                        PR: expr("steps.check.outputs.pr"),
                        SHA: expr("steps.check.outputs.sha"),
                        RUN_ID: expr("github.run_id"),
                        OUTCOME: "waiting",
                    },
                    run: script("report"),
                },
            ],
        },
        try: {
            name: `try (${c.name})`,
            needs: ["check"],
            "runs-on": RUNNER,
            "timeout-minutes": timeoutMinutes.deploy,
            // The pull request's code runs here: the token reads contents and the run's approvals, id-token lets the
            // job become the deployer.
            permissions: { actions: "read", contents: "read", "id-token": "write" },
            environment: c.name,
            // Shared with deploy.yml's job: a try and a deploy of the channel never overlap, so "a deploy completed
            // after the borrow" means the channel was returned.
            concurrency: { group: `deploy-${c.name}`, "cancel-in-progress": false },
            steps: [
                {
                    name: "Refuse an approval by the pull request's author",
                    env: {
                        GH_TOKEN: expr("github.token"),
                        CHANNEL: c.name,
                        PR: expr("needs.check.outputs.pr"),
                        AUTHOR: expr("needs.check.outputs.author"),
                        CHECKED_ATTEMPT: expr("needs.check.outputs.attempt"),
                    },
                    run: APPROVAL_CHECK,
                },
                {
                    name: "Write the borrow record",
                    env: { ...checked, CHANNEL: c.name },
                    run: `jq -n --arg channel "$CHANNEL" --argjson pr "$PR" --arg sha "$SHA" --argjson run "$GITHUB_RUN_ID" '{channel: $channel, pr: $pr, sha: $sha, run: $run}' > "$RUNNER_TEMP/${BORROWED_FILE}"`,
                },
                {
                    // Before any code of the pull request runs: nothing it does can undo the record.
                    name: "Upload the borrow record",
                    uses: actions.uploadArtifact,
                    with: {
                        name: borrowedArtifact(c.name),
                        path: `${expr("runner.temp")}/${BORROWED_FILE}`,
                        "retention-days": 90,
                        "if-no-files-found": "error",
                    },
                },
                ...setupSteps({ ref: expr("needs.check.outputs.sha") }, { npmCache: false }),
                ...channelDeploySteps(c.name, pulumiVersion),
                {
                    // The pull request's own guard: a safety net for mistakes (no override input here), not a boundary.
                    name: "Refuse replacements and deletions",
                    env: { PULUMI_BACKEND_URL: expr(`vars.${v.backendUrl}`) },
                    run: guardedPreviewRun(c.name),
                },
                {
                    name: "Deploy the pull request",
                    env: { PULUMI_BACKEND_URL: expr(`vars.${v.backendUrl}`) },
                    run:
                        'pulumi login "$PULUMI_BACKEND_URL"\n' +
                        `pulumi up --stack ${c.name} --yes --diff --suppress-progress --non-interactive`,
                },
            ],
        },
        report: {
            name: `try report (${c.name})`,
            needs: ["check", "try"],
            if: "always() && needs.check.result == 'success'",
            "runs-on": RUNNER,
            "timeout-minutes": timeoutMinutes.comment,
            permissions: { actions: "read", contents: "read", "pull-requests": "write", statuses: "write" },
            steps: [
                ...setupSteps({}, { npmCache: false }),
                {
                    name: "Mark the pull request: borrowed, failed or not deployed",
                    env: {
                        GH_TOKEN: expr("github.token"),
                        ...checked,
                        RUN_ID: expr("github.run_id"),
                        DEPLOY_RESULT: expr("needs.try.result"),
                    },
                    run: script("report"),
                },
            ],
        },
        return: {
            name: `try return (${c.name})`,
            if: fromChannelDeploy(c),
            "runs-on": RUNNER,
            "timeout-minutes": timeoutMinutes.comment,
            permissions: { actions: "read", contents: "read", "pull-requests": "write", statuses: "write" },
            steps: [
                ...setupSteps({}, { npmCache: false }),
                {
                    name: `Mark the pull request that borrowed ${c.name} as returned`,
                    env: { GH_TOKEN: expr("github.token") },
                    run: script("return"),
                },
            ],
        },
    };
    return {
        name: `try-in-${c.name}`,
        "run-name": expr(
            `github.event_name == 'workflow_dispatch' && format('try #{0} at {1} in ${c.name}', inputs.pr, inputs.sha) || format('return ${c.name} after deploy run {0}', github.event.workflow_run.id)`,
        ),
        on: {
            workflow_dispatch: { inputs: TRY_INPUTS },
            workflow_run: {
                workflows: [workflowNames.deploy],
                types: ["completed"],
                branches: [releaseBranch(c.name)],
            },
        },
        permissions: {},
        jobs,
    };
}
