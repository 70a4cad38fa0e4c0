import { DEFAULT_BRANCH, promoteEnvironment, releaseBranch } from "../../components/github/naming";
import {
    actions,
    appTokenStep,
    expr,
    lit,
    RUNNER,
    setupSteps,
    timeoutMinutes,
    upstreamBranch,
    workflowNames,
    type ChannelSpec,
    type Job,
    type Step,
    type Workflow,
} from "./common";

/**
 * Opens the promotion pull request `$HEAD → $BASE`, or refreshes its body when one is open. The pull request is
 * between the long-lived branches themselves, so nothing is left behind when it merges; with nothing to promote
 * it does nothing.
 */
const OPEN_OR_UPDATE = `set -euo pipefail
number="$(gh pr list --base "$BASE" --head "$HEAD" --state open --json number --jq '.[0].number // empty')"
if [ -n "$number" ]; then
  gh pr edit "$number" --body-file "$BODY_FILE"
  echo "updated #$number"
elif [ "$(gh api "repos/$GH_REPO/compare/$BASE...$HEAD" --jq .ahead_by)" = "0" ]; then
  echo "$BASE already contains $HEAD: nothing to promote"
else
  gh pr create --base "$BASE" --head "$HEAD" --title "$TITLE" --body-file "$BODY_FILE"
fi
`;

function openOrUpdateStep(c: ChannelSpec, bodyFile: string): Step {
    return {
        name: `Open or update the pull request ${upstreamBranch(c)} → ${releaseBranch(c.name)}`,
        env: {
            // The App's token, not GITHUB_TOKEN: pull requests GITHUB_TOKEN opens trigger no workflows, so their
            // required preview check would never run and they could never merge.
            GH_TOKEN: expr("steps.app-token.outputs.token"),
            GH_REPO: expr("github.repository"),
            BASE: releaseBranch(c.name),
            HEAD: upstreamBranch(c),
            TITLE: `Release to ${c.name}`,
            BODY_FILE: bodyFile,
        },
        run: OPEN_OR_UPDATE,
    };
}

/**
 * The promote job of a channel, whichever way it starts (a push to `main`, or the upstream channel's deploy):
 * the same job name, permissions, environment and concurrency group either way.
 */
function promoteJob(c: ChannelSpec, start: Pick<Job, "if" | "needs">, steps: Step[]): Job {
    return {
        name: `promote (${c.name})`,
        ...start,
        "runs-on": RUNNER,
        "timeout-minutes": timeoutMinutes.promote,
        // All writes use the promote App's token; the job's own token only reads.
        permissions: { contents: "read" },
        // Holds the promote App's key and admits only the default branch.
        environment: promoteEnvironment(c.name),
        concurrency: { group: `promote-${c.name}`, "cancel-in-progress": false },
        steps,
    };
}

/** The pull request `main → releases/<channel>`, on every push to `main`. */
function fromMainJob(c: ChannelSpec): Job {
    const body = `Promotes \`${DEFAULT_BRANCH}\` to \`${c.name}\`; merging deploys it. Opened by the promote workflow.`;
    return promoteJob(c, { if: "github.event_name == 'push' || github.event_name == 'workflow_dispatch'" }, [
        {
            name: "Write the pull request body",
            env: { BODY: body },
            run: "printf '%s\\n' \"$BODY\" > promotion.md",
        },
        appTokenStep("promote", PROMOTE_PERMISSIONS),
        openOrUpdateStep(c, "promotion.md"),
    ]);
}

/**
 * A successful push-triggered deploy of `upstream` in this very repository. `workflow_run` matches workflows by name
 * only, so a fork's workflow named `deploy` on a fork branch named like ours would otherwise trigger this.
 */
const fromUpstreamDeploy = (upstream: string): string =>
    `github.event_name == 'workflow_run' && github.event.workflow_run.conclusion == 'success' && ` +
    `github.event.workflow_run.event == 'push' && github.event.workflow_run.repository.id == github.repository_id && ` +
    `github.event.workflow_run.head_repository.id == github.repository_id && ` +
    `github.event.workflow_run.head_branch == ${lit(upstream)}`;

/** What opening or refreshing a pull request needs, and no more. */
const PROMOTE_PERMISSIONS = { contents: "read", "pull-requests": "write" } as const;

/** The promotion check's exit code when the target would deploy an artifact its upstream did not run. */
const UNTESTED_ARTIFACTS = 5;

/**
 * The promotion check of `<upstream> → <channel>`, run from the upstream release branch with no secrets and a
 * read-only token: it runs repository code, so nothing it does can reach the App token of the next job. An
 * untested artifact does not fail it: the pull request must still show the finding.
 */
function checkJob(c: ChannelSpec): Job {
    const upstream = releaseBranch(c.promotedFrom);
    return {
        name: `promotion check (${c.name})`,
        if: `(${fromUpstreamDeploy(upstream)}) || github.event_name == 'workflow_dispatch'`,
        "runs-on": RUNNER,
        "timeout-minutes": timeoutMinutes.promote,
        permissions: { contents: "read" },
        outputs: { code: expr("steps.check.outputs.code") },
        steps: [
            // The commit the upstream deploy ran (the branch may have moved since); both release branches are needed.
            ...setupSteps({
                ref: expr(`github.event.workflow_run.head_sha || ${lit(upstream)}`),
                "fetch-depth": 0,
            }),
            {
                name: `Promotion check ${c.promotedFrom} → ${c.name}`,
                id: "check",
                run:
                    `set +e\nnpm run --silent plan -- --promotion ${c.promotedFrom} ${c.name} > promotion.md\n` +
                    `code=$?\necho "code=$code" >> "$GITHUB_OUTPUT"\n[ "$code" = 0 ] || [ "$code" = ${UNTESTED_ARTIFACTS} ]`,
            },
            {
                name: "Upload the promotion check",
                uses: actions.uploadArtifact,
                with: { name: `promotion-${c.name}`, path: "promotion.md", "retention-days": 5 },
            },
        ],
    };
}

/**
 * The pull request `releases/<upstream> → releases/<channel>`, after a successful deploy of the upstream channel
 * or by hand. Its body is the promotion check of the upstream against this channel.
 */
function fromChannelJob(c: ChannelSpec): Job {
    const check = `check-${c.name}`;
    // No checkout and no repository code here: only the check's markdown, the App token and gh.
    return promoteJob(c, { needs: [check] }, [
        {
            name: "Download the promotion check",
            uses: actions.downloadArtifact,
            with: { name: `promotion-${c.name}` },
        },
        appTokenStep("promote", PROMOTE_PERMISSIONS),
        openOrUpdateStep(c, "promotion.md"),
        {
            name: "Fail on untested artifacts",
            if: `needs.${check}.outputs.code == '${UNTESTED_ARTIFACTS}'`,
            run: `echo "::error::${c.name} would deploy artifacts ${c.promotedFrom} did not run; see the pull request body"\nexit 1`,
        },
    ]);
}

/**
 * `promote.yml`: replaces release-candidate branches. Each channel's pull request comes from its upstream branch:
 * `main` (on push) or the upstream channel's release branch (when that channel's deploy succeeded).
 */
export function promoteWorkflow(channels: readonly ChannelSpec[]): Workflow {
    const upstreams = [
        ...new Set(channels.filter((c) => c.promotedFrom !== DEFAULT_BRANCH).map((c) => c.promotedFrom)),
    ];
    const on: Record<string, unknown> = { push: { branches: [DEFAULT_BRANCH] } };
    if (upstreams.length) {
        on.workflow_run = {
            workflows: [workflowNames.deploy],
            types: ["completed"],
            branches: upstreams.map(releaseBranch),
        };
    }
    on.workflow_dispatch = {};
    const jobs: Record<string, Job> = {};
    for (const c of channels) {
        if (c.promotedFrom === DEFAULT_BRANCH) {
            jobs[`promote-${c.name}`] = fromMainJob(c);
        } else {
            jobs[`check-${c.name}`] = checkJob(c);
            jobs[`promote-${c.name}`] = fromChannelJob(c);
        }
    }
    return { name: workflowNames.promote, on, permissions: {}, jobs };
}
