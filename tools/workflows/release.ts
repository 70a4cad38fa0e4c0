import {
    checkNames,
    DEFAULT_BRANCH,
    environmentVariables,
    previewVariables,
    releaseBranch,
} from "../../components/github/naming";
import {
    actions,
    appliesStep,
    PR_TYPES,
    expr,
    gcpAuthSteps,
    lit,
    RUNNER,
    setupSteps,
    timeoutMinutes,
    workflowNames,
    type ChannelSpec,
    type Job,
    type Step,
    type Workflow,
    channelDeploySteps,
    guardedPreviewRun,
} from "./common";
import { promotionBranch, TESTED_FILE, testedArtifact } from "../deploy-guard/promotion";

/** A `pulumi/actions` step running `command` on one stack, against the backend in variable `backendVariable`. */
function pulumiStep(
    command: "preview" | "up",
    stack: string,
    backendVariable: string,
    pulumiVersion: string,
    extra: Step["with"] = {},
): Step {
    return {
        name: command === "up" ? "Deploy" : "Preview",
        uses: actions.pulumi,
        with: {
            command,
            "stack-name": stack,
            "cloud-url": expr(`vars.${backendVariable}`),
            "pulumi-version": pulumiVersion,
            diff: true,
            "suppress-progress": true,
            ...extra,
        },
    };
}

/** `test.yml`: `npm test` on every pull request and on `main`. Its job is the check `main` requires. */
export function testWorkflow(): Workflow {
    return {
        name: workflowNames.test,
        on: { pull_request: { types: [...PR_TYPES] }, push: { branches: [DEFAULT_BRANCH] } },
        permissions: {},
        concurrency: {
            // A newer commit of the same pull request supersedes the older run; nothing stateful is touched.
            group: `test-${expr("github.event.pull_request.number || github.ref")}`,
            "cancel-in-progress": true,
        },
        jobs: {
            test: {
                name: checkNames.test,
                "runs-on": RUNNER,
                "timeout-minutes": timeoutMinutes.test,
                permissions: { contents: "read" },
                steps: [...setupSteps(), { name: "Test", run: "npm test" }],
            },
        },
    };
}

/**
 * `release-gate.yml`: the check each release branch requires that a pull request cannot redefine. It runs on
 * `pull_request_target`, so GitHub takes its definition from the base (release) branch, never from the pull
 * request; it checks out nothing, runs no repository code, holds no secret and a token with no permission, and
 * reads only the event. One job per channel, always run: it fails unless the pull request targets the channel's
 * release branch from the channel's upstream branch of this very repository (compared by id, which a fork or a
 * renamed repository cannot take).
 */
export function gateWorkflow(channels: readonly ChannelSpec[]): Workflow {
    const jobs: Record<string, Job> = {};
    for (const c of channels) {
        const head = expectedHead(c);
        jobs[`gate-${c.name}`] = {
            name: checkNames.gate(c.name),
            "runs-on": RUNNER,
            "timeout-minutes": timeoutMinutes.comment,
            permissions: {},
            steps: [
                appliesStep(c.name),
                {
                    name: `Check the pull request comes from ${head} of this repository`,
                    env: {
                        HEAD_REF: expr("github.head_ref"),
                        HEAD_REPO_ID: expr("github.event.pull_request.head.repo.id"),
                        REPO_ID: expr("github.repository_id"),
                        EXPECTED_HEAD: head,
                    },
                    run:
                        'if [ "$HEAD_REF" != "$EXPECTED_HEAD" ] || [ "$HEAD_REPO_ID" != "$REPO_ID" ]; then\n' +
                        `  echo "::error::${releaseBranch(c.name)} only takes pull requests from $EXPECTED_HEAD of this repository (got $HEAD_REF of repository id $HEAD_REPO_ID)"\n` +
                        "  exit 1\nfi",
                },
            ],
        };
    }
    return {
        name: workflowNames.gate,
        on: {
            pull_request_target: {
                types: [...PR_TYPES],
                branches: channels.map((c) => releaseBranch(c.name)),
            },
        },
        permissions: {},
        jobs,
    };
}

/**
 * The head branch a channel's promotion pull request comes from: `main` for a channel promoted from it, else
 * `promote/<channel>`, where the promote workflow writes the upstream's tested commit plus the pinned digests.
 */
export const expectedHead = (c: ChannelSpec): string =>
    c.promotedFrom === DEFAULT_BRANCH ? DEFAULT_BRANCH : promotionBranch(c.name);

/**
 * `preview.yml`: `pulumi preview --diff` of a channel on pull requests to its release branch, one sticky comment
 * per stack. One job per channel; every job runs on every such pull request and fails (before any credential) when
 * the pull request targets another channel, since a skipped job would report success to a required check. Each is
 * the check its release branch requires (on pull requests `GITHUB_REF` is `refs/pull/N/merge`, so the target comes
 * from `github.base_ref`).
 */
export function previewWorkflow(channels: readonly ChannelSpec[], pulumiVersion: string): Workflow {
    const jobs: Record<string, Job> = {};
    for (const c of channels) {
        const vars = previewVariables(c.name);
        jobs[`preview-${c.name}`] = {
            name: checkNames.preview(c.name),
            "runs-on": RUNNER,
            "timeout-minutes": timeoutMinutes.preview,
            // comment-on-pr writes the comment; id-token lets the job exchange an OIDC token for Google credentials.
            permissions: { contents: "read", "pull-requests": "write", "id-token": "write" },
            concurrency: {
                group: `preview-${c.name}-${expr("github.event.pull_request.number")}`,
                // A cancelled preview can leave the backend's stack lock behind; let a running one finish.
                "cancel-in-progress": false,
            },
            steps: [
                appliesStep(c.name),
                ...setupSteps(),
                ...gcpAuthSteps(
                    expr(`vars.${vars.workloadIdentityProvider}`),
                    expr(`vars.${vars.serviceAccount}`),
                ),
                pulumiStep("preview", c.name, vars.backendUrl, pulumiVersion, {
                    // One sticky comment per stack (edit-pr-comment defaults to true), its summary kept when trimmed.
                    "comment-on-pr": true,
                    "always-include-summary": true,
                }),
            ],
        };
    }
    return {
        name: workflowNames.preview,
        on: { pull_request: { types: [...PR_TYPES], branches: channels.map((c) => releaseBranch(c.name)) } },
        permissions: {},
        jobs,
    };
}

/** The stack output shown as the deployment's environment URL: the Composer environment's Airflow UI. */
export const ENVIRONMENT_URL_OUTPUT = "airflowUri";

/** Environment secret (per channel) holding an optional Slack or Google Chat incoming-webhook URL. */
export const DEPLOY_WEBHOOK_SECRET = "DEPLOY_WEBHOOK_URL";

/**
 * First step of a promoted channel's deploy, before any credential: the deploy guard's promotion rules (HEAD is a
 * commit the upstream deployed successfully, plus at most the promotion commit pinning the digests it ran).
 */
export function promotionGuardStep(c: ChannelSpec): Step {
    return {
        name: `Refuse anything ${c.promotedFrom} did not deploy`,
        // The job's own token (actions: read) finds the upstream's deploy run and downloads its record.
        env: { GH_TOKEN: expr("github.token") },
        run: `npx tsx tools/deploy-guard.ts promotion ${c.name} ${c.promotedFrom}`,
    };
}

/**
 * Last steps of the deploy of a channel others are promoted from: record the commit and the image digests it ran
 * (stack output \`images\`) as the artifact \`tested-<channel>\`, which the promote workflow pins into the promoted
 * channel's stack file and the promoted channel's deploy guard checks against.
 */
function recordSteps(c: ChannelSpec, backendVariable: string): Step[] {
    return [
        {
            name: "Record what this deploy ran",
            env: { PULUMI_BACKEND_URL: expr(`vars.${backendVariable}`), CHANNEL: c.name },
            run:
                'pulumi login "$PULUMI_BACKEND_URL"\n' +
                `pulumi stack output --stack "$CHANNEL" --json > "$RUNNER_TEMP/outputs.json"\n` +
                `jq --arg commit "$GITHUB_SHA" --arg channel "$CHANNEL" '{commit: $commit, channel: $channel, images: (.images // {})}' "$RUNNER_TEMP/outputs.json" > "$RUNNER_TEMP/${TESTED_FILE}"`,
        },
        {
            name: "Upload the record",
            uses: actions.uploadArtifact,
            with: {
                name: testedArtifact(c.name),
                path: `${expr("runner.temp")}/${TESTED_FILE}`,
                // A promotion may wait for reviewers; the guard of the promoted deploy downloads it again.
                "retention-days": 90,
                "if-no-files-found": "error",
            },
        },
    ];
}

/** Where the health gate keeps the DAG ids active before the deploy, and its status. */
const DAGS_BEFORE = "$RUNNER_TEMP/airflow-dags-before.json";
const HEALTH_STATUS = "$RUNNER_TEMP/airflow-health.json";

/**
 * Reads the channel's Airflow web server URL (stack output `airflowUri`, the serving environment's) and an access
 * token of the deploy's identity, masked, into the environment of the step's script.
 */
const AIRFLOW_ACCESS = `pulumi login "$PULUMI_BACKEND_URL" > /dev/null
AIRFLOW_URI="$(pulumi stack output airflowUri --stack "$CHANNEL" 2>/dev/null || true)"
AIRFLOW_ACCESS_TOKEN="$(gcloud auth print-access-token)"
echo "::add-mask::$AIRFLOW_ACCESS_TOKEN"
export AIRFLOW_ACCESS_TOKEN`;

/**
 * The Airflow health gate around the deploy of a channel others are promoted from (docs/airflow-health.md): before
 * \`pulumi up\`, the active DAG ids (nothing on a first deploy, when there is no environment yet); after it, wait for a
 * healthy environment, read import errors and the DAGs, and post \`airflow-health (<channel>)\` on the deployed
 * commit, which the promote workflow copies onto the promotion commit and the promoted channel's branch requires.
 * The soak is the repository variable AIRFLOW_HEALTH_SOAK_SECONDS (default 0).
 */
function healthSteps(c: ChannelSpec, backendVariable: string): { before: Step; after: Step } {
    const env = { PULUMI_BACKEND_URL: expr(`vars.${backendVariable}`), CHANNEL: c.name };
    return {
        before: {
            name: "Snapshot Airflow's active DAGs",
            env,
            run: `${AIRFLOW_ACCESS}
if [ -n "$AIRFLOW_URI" ]; then
  npx tsx tools/airflow-health.ts snapshot --url "$AIRFLOW_URI" --out "${DAGS_BEFORE}" || echo "::warning::no DAG snapshot: disappeared DAGs are not checked"
fi`,
        },
        after: {
            name: `Report ${checkNames.airflowHealth(c.name)} on the deployed commit`,
            env: {
                ...env,
                GH_TOKEN: expr("github.token"),
                GH_REPO: expr("github.repository"),
                CONTEXT: checkNames.airflowHealth(c.name),
                SOAK: expr("vars.AIRFLOW_HEALTH_SOAK_SECONDS || '0'"),
            },
            run: `${AIRFLOW_ACCESS}
baseline=()
[ -s "${DAGS_BEFORE}" ] && baseline=(--baseline "${DAGS_BEFORE}")
code=0
npx tsx tools/airflow-health.ts check --url "$AIRFLOW_URI" --channel "$CHANNEL" --wait 900 --soak "$SOAK" "\${baseline[@]}" --status-out "${HEALTH_STATUS}" || code=$?
[ -s "${HEALTH_STATUS}" ] || jq -n --arg c "$CONTEXT" '{context: $c, state: "error", description: "the health gate did not run to the end"}' > "${HEALTH_STATUS}"
jq '{state, context, description}' "${HEALTH_STATUS}" | gh api "repos/$GH_REPO/statuses/$GITHUB_SHA" --input - > /dev/null
exit "$code"`,
        },
    };
}

/**
 * `deploy.yml`: `pulumi up` of a channel on pushes to its release branch, in the channel's GitHub environment
 * (which holds its credentials' names and, for prod, waits for a reviewer). Deploys of one channel queue, and a
 * running one is never cancelled: Composer and Helm reject overlapping operations and a killed `up` strands the lock.
 */
export function deployWorkflow(channels: readonly ChannelSpec[], pulumiVersion: string): Workflow {
    const jobs: Record<string, Job> = {};
    const v = environmentVariables;
    const upstreams = new Set(channels.map((c) => c.promotedFrom));
    for (const c of channels) {
        const promoted = c.promotedFrom !== DEFAULT_BRANCH;
        const health = upstreams.has(c.name) ? healthSteps(c, v.backendUrl) : undefined;
        jobs[`deploy-${c.name}`] = {
            name: checkNames.deploy(c.name),
            // The full ref: `github.ref_name` would also match a tag named like the branch.
            if: `github.ref == ${lit(`refs/heads/${releaseBranch(c.name)}`)}`,
            "runs-on": RUNNER,
            "timeout-minutes": timeoutMinutes.deploy,
            // actions: read lets a promoted channel's guard find the upstream's deploy run and its record.
            // statuses: write posts the Airflow health gate's status (channels others are promoted from).
            permissions: {
                ...(promoted ? { actions: "read" } : {}),
                contents: "read",
                "id-token": "write",
                ...(health ? { statuses: "write" } : {}),
            },
            // GitHub records each run of a job with an environment as a deployment of it, with in_progress, success
            // and failure statuses, and shows `url` (Airflow's UI) on it.
            environment: { name: c.name, url: expr("steps.outputs.outputs.url") },
            concurrency: { group: `deploy-${c.name}`, "cancel-in-progress": false },
            steps: [
                // The promotion guard compares with releases/<upstream>: it needs the whole history.
                ...setupSteps(promoted ? { "fetch-depth": 0 } : {}, { npmCache: false }),
                ...(promoted ? [promotionGuardStep(c)] : []),
                ...channelDeploySteps(c.name, pulumiVersion),
                {
                    // Issue 16: a replace or delete of a provider or a stateful resource needs the allow_destroy
                    // input of a manual run; the guard names every such resource.
                    name: "Refuse unintended replacements and deletions",
                    run: guardedPreviewRun(c.name),
                    env: {
                        PULUMI_BACKEND_URL: expr(`vars.${v.backendUrl}`),
                        DATA_INFRA_ALLOW_DESTROY: expr("inputs.allow_destroy"),
                    },
                },
                ...(health ? [health.before] : []),
                {
                    // The CLI itself (installed above), for --event-log: the notification names failing resources.
                    name: "Deploy",
                    id: "up",
                    env: { PULUMI_BACKEND_URL: expr(`vars.${v.backendUrl}`) },
                    run:
                        'pulumi login "$PULUMI_BACKEND_URL"\n' +
                        `pulumi up --stack ${c.name} --yes --diff --suppress-progress --non-interactive --event-log "$RUNNER_TEMP/events.jsonl"`,
                },
                {
                    name: "Read the environment URL",
                    id: "outputs",
                    env: { PULUMI_BACKEND_URL: expr(`vars.${v.backendUrl}`) },
                    run:
                        `url="$(pulumi stack output --stack ${c.name} ${ENVIRONMENT_URL_OUTPUT} 2>/dev/null || true)"\n` +
                        'case "$url" in https://*) echo "url=$url" >> "$GITHUB_OUTPUT" ;; esac',
                },
                ...(upstreams.has(c.name) ? recordSteps(c, v.backendUrl) : []),
                ...(health ? [health.after] : []),
                {
                    // Always, also after a failure; without the secret it only writes the job summary.
                    name: "Notify",
                    if: "always()",
                    env: {
                        DEPLOY_WEBHOOK_URL: expr(`secrets.${DEPLOY_WEBHOOK_SECRET}`),
                        JOB_STATUS: expr("job.status"),
                        CHANNEL: c.name,
                        COMMIT: expr("github.sha"),
                        RUN_URL: `${expr("github.server_url")}/${expr("github.repository")}/actions/runs/${expr("github.run_id")}`,
                        ENVIRONMENT_URL: expr("steps.outputs.outputs.url"),
                    },
                    run: 'npx tsx tools/notify.ts "$RUNNER_TEMP/events.jsonl"',
                },
            ],
        };
    }
    return {
        name: workflowNames.deploy,
        on: {
            push: { branches: channels.map((c) => releaseBranch(c.name)) },
            // Re-deploy a release branch by hand (choose it in "Use workflow from"); allow_destroy lets a deploy
            // through that replaces or deletes a provider or a stateful resource (the deploy guard's override).
            workflow_dispatch: {
                inputs: {
                    allow_destroy: {
                        description: "Deploy even if providers or stateful resources are replaced or deleted",
                        type: "boolean",
                        default: false,
                    },
                },
            },
        },
        permissions: {},
        jobs,
    };
}
