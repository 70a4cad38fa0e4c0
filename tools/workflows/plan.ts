import {
    checkNames,
    DEFAULT_BRANCH,
    GOVERNANCE_DIR,
    planCommentMarker,
    releaseBranch,
} from "../../components/github/naming";
import {
    actions,
    appliesStep,
    PR_TYPES,
    expr,
    lit,
    PLAN_ARTIFACT,
    RUNNER,
    setupSteps,
    timeoutMinutes,
    workflowNames,
    type ChannelSpec,
    type Job,
    type Step,
    type Workflow,
} from "./common";

/** File the plan workflow writes the pull request number to; the commenter checks it against the run. */
export const PR_NUMBER_FILE = "pr-number";

/** Runs after failed steps too, but not when the run was cancelled (unlike `always()`). */
const AFTER_FAILURE = "success() || failure()";

/** The markdown file of one channel's plan inside the artifact. */
export const planFile = (channel: string): string => `plan-${channel}.md`;

/** The artifact one channel's plan job uploads: its markdown and the pull request number. */
export const planArtifact = (channel: string): string => `${PLAN_ARTIFACT}-${channel}`;

/**
 * One channel's plan job, the check `plan (<channel>)`: the offline desired-state diff (`npm run plan -- --base`).
 * It always runs and fails when the pull request targets another channel's release branch (a skipped job would
 * report success); on pull requests to other branches (`main`) every channel's applies. For a channel promoted from
 * another, it also runs the promotion check, whose exit 5 (an artifact the upstream channel does not run) fails it:
 * the check is a required check of the promotion pull request, computed from that pull request's merge result.
 */
function planJob(c: ChannelSpec): Job {
    const promoted = c.promotedFrom !== DEFAULT_BRANCH;
    const steps: Step[] = [
        appliesStep(c.name, true),
        // The whole history, so the base commit can be checked out next to the head.
        ...setupSteps({ "fetch-depth": 0 }),
        {
            name: `Plan ${c.name}`,
            id: "plan",
            env: { BASE_SHA: expr("github.event.pull_request.base.sha") },
            // --silent keeps npm's banner out of the markdown, whose first line must be the comment marker.
            run: `npm run --silent plan -- --stack ${c.name} --base "$BASE_SHA" --format markdown > ${planFile(c.name)}`,
        },
        {
            // The channel's GitHub settings are the governance project's (applied by governance.yml, not by the
            // deploy): their review goes into the same comment, so a reviewer sees a protection or reviewer change.
            name: `Plan ${c.name}'s GitHub settings (${GOVERNANCE_DIR}/)`,
            env: { BASE_SHA: expr("github.event.pull_request.base.sha") },
            run:
                `if git cat-file -e "$BASE_SHA:${GOVERNANCE_DIR}/Pulumi.yaml" 2>/dev/null; then\n` +
                `  npm run --silent plan -- --project ${GOVERNANCE_DIR} --stack ${c.name} --base "$BASE_SHA" --format markdown >> ${planFile(c.name)}\n` +
                "else\n" +
                `  printf '\\n_No governance project at the base commit: the settings of ${GOVERNANCE_DIR}/ are new here._\\n' >> ${planFile(c.name)}\n` +
                "fi",
        },
    ];
    if (promoted) {
        steps.push({
            name: `Promotion check ${c.promotedFrom} → ${c.name}`,
            // Only the promotion itself is checked: on pull requests to main the channels legitimately differ.
            if: `(${AFTER_FAILURE}) && github.base_ref == ${lit(releaseBranch(c.name))}`,
            run: `npm run --silent plan -- --promotion ${c.promotedFrom} ${c.name}`,
        });
    }
    steps.push(
        {
            name: "Record the pull request number",
            if: AFTER_FAILURE,
            env: { PR_NUMBER: expr("github.event.pull_request.number") },
            run: `printf '%s\\n' "$PR_NUMBER" > ${PR_NUMBER_FILE}`,
        },
        {
            name: "Upload the plan",
            // Not after the applies check failed: there is no plan of a channel the pull request does not target.
            if: `(${AFTER_FAILURE}) && steps.plan.conclusion != 'skipped'`,
            uses: actions.uploadArtifact,
            with: {
                name: planArtifact(c.name),
                path: [planFile(c.name), PR_NUMBER_FILE].join("\n"),
                "if-no-files-found": "error",
                "retention-days": 5,
            },
        },
    );
    return {
        name: checkNames.plan(c.name),
        "runs-on": RUNNER,
        "timeout-minutes": timeoutMinutes.plan,
        permissions: { contents: "read" },
        steps,
    };
}

/**
 * `plan-pr.yml`: one `plan (<channel>)` job per channel on every pull request (see {@link planJob}), re-run when
 * the base branch changes. It runs the pull request's code, so it gets no secrets and a read-only token; the
 * markdown leaves as an artifact per channel.
 */
export function planPrWorkflow(channels: readonly ChannelSpec[]): Workflow {
    return {
        name: workflowNames.planPr,
        on: { pull_request: { types: [...PR_TYPES] } },
        permissions: {},
        concurrency: {
            // Offline and stateless: a newer commit of the pull request supersedes the older run.
            group: `plan-pr-${expr("github.event.pull_request.number")}`,
            "cancel-in-progress": true,
        },
        jobs: Object.fromEntries(channels.map((c) => [`plan-${c.name}`, planJob(c)])),
    };
}

/**
 * The commenter's script (actions/github-script). The artifact was written by pull-request code, so it is data
 * to check, never code to run: the pull request number must be a number whose head is the commit that was
 * planned, and each file must start with its channel's marker; only known channels' files are read.
 */
function commentScript(channels: readonly ChannelSpec[]): string {
    const markers = Object.fromEntries(channels.map((c) => [c.name, planCommentMarker(c.name)]));
    return `const fs = require("fs");
const path = require("path");
const markers = ${JSON.stringify(markers)};
const run = context.payload.workflow_run;
const raw = fs.readFileSync(path.join("plan", ${JSON.stringify(PR_NUMBER_FILE)}), "utf8").trim();
if (!/^[0-9]{1,10}$/.test(raw)) throw new Error("the artifact's pull request number is not a number");
const { data: pr } = await github.rest.pulls.get({ ...context.repo, pull_number: Number(raw) });
if (pr.head.sha !== run.head_sha) {
  core.notice(\`#\${pr.number} is at \${pr.head.sha}, the plan is of \${run.head_sha}: not commenting\`);
  return;
}
const comments = await github.paginate(github.rest.issues.listComments, {
  ...context.repo, issue_number: pr.number, per_page: 100,
});
for (const [channel, marker] of Object.entries(markers)) {
  const file = path.join("plan", \`plan-\${channel}.md\`);
  if (!fs.existsSync(file)) continue;
  const body = fs.readFileSync(file, "utf8").slice(0, 65000);
  // A plan that crashed leaves a file without its marker: skip that channel, keep commenting the others.
  if (body.split("\\n", 1)[0].trim() !== marker) {
    core.warning(\`\${file} does not start with \${marker}: not commenting it\`);
    continue;
  }
  const old = comments.find(
    (c) => c.user?.login === "github-actions[bot]" && (c.body ?? "").split("\\n", 1)[0].trim() === marker,
  );
  if (old) await github.rest.issues.updateComment({ ...context.repo, comment_id: old.id, body });
  else await github.rest.issues.createComment({ ...context.repo, issue_number: pr.number, body });
}
`;
}

/**
 * `plan-comment.yml`: posts or updates the marked plan comment per channel. Triggered by `workflow_run`, it runs
 * this repository's default-branch workflow with a token that may comment, and never checks out pull request code.
 */
export function planCommentWorkflow(channels: readonly ChannelSpec[]): Workflow {
    return {
        name: workflowNames.planComment,
        on: { workflow_run: { workflows: [workflowNames.planPr], types: ["completed"] } },
        permissions: {},
        jobs: {
            comment: {
                name: "comment",
                // Only this repository's plan-pr runs (a fork's run of the same name is no input), and a failed plan
                // run (e.g. a mandatory policy violation) still uploaded its comment: post it.
                if: "github.event.workflow_run.repository.id == github.repository_id && github.event.workflow_run.event == 'pull_request' && (github.event.workflow_run.conclusion == 'success' || github.event.workflow_run.conclusion == 'failure')",
                "runs-on": RUNNER,
                "timeout-minutes": timeoutMinutes.comment,
                // actions: read downloads another run's artifact; pull-requests: write comments.
                permissions: { actions: "read", "pull-requests": "write" },
                concurrency: {
                    group: `plan-comment-${expr("github.event.workflow_run.head_sha")}`,
                    "cancel-in-progress": false,
                },
                steps: [
                    {
                        name: "Download the plan",
                        uses: actions.downloadArtifact,
                        with: {
                            // Every channel's artifact, into one folder (each holds the same pull request number).
                            pattern: `${PLAN_ARTIFACT}-*`,
                            "merge-multiple": true,
                            path: "plan",
                            "run-id": expr("github.event.workflow_run.id"),
                            "github-token": expr("github.token"),
                        },
                    },
                    {
                        name: "Comment",
                        uses: actions.githubScript,
                        with: { script: commentScript(channels) },
                    },
                ],
            },
        },
    };
}
