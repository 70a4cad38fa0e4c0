import {
    checkNames,
    DEFAULT_BRANCH,
    environmentVariables,
    previewVariables,
    releaseBranch,
} from "../../components/github/naming";
import {
    actions,
    appTokenStep,
    expr,
    gcpAuthSteps,
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
        on: { pull_request: {}, push: { branches: [DEFAULT_BRANCH] } },
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
 * Fails the required preview check unless the pull request is the promotion from the channel's upstream branch of
 * this repository: otherwise anyone who may push could merge any branch into a release branch (test needs no
 * review) and have it deployed with the deploy job's credentials. Hotfixes go through the same chain.
 */
function upstreamOnlyStep(c: ChannelSpec): Step {
    return {
        name: `Check the pull request comes from ${upstreamBranch(c)}`,
        env: {
            HEAD_REF: expr("github.head_ref"),
            HEAD_REPO: expr("github.event.pull_request.head.repo.full_name"),
            UPSTREAM: upstreamBranch(c),
        },
        run:
            'if [ "$HEAD_REF" != "$UPSTREAM" ] || [ "$HEAD_REPO" != "$GITHUB_REPOSITORY" ]; then\n' +
            `  echo "::error::${releaseBranch(c.name)} only takes pull requests from $UPSTREAM of $GITHUB_REPOSITORY (got $HEAD_REPO:$HEAD_REF)"\n` +
            "  exit 1\nfi",
    };
}

/**
 * `preview.yml`: `pulumi preview --diff` of a channel on pull requests to its release branch, one sticky comment
 * per stack. One job per channel, selected by `github.base_ref` (on pull requests `GITHUB_REF` is
 * `refs/pull/N/merge`, never the release branch); each is the check its release branch requires.
 */
export function previewWorkflow(channels: readonly ChannelSpec[], pulumiVersion: string): Workflow {
    const jobs: Record<string, Job> = {};
    for (const c of channels) {
        const vars = previewVariables(c.name);
        jobs[`preview-${c.name}`] = {
            name: checkNames.preview(c.name),
            if: `github.base_ref == ${lit(releaseBranch(c.name))}`,
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
                upstreamOnlyStep(c),
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
        on: { pull_request: { branches: channels.map((c) => releaseBranch(c.name)) } },
        permissions: {},
        jobs,
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
    for (const c of channels) {
        jobs[`deploy-${c.name}`] = {
            name: checkNames.deploy(c.name),
            if: `github.ref_name == ${lit(releaseBranch(c.name))}`,
            "runs-on": RUNNER,
            "timeout-minutes": timeoutMinutes.deploy,
            permissions: { contents: "read", "id-token": "write" },
            environment: c.name,
            concurrency: { group: `deploy-${c.name}`, "cancel-in-progress": false },
            steps: [
                ...setupSteps(),
                {
                    name: "Check the environment belongs to this stack",
                    if: `vars.${v.stack} != ${lit(c.name)}`,
                    run: `echo "::error::environment ${c.name} has ${v.stack}=\${${v.stack}:-unset}, expected ${c.name}"; exit 1`,
                    env: { [v.stack]: expr(`vars.${v.stack}`) },
                },
                ...gcpAuthSteps(expr(`vars.${v.workloadIdentityProvider}`), expr(`vars.${v.serviceAccount}`)),
                // Branch protection and environments need repository administration, which GITHUB_TOKEN never has.
                appTokenStep(),
                {
                    ...pulumiStep("up", c.name, v.backendUrl, pulumiVersion),
                    env: { GITHUB_TOKEN: expr("steps.app-token.outputs.token") },
                },
            ],
        };
    }
    return {
        name: workflowNames.deploy,
        on: {
            push: { branches: channels.map((c) => releaseBranch(c.name)) },
            // Re-deploy a release branch by hand (choose it in "Use workflow from").
            workflow_dispatch: {},
        },
        permissions: {},
        jobs,
    };
}
