import {
    ADMIN_ENVIRONMENT,
    adminVariables,
    checkNames,
    DEFAULT_BRANCH,
    GOVERNANCE_DIR,
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
    workflowNames,
    type ChannelSpec,
    type Job,
    type Workflow,
} from "./common";
import { promotionGuardStep } from "./release";

/**
 * The channel whose release branch the governance jobs run from: the one that owns `main`'s protection (exactly one;
 * prod by default). Its branch is the end of the promotion chain, the most protected one: only its release managers
 * merge into it, after an approval, and a promoted channel's guard refuses anything its upstream did not deploy.
 */
export function governingChannel(channels: readonly ChannelSpec[]): ChannelSpec {
    const owners = channels.filter((c) => c.managesDefaultBranch);
    if (owners.length !== 1)
        throw new TypeError(`exactly one channel must own ${DEFAULT_BRANCH} (got ${owners.length})`);
    return owners[0];
}

/**
 * `governance.yml`: `pulumi up` of every channel's governance stack (`governance/`, one stack per channel), the only
 * jobs that hold the admin App's key. They run on pushes to the governing channel's release branch (or by hand from
 * it), in the {@link ADMIN_ENVIRONMENT} environment: its branch policy admits only that branch and each run waits for
 * its required reviewers. The state backend is reached as the governance service account (bootstrap), which can
 * read and write only the governance stacks' state. No channel's deploy job runs here or holds this key.
 */
export function governanceWorkflow(channels: readonly ChannelSpec[], pulumiVersion: string): Workflow {
    const gov = governingChannel(channels);
    const branch = releaseBranch(gov.name);
    const promoted = gov.promotedFrom !== DEFAULT_BRANCH;
    const v = adminVariables;
    const jobs: Record<string, Job> = {};
    for (const c of channels) {
        jobs[`governance-${c.name}`] = {
            name: checkNames.governance(c.name),
            // The full ref: `github.ref_name` would also match a tag named like the branch.
            if: `github.ref == ${lit(`refs/heads/${branch}`)}`,
            "runs-on": RUNNER,
            "timeout-minutes": timeoutMinutes.governance,
            // id-token: the governance service account (state backend); actions: read for the promotion guard.
            permissions: { ...(promoted ? { actions: "read" } : {}), contents: "read", "id-token": "write" },
            environment: ADMIN_ENVIRONMENT,
            concurrency: { group: `governance-${c.name}`, "cancel-in-progress": false },
            steps: [
                ...setupSteps(promoted ? { "fetch-depth": 0 } : {}, { npmCache: false }),
                // The code that runs with the admin key is exactly what the upstream deployed (as for the deploy).
                ...(promoted ? [promotionGuardStep(gov)] : []),
                // Only the login (the gs:// backend and KMS read its credentials); no gcloud, no cluster.
                gcpAuthSteps(expr(`vars.${v.workloadIdentityProvider}`), expr(`vars.${v.serviceAccount}`))[0],
                // Branch protection, rulesets and environments need repository administration, which GITHUB_TOKEN
                // never has. The admin App's key is a secret of the github-admin environment only.
                appTokenStep("admin"),
                {
                    name: "Install the Pulumi CLI",
                    uses: actions.pulumi,
                    with: { "pulumi-version": pulumiVersion },
                },
                {
                    name: "Apply the governance",
                    env: {
                        PULUMI_BACKEND_URL: expr(`vars.${v.backendUrl}`),
                        GITHUB_TOKEN: expr("steps.app-token.outputs.token"),
                    },
                    run:
                        'pulumi login "$PULUMI_BACKEND_URL"\n' +
                        `pulumi up --cwd ${GOVERNANCE_DIR} --stack ${c.name} --yes --diff --suppress-progress --non-interactive`,
                },
            ],
        };
    }
    return {
        name: workflowNames.governance,
        on: { push: { branches: [branch] }, workflow_dispatch: {} },
        permissions: {},
        jobs,
    };
}
