/**
 * The names the GitHub governance component and the rendered workflows must agree on: branches, required check
 * names, the variables the component sets and the workflows read, and the plan comment's marker. Every consumer of
 * these names imports them from here, so they cannot drift apart.
 */

/** The branch every change lands on first. */
export const DEFAULT_BRANCH = "main";

/** The branch a channel deploys from. */
export const releaseBranch = (channel: string): string => `releases/${channel}`;

/**
 * Status check names (a job's `name`, which is what GitHub reports as the check context). Branch protection
 * requires exactly these.
 */
export const checkNames = {
    /** `npm test` on pull requests and `main`; required on `main`. */
    test: "test",
    /** `pulumi preview` of one channel on pull requests to its release branch; required there. */
    preview: (channel: string) => `preview (${channel})`,
    /**
     * `pulumi up` of one channel on pushes to its release branch. A channel promoted from it deploys only a commit
     * this job deployed successfully (its recorded digests pinned); see {@link checkNames.promotion}.
     */
    deploy: (channel: string) => `deploy (${channel})`,
    /**
     * Set by the promote workflow on the promotion commit (`promote/<channel>` head): the upstream deployed the
     * commit it builds on, and its digests are pinned. Required on a promoted channel's release branch; the deploy
     * guard re-checks the same facts from the upstream's deploy run before the channel deploys.
     */
    promotion: (channel: string) => `promotion (${channel})`,
    /** The offline plan (and, for a promoted channel, the promotion check) of one channel; required there. */
    plan: (channel: string) => `plan (${channel})`,
    /**
     * The release gate of one channel: a `pull_request_target` job (the base branch's definition, which a pull
     * request cannot edit) that checks out nothing and fails unless the head is the upstream branch of this
     * repository. Required on the release branch.
     */
    gate: (channel: string) => `release gate (${channel})`,
    /**
     * Posted by the deploy of a channel others are promoted from, on the deployed commit: Airflow came back healthy,
     * imports every DAG and lost none (tools/airflow-health.ts). The promote workflow copies it onto the promotion
     * commit; required on the promoted channel's release branch.
     */
    airflowHealth: (channel: string) => `airflow-health (${channel})`,
    /** `pulumi up` of one channel's governance stack, from the governing branch in the admin environment. */
    governance: (channel: string) => `governance (${channel})`,
} as const;

/**
 * The GitHub environment a channel's promote job runs in. It holds the promote App's private key (Pull requests and
 * Contents write, nothing else) and admits only the default branch, where `push` and `workflow_run` jobs run.
 */
export const promoteEnvironment = (channel: string): string => `promote-${channel}`;

/**
 * The GitHub environment of the governance jobs (`governance.yml`), the only place the admin App's private key is
 * kept: its deployment branch policy admits only the governing channel's release branch and it has required
 * reviewers. No channel's deploy job runs in it, so no deploy can change repository administration.
 */
export const ADMIN_ENVIRONMENT = "github-admin";

/**
 * Variables of the {@link ADMIN_ENVIRONMENT} the governance jobs read (set by hand from the bootstrap's outputs,
 * docs/governance.md): the workload identity provider, the governance service account, the state backend, and the
 * Secret Manager secret (`projects/<state project>/secrets/<id>`) holding the admin App's private key.
 */
export const adminVariables = {
    workloadIdentityProvider: "GOVERNANCE_GCP_WORKLOAD_IDENTITY_PROVIDER",
    serviceAccount: "GOVERNANCE_GCP_SERVICE_ACCOUNT",
    backendUrl: "GOVERNANCE_PULUMI_BACKEND_URL",
    adminKeySecret: "GOVERNANCE_ADMIN_KEY_SECRET",
} as const;

/**
 * The Secret Manager secret (state project) holding the admin GitHub App's private key. Bootstrap declares it and
 * lets only the governance service account read it; its value is added by hand (`gcloud secrets versions add`,
 * docs/governance.md). A run the governance principal refuses (another workflow, branch, tag, environment or event)
 * cannot become that account, so it gets nothing even if a github-admin reviewer approves it.
 */
export const ADMIN_KEY_SECRET_ID = "github-admin-app-private-key";

/** The governance service account's id, in the state project (bootstrap). */
export const GOVERNANCE_ACCOUNT_ID = "governance";

/**
 * The GitHub secret name the admin App's private key had before it moved to Secret Manager (a repository secret,
 * then a github-admin environment secret). No workflow may name it; the doctor fails while it is still set anywhere.
 */
export const LEGACY_ADMIN_KEY_SECRET = "DATA_INFRA_APP_PRIVATE_KEY";

/** The Pulumi project (folder `governance/`) whose stacks, one per channel and named like it, hold the governance. */
export const GOVERNANCE_PROJECT = "data-infra-governance";
export const GOVERNANCE_DIR = "governance";

/**
 * GitHub Actions environment variables the governance component sets per channel environment (deploy jobs read
 * them as `vars.X`).
 */
export const environmentVariables = {
    workloadIdentityProvider: "GCP_WORKLOAD_IDENTITY_PROVIDER",
    serviceAccount: "GCP_SERVICE_ACCOUNT",
    backendUrl: "PULUMI_BACKEND_URL",
    stack: "PULUMI_STACK",
} as const;

/**
 * Repository variables for the preview of one channel. Previews run on pull requests, which cannot use the
 * channel's environment (its branch policy admits only `releases/<channel>`), so they read repository variables.
 */
export const previewVariables = (channel: string) => {
    const prefix = `PREVIEW_${channel.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
    return {
        workloadIdentityProvider: `${prefix}_GCP_WORKLOAD_IDENTITY_PROVIDER`,
        serviceAccount: `${prefix}_GCP_SERVICE_ACCOUNT`,
        backendUrl: `${prefix}_PULUMI_BACKEND_URL`,
    } as const;
};

/**
 * Marker on the first line of the plan comment of one channel: `npm run plan -- --format markdown` writes it, and
 * the plan-comment workflow finds the channel's comment by it.
 */
export const planCommentMarker = (channel: string): string => `<!-- data-infra-plan:${channel} -->`;
