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
    type Step,
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

/** Id of the step that reads the admin App's key from Secret Manager; its one output is `key`. */
export const ADMIN_KEY_STEP = "admin-key";

/**
 * The admin App's key, read from Secret Manager after the Google login as the governance service account, then the
 * installation token. The action masks every line of the value (`core.setSecret`, get-secretmanager-secrets v2.2.5
 * src/main.ts:47-56) and sets it as a step output only (`export_to_environment` stays false), which GitHub passes to
 * no other step unless an expression names it: only the token step's `private-key` input does. The variable holds the
 * long form `projects/<p>/secrets/<s>`, read as version `latest` (src/reference.ts:81-86), and the action
 * authenticates with Application Default Credentials (src/client.ts:65, `GoogleAuth`), i.e. the credentials file the
 * auth step wrote for the governance service account. A run the governance
 * principal refuses (bootstrap/identity-rules.ts: a pull_request_target, a tag, another workflow, branch or
 * environment) cannot get the account's credentials, so this step fails there whatever a reviewer approved.
 */
export function adminKeySteps(): Step[] {
    return [
        {
            name: "Read the admin App key (Secret Manager)",
            id: ADMIN_KEY_STEP,
            uses: actions.getSecrets,
            with: { secrets: `key:${expr(`vars.${adminVariables.adminKeySecret}`)}` },
        },
        appTokenStep("admin", {}, expr(`steps.${ADMIN_KEY_STEP}.outputs.key`)),
    ];
}

/**
 * `governance.yml`: `pulumi up` of every channel's governance stack (`governance/`, one stack per channel), the only
 * jobs that read the admin App's key. They run on pushes to the governing channel's release branch (or by hand from
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
                // Only the login (the gs:// backend, KMS and Secret Manager read its credentials); no gcloud.
                gcpAuthSteps(expr(`vars.${v.workloadIdentityProvider}`), expr(`vars.${v.serviceAccount}`))[0],
                // Branch protection, rulesets and environments need repository administration, which GITHUB_TOKEN
                // never has. The admin App's key is read from Secret Manager as the governance service account.
                ...adminKeySteps(),
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
