/**
 * Building blocks of the rendered workflows. The names they share with the GitHub governance component (branches,
 * check names, variables) live in `components/github/naming.ts`.
 */
import { DEFAULT_BRANCH, environmentVariables, releaseBranch } from "../../components/github/naming";
import { COMPOSER_OPERATION_MINUTES } from "../../components/airflow/environment";

/** One release channel as the workflows see it: a stack deployed from `releases/<name>`. */
export interface ChannelSpec {
    /** Stack name, e.g. `test`. */
    readonly name: string;
    /** Where its releases come from: `main`, or the channel it is promoted from (e.g. prod ← test). */
    readonly promotedFrom: string;
    /** Whether its stack owns the protection of `main`; exactly one channel does. */
    readonly managesDefaultBranch: boolean;
    /** Whether a pull request's head may be tried in it (`try-in-<name>.yml`, `data-infra:github.tryPullRequests`). */
    readonly tryPullRequests?: boolean;
}

/** Branch a channel's releases are promoted from: `main` or the upstream channel's release branch. */
export const upstreamBranch = (c: ChannelSpec): string =>
    c.promotedFrom === DEFAULT_BRANCH ? DEFAULT_BRANCH : releaseBranch(c.promotedFrom);

/** Workflow names; `workflow_run` triggers refer to workflows by these names. */
export const workflowNames = {
    test: "test",
    preview: "preview",
    deploy: "deploy",
    promote: "promote",
    planPr: "plan-pr",
    planComment: "plan-comment",
    gate: "release-gate",
    governance: "governance",
} as const;

/**
 * Pull request activity that (re)runs the per-channel checks. `edited` covers a change of the base branch: without
 * it, retargeting a pull request from `releases/test` to `releases/prod` would meet prod's required checks with the
 * results test's run left on the head commit. (It also fires on title/body edits: a harmless re-run.)
 */
export const PR_TYPES = ["opened", "synchronize", "reopened", "edited"] as const;

/**
 * First step of every per-channel pull request job: the job always runs (a skipped job reports success, which would
 * satisfy a required check) and fails here when the pull request does not target the channel's release branch.
 * `alsoOnNonRelease` lets the job apply to pull requests to non-release branches too (the plan on `main`).
 */
export function appliesStep(channel: string, alsoOnNonRelease = false): Step {
    const base = releaseBranch(channel);
    return {
        name: `Check this pull request targets ${alsoOnNonRelease ? `${base} or a non-release branch` : base}`,
        env: { BASE_REF: expr("github.base_ref"), CHANNEL_BRANCH: base },
        run: alsoOnNonRelease
            ? 'case "$BASE_REF" in\n  "$CHANNEL_BRANCH") ;;\n  releases/*) echo "::error::this check is for pull requests to $CHANNEL_BRANCH, not $BASE_REF"; exit 1 ;;\nesac'
            : 'if [ "$BASE_REF" != "$CHANNEL_BRANCH" ]; then\n  echo "::error::this check is for pull requests to $CHANNEL_BRANCH, not $BASE_REF"\n  exit 1\nfi',
    };
}

/**
 * The two GitHub Apps whose installation tokens the workflows use. Pull requests opened with the default
 * `GITHUB_TOKEN` trigger no workflows, so their required checks would never run: an App opens them.
 *
 * Neither private key is a repository secret (repository secrets reach a workflow on any branch a writer pushes):
 * - `admin` (Administration, Environments, Variables: write) applies the governance stacks (`governance.yml`). Its
 *   key is in no GitHub secret at all: it is a Secret Manager secret in the state project that only the governance
 *   service account may read, and only a governance job can become that account (tools/workflows/governance.ts).
 * - `promote` (Pull requests, Contents: write) opens promotion pull requests. Its key is an environment secret of
 *   `promote-<channel>`, which admits only the default branch (where `push` and `workflow_run` jobs run).
 */
export const apps = {
    admin: { idVariable: "DATA_INFRA_APP_ID" },
    promote: {
        idVariable: "DATA_INFRA_PROMOTE_APP_ID",
        privateKeySecret: "DATA_INFRA_PROMOTE_APP_PRIVATE_KEY",
    },
} as const;

/** Name of the artifact that carries the plan markdown from `plan-pr` to `plan-comment`. */
export const PLAN_ARTIFACT = "plan-markdown";

/**
 * Third-party actions, pinned to full commit SHAs: a tag can be moved to other code, a commit cannot. Each SHA is
 * what the tag below resolved to in the action's public repository (`git rev-parse <tag>^{commit}` on a fetched
 * snapshot); the renderer writes the tag as a comment after the SHA, and Dependabot/Renovate update both.
 */
export const actionPins = {
    checkout: { repo: "actions/checkout", sha: "11d5960a326750d5838078e36cf38b85af677262", tag: "v4.4.0" },
    setupNode: { repo: "actions/setup-node", sha: "49933ea5288caeca8642d1e84afbd3f7d6820020", tag: "v4.4.0" },
    uploadArtifact: {
        repo: "actions/upload-artifact",
        sha: "ea165f8d65b6e75b540449e92b4886f43607fa02",
        tag: "v4.6.2",
    },
    downloadArtifact: {
        repo: "actions/download-artifact",
        sha: "d3f86a106a0bac45b974a628896c90dbdf5c8093",
        tag: "v4.3.0",
    },
    githubScript: {
        repo: "actions/github-script",
        sha: "f28e40c7f34bde8b3046d885e986cb6290c5673b",
        tag: "v7.1.0",
    },
    appToken: {
        repo: "actions/create-github-app-token",
        sha: "d72941d797fd3113feb6b93fd0dec494b13a2547",
        tag: "v1.12.0",
    },
    gcpAuth: {
        repo: "google-github-actions/auth",
        sha: "c200f3691d83b41bf9bbd8638997a462592937ed",
        tag: "v2.1.13",
    },
    setupGcloud: {
        repo: "google-github-actions/setup-gcloud",
        sha: "e427ad8a34f8676edf47cf7d7925499adf3eb74f",
        tag: "v2.2.1",
    },
    // v2.2.5, not v3: its runtime is node20 like the auth action above (v3.0.0 needs node24).
    getSecrets: {
        repo: "google-github-actions/get-secretmanager-secrets",
        sha: "2b5f97c5a4b9c105e64646762ad4fc3f5128e6f5",
        tag: "v2.2.5",
    },
    pulumi: { repo: "pulumi/actions", sha: "8582a9e8cc630786854029b4e09281acd6794b58", tag: "v6.6.1" },
    setupPython: {
        repo: "actions/setup-python",
        sha: "a26af69be951a213d495a4c3e4e4022e16d87065",
        tag: "v5.6.0",
    },
    // The newest tag in the snapshot we could fetch (later releases exist upstream; Dependabot moves the pin).
    pypiPublish: {
        repo: "pypa/gh-action-pypi-publish",
        sha: "81e9d935c883d0b210363ab89cf05f3894778450",
        tag: "v1.8.14",
    },
} as const;

/** `uses:` values: `<owner>/<repo>@<sha>`. */
export const actions = Object.fromEntries(
    Object.entries(actionPins).map(([k, p]) => [k, `${p.repo}@${p.sha}`]),
) as { readonly [K in keyof typeof actionPins]: string };

/**
 * The file holding the exact Node.js release CI installs (actions/setup-node `node-version-file`); `.ci/run` runs
 * the tests on the same release, and package.json `engines` admits it (test/node-version.test.ts).
 */
export const NODE_VERSION_FILE = ".node-version";

/**
 * Minutes of headroom the deploy job keeps over the longest operation it waits for (one Composer create or update,
 * the PyPI install included): checkout, npm ci, authentication, the DAG sync and releases that follow the
 * environment, and the state writes. A job killed mid-update leaves the stack locked (README "A killed deploy").
 */
export const DEPLOY_HEADROOM_MINUTES = 60;

/** Minutes before GitHub kills a job (at most 360 on GitHub-hosted runners). */
export const timeoutMinutes = {
    test: 20,
    plan: 20,
    preview: 30,
    deploy: COMPOSER_OPERATION_MINUTES + DEPLOY_HEADROOM_MINUTES,
    promote: 15,
    governance: 20,
    comment: 10,
    build: 20,
} as const;

/** A workflow step, in GitHub's vocabulary. */
export interface Step {
    name: string;
    id?: string;
    if?: string;
    uses?: string;
    with?: Record<string, string | number | boolean>;
    env?: Record<string, string>;
    run?: string;
    shell?: string;
    "continue-on-error"?: boolean;
}

export type Permission = "read" | "write" | "none";

export interface Job {
    name: string;
    needs?: string[];
    if?: string;
    "runs-on": string;
    "timeout-minutes": number;
    permissions: Record<string, Permission>;
    defaults?: { run: { "working-directory": string } };
    environment?: string | { name: string; url: string };
    concurrency?: { group: string; "cancel-in-progress": boolean };
    env?: Record<string, string>;
    outputs?: Record<string, string>;
    steps: Step[];
}

export interface Workflow {
    name: string;
    /** The run's title in the Actions list (and on the approval page). */
    "run-name"?: string;
    on: Record<string, unknown>;
    /** Workflow-level default: nothing. Every job declares exactly what it needs. */
    permissions: Record<string, Permission>;
    concurrency?: { group: string; "cancel-in-progress": boolean | string };
    jobs: Record<string, Job>;
}

export const RUNNER = "ubuntu-24.04";

/**
 * Checkout, Node.js, `npm ci`: how every job that runs repository code starts. `npmCache: false` for jobs that hold
 * deploy credentials: a cache entry is written by other runs, and restoring it would put their files under the
 * deploy's `node_modules` (cache poisoning).
 */
export function setupSteps(
    checkout: Record<string, string | number | boolean> = {},
    { npmCache = true }: { npmCache?: boolean } = {},
): Step[] {
    return [
        {
            name: "Check out",
            uses: actions.checkout,
            // The token is not needed after checkout; do not leave it in .git/config for later steps.
            with: { "persist-credentials": false, ...checkout },
        },
        {
            name: "Set up Node.js",
            uses: actions.setupNode,
            with: npmCache
                ? { "node-version-file": NODE_VERSION_FILE, cache: "npm" }
                : { "node-version-file": NODE_VERSION_FILE },
        },
        { name: "Install dependencies", run: "npm ci --no-audit --no-fund" },
    ];
}

/**
 * The steps a channel's deploy job (deploy.yml, try-in-<c>.yml) runs before it touches the channel: fail when the
 * environment's stack variable names another channel (an environment wired to the wrong stack would deploy one
 * channel's code with another's identity), log in to Google as the environment's deployer, and install the Pulumi
 * CLI (the pulumi action without a command only installs it: its install-only mode). No GitHub App token: the
 * channel's GitHub settings are applied by governance.yml, so no deploy job can change them.
 */
export function channelDeploySteps(channel: string, pulumiVersion: string): Step[] {
    const v = environmentVariables;
    return [
        {
            name: "Check the environment belongs to this stack",
            if: `vars.${v.stack} != ${lit(channel)}`,
            run: `echo "::error::environment ${channel} has ${v.stack}=\${${v.stack}:-unset}, expected ${channel}"; exit 1`,
            env: { [v.stack]: expr(`vars.${v.stack}`) },
        },
        ...gcpAuthSteps(expr(`vars.${v.workloadIdentityProvider}`), expr(`vars.${v.serviceAccount}`)),
        { name: "Install the Pulumi CLI", uses: actions.pulumi, with: { "pulumi-version": pulumiVersion } },
    ];
}

/** The deploy guard's command: preview the stack as JSON and refuse what tools/deploy-guard.ts refuses. */
export const guardedPreviewRun = (channel: string): string =>
    `pulumi login "$PULUMI_BACKEND_URL" && pulumi preview --stack ${channel} --json > "$RUNNER_TEMP/preview.json" && npx tsx tools/deploy-guard.ts "$RUNNER_TEMP/preview.json"`;

/** Keyless Google Cloud login (workload identity federation) plus gcloud with the GKE auth plugin. */
export function gcpAuthSteps(provider: string, serviceAccount: string): Step[] {
    return [
        {
            name: "Authenticate to Google Cloud",
            uses: actions.gcpAuth,
            with: { workload_identity_provider: provider, service_account: serviceAccount },
        },
        {
            name: "Set up gcloud",
            uses: actions.setupGcloud,
            // The kubeconfig the program builds authenticates with this plugin.
            with: { install_components: "gke-gcloud-auth-plugin" },
        },
    ];
}

/**
 * An installation token of one of the {@link apps}, as step `app-token`. `privateKey` is where the key comes from:
 * the promote App's is its environment secret (the job must run in `promote-<channel>`); the admin App's is the output
 * of the Secret Manager step that only a governance job can run ({@link adminKeySteps} in governance.ts), so it must
 * be passed in.
 */
export function appTokenStep(
    which: keyof typeof apps,
    permissions: Readonly<Record<string, "read" | "write">> = {},
    privateKey: string = which === "promote" ? `\${{ secrets.${apps.promote.privateKeySecret} }}` : "",
): Step {
    if (!privateKey)
        throw new TypeError(`the ${which} App's private key must be passed in (it is no GitHub secret)`);
    return {
        name: `Create ${which} App token`,
        id: "app-token",
        uses: actions.appToken,
        with: {
            "app-id": `\${{ vars.${apps[which].idVariable} }}`,
            "private-key": privateKey,
            // Without permission-* inputs the token gets everything the App may do; narrow it where we can.
            ...Object.fromEntries(Object.entries(permissions).map(([k, v]) => [`permission-${k}`, v])),
        },
    };
}

/** A GitHub expression: `${{ <text> }}`. */
export const expr = (text: string): string => `\${{ ${text} }}`;

/** Single-quoted string literal in a GitHub expression. */
export const lit = (text: string): string => `'${text.replace(/'/g, "''")}'`;
