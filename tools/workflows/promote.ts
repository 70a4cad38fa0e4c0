import {
    checkNames,
    DEFAULT_BRANCH,
    promoteEnvironment,
    releaseBranch,
} from "../../components/github/naming";
import { promotionBranch, stackFile, TESTED_FILE, testedArtifact } from "../deploy-guard/promotion";
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

function openOrUpdateStep(c: ChannelSpec, bodyFile: string, head = upstreamBranch(c)): Step {
    return {
        name: `Open or update the pull request ${head} → ${releaseBranch(c.name)}`,
        env: {
            // The App's token, not GITHUB_TOKEN: pull requests GITHUB_TOKEN opens trigger no workflows, so their
            // required preview check would never run and they could never merge.
            GH_TOKEN: expr("steps.app-token.outputs.token"),
            GH_REPO: expr("github.repository"),
            BASE: releaseBranch(c.name),
            HEAD: head,
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

/**
 * What writing the promotion commit to `promote/<channel>` (Git database API), opening its pull request and
 * reporting the promotion status on its commit need, and no more.
 */
const PROMOTE_CHANNEL_PERMISSIONS = {
    contents: "write",
    "pull-requests": "write",
    statuses: "write",
} as const;

/** Folder of the check job's artifact: the pull request body, the pinned stack file, the tested commit. */
const PROMOTION_DIR = "promotion-out";

/**
 * Finds the upstream's deploy to promote: the triggering run (workflow_run), or by hand the newest successful push
 * deploy of the upstream's release branch. Outputs \`run-id\` and \`sha\`, both checked for shape.
 */
function findTestedStep(upstream: string): Step {
    return {
        name: `Find the ${upstream} deploy to promote`,
        id: "tested",
        env: {
            GH_TOKEN: expr("github.token"),
            GH_REPO: expr("github.repository"),
            EVENT: expr("github.event_name"),
            RUN_ID: expr("github.event.workflow_run.id"),
            SHA: expr("github.event.workflow_run.head_sha"),
            BRANCH: releaseBranch(upstream),
        },
        run: `set -euo pipefail
if [ "$EVENT" != workflow_run ]; then
  read -r RUN_ID SHA < <(gh api "repos/$GH_REPO/actions/workflows/deploy.yml/runs?event=push&status=success&per_page=1&branch=$BRANCH" --jq '.workflow_runs[0] | "\\(.id) \\(.head_sha)"')
fi
[[ "$RUN_ID" =~ ^[0-9]+$ && "$SHA" =~ ^[0-9a-f]{40}$ ]] || { echo "::error::no successful deploy of $BRANCH found"; exit 1; }
echo "run-id=$RUN_ID" >> "$GITHUB_OUTPUT"
echo "sha=$SHA" >> "$GITHUB_OUTPUT"`,
    };
}

/**
 * Writes the promotion commit: the tested commit's tree with the pinned stack file, parents the release branch's
 * head and the tested commit (so the pull request merges without conflicts, and a merge adds nothing else), and
 * points \`promote/<channel>\` at it. Outputs \`commit\`, empty when the release branch already has that tree.
 */
const WRITE_PROMOTION_COMMIT = `set -euo pipefail
base="$(gh api "repos/$GH_REPO/git/ref/heads/$BASE" --jq .object.sha)"
tested_tree="$(gh api "repos/$GH_REPO/git/commits/$TESTED" --jq .tree.sha)"
blob="$(jq -n --rawfile c "$FILE_DIR/$FILE" '{content: $c, encoding: "utf-8"}' | gh api "repos/$GH_REPO/git/blobs" --input - --jq .sha)"
tree="$(jq -n --arg base "$tested_tree" --arg path "$FILE" --arg sha "$blob" '{base_tree: $base, tree: [{path: $path, mode: "100644", type: "blob", sha: $sha}]}' | gh api "repos/$GH_REPO/git/trees" --input - --jq .sha)"
if [ "$tree" = "$(gh api "repos/$GH_REPO/git/commits/$base" --jq .tree.sha)" ]; then
  echo "$BASE already deploys $TESTED with these digests: nothing to promote"
  echo "commit=" >> "$GITHUB_OUTPUT"
  exit 0
fi
message="$(printf 'Promote %s to %s: pin the image digests %s ran\n\nTested-Commit: %s\n' "$UPSTREAM" "$CHANNEL" "$UPSTREAM" "$TESTED")"
commit="$(jq -n --arg tree "$tree" --arg base "$base" --arg tested "$TESTED" --arg msg "$message" '{message: $msg, tree: $tree, parents: [$base, $tested]}' | gh api "repos/$GH_REPO/git/commits" --input - --jq .sha)"
if gh api "repos/$GH_REPO/git/ref/heads/$BRANCH" > /dev/null 2>&1; then
  gh api -X PATCH "repos/$GH_REPO/git/refs/heads/$BRANCH" -f sha="$commit" -F force=true > /dev/null
else
  gh api "repos/$GH_REPO/git/refs" -f ref="refs/heads/$BRANCH" -f sha="$commit" > /dev/null
fi
echo "commit=$commit" >> "$GITHUB_OUTPUT"
echo "$BRANCH is $commit: $UPSTREAM's $TESTED with its digests pinned in $FILE"`;

/** The promotion check's exit code when the target would deploy an artifact its upstream did not run. */
const UNTESTED_ARTIFACTS = 5;

/**
 * The promotion check of `<upstream> → <channel>`, run from the upstream release branch with no secrets and a
 * read-only token: it runs repository code, so nothing it does can reach the App token of the next job. An
 * untested artifact does not fail it: the pull request must still show the finding.
 */
function checkJob(c: ChannelSpec, upstreamCanBeTried: boolean): Job {
    const upstream = releaseBranch(c.promotedFrom);
    const file = stackFile(c.name);
    return {
        name: `promotion check (${c.name})`,
        if: `(${fromUpstreamDeploy(upstream)}) || github.event_name == 'workflow_dispatch'`,
        "runs-on": RUNNER,
        "timeout-minutes": timeoutMinutes.promote,
        // actions: read finds the upstream's deploy run and downloads its record.
        permissions: { actions: "read", contents: "read" },
        outputs: { code: expr("steps.check.outputs.code"), sha: expr("steps.tested.outputs.sha") },
        steps: [
            findTestedStep(c.promotedFrom),
            // The commit the upstream deploy ran (the branch may have moved since); both release branches are needed.
            ...setupSteps({ ref: expr("steps.tested.outputs.sha"), "fetch-depth": 0 }),
            {
                name: `Download what ${c.promotedFrom} ran`,
                uses: actions.downloadArtifact,
                with: {
                    name: testedArtifact(c.promotedFrom),
                    path: expr("runner.temp"),
                    "run-id": expr("steps.tested.outputs.run-id"),
                    "github-token": expr("github.token"),
                },
            },
            // Issue 19: while a pull request's try has borrowed the upstream, it runs that code, not its branch.
            ...(upstreamCanBeTried
                ? [
                      {
                          name: `Refuse while ${c.promotedFrom} is borrowed by a pull request`,
                          env: { GH_TOKEN: expr("github.token") },
                          run: `npx tsx tools/try.ts borrowed ${c.promotedFrom}`,
                      },
                  ]
                : []),
            {
                name: `Promotion check ${c.promotedFrom} → ${c.name}`,
                id: "check",
                run:
                    `set +e\nnpm run --silent plan -- --promotion ${c.promotedFrom} ${c.name} > promotion.md\n` +
                    `code=$?\necho "code=$code" >> "$GITHUB_OUTPUT"\n[ "$code" = 0 ] || [ "$code" = ${UNTESTED_ARTIFACTS} ]`,
            },
            {
                name: `Pin the digests ${c.promotedFrom} ran in ${file}`,
                env: { TESTED: expr("steps.tested.outputs.sha") },
                run:
                    `npx tsx tools/promote.ts pin ${c.name} "$RUNNER_TEMP/${TESTED_FILE}" "$TESTED"\n` +
                    `mkdir -p ${PROMOTION_DIR}\ncp promotion.md ${file} ${PROMOTION_DIR}/`,
            },
            {
                name: "Upload the promotion",
                uses: actions.uploadArtifact,
                with: { name: `promotion-${c.name}`, path: `${PROMOTION_DIR}/`, "retention-days": 5 },
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
    const file = stackFile(c.name);
    // No checkout and no repository code here: only the check's files, the App token, gh and jq.
    return promoteJob(c, { needs: [check] }, [
        {
            name: "Download the promotion",
            uses: actions.downloadArtifact,
            with: { name: `promotion-${c.name}`, path: PROMOTION_DIR },
        },
        appTokenStep("promote", PROMOTE_CHANNEL_PERMISSIONS),
        {
            name: `Write the promotion commit to ${promotionBranch(c.name)}`,
            id: "commit",
            env: {
                GH_TOKEN: expr("steps.app-token.outputs.token"),
                GH_REPO: expr("github.repository"),
                BASE: releaseBranch(c.name),
                BRANCH: promotionBranch(c.name),
                TESTED: expr(`needs.${check}.outputs.sha`),
                UPSTREAM: c.promotedFrom,
                CHANNEL: c.name,
                FILE: file,
                FILE_DIR: PROMOTION_DIR,
            },
            run: WRITE_PROMOTION_COMMIT,
        },
        {
            ...openOrUpdateStep(c, `${PROMOTION_DIR}/promotion.md`, promotionBranch(c.name)),
            if: "steps.commit.outputs.commit != ''",
        },
        {
            // Integrity, not the boundary: the deploy guard re-checks the deployed commit against the upstream's run.
            name: `Report ${checkNames.promotion(c.name)} on the promotion commit`,
            if: "steps.commit.outputs.commit != ''",
            env: {
                GH_TOKEN: expr("steps.app-token.outputs.token"),
                GH_REPO: expr("github.repository"),
                COMMIT: expr("steps.commit.outputs.commit"),
                CODE: expr(`needs.${check}.outputs.code`),
                TESTED: expr(`needs.${check}.outputs.sha`),
                CONTEXT: checkNames.promotion(c.name),
            },
            run: `if [ "$CODE" = 0 ]; then state=success; else state=failure; fi
gh api "repos/$GH_REPO/statuses/$COMMIT" -f state="$state" -f context="$CONTEXT" -f description="${c.promotedFrom} deployed \${TESTED:0:12}; digests pinned" > /dev/null`,
        },
        {
            // The upstream's deploy posted its Airflow health on the tested commit; the promoted branch requires it on
            // the promotion commit. A missing status is an error, never a pass.
            name: `Report ${checkNames.airflowHealth(c.promotedFrom)} on the promotion commit`,
            if: "steps.commit.outputs.commit != ''",
            env: {
                GH_TOKEN: expr("steps.app-token.outputs.token"),
                GH_REPO: expr("github.repository"),
                COMMIT: expr("steps.commit.outputs.commit"),
                TESTED: expr(`needs.${check}.outputs.sha`),
                CONTEXT: checkNames.airflowHealth(c.promotedFrom),
            },
            run: `status="$(gh api "repos/$GH_REPO/commits/$TESTED/statuses?per_page=100" --jq '[.[] | select(.context == env.CONTEXT)][0] // {state: "error", description: ("no " + env.CONTEXT + " status on the tested commit")}')"
jq --arg c "$CONTEXT" '{state, description, context: $c}' <<< "$status" | gh api "repos/$GH_REPO/statuses/$COMMIT" --input - > /dev/null`,
        },
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
            const upstream = channels.find((u) => u.name === c.promotedFrom);
            jobs[`check-${c.name}`] = checkJob(c, upstream?.tryPullRequests === true);
            jobs[`promote-${c.name}`] = fromChannelJob(c);
        }
    }
    return { name: workflowNames.promote, on, permissions: {}, jobs };
}
