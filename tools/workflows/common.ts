/**
 * Building blocks of the rendered workflows. The names they share with the GitHub governance component (branches,
 * check names, variables) live in `components/github/naming.ts`.
 */
import { DEFAULT_BRANCH, releaseBranch } from "../../components/github/naming";

/** One release channel as the workflows see it: a stack deployed from `releases/<name>`. */
export interface ChannelSpec {
    /** Stack name, e.g. `test`. */
    readonly name: string;
    /** Where its releases come from: `main`, or the channel it is promoted from (e.g. prod ← test). */
    readonly promotedFrom: string;
    /** Whether its stack owns the protection of `main`; exactly one channel does. */
    readonly managesDefaultBranch: boolean;
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
} as const;

/**
 * The GitHub App whose installation token opens promotion pull requests and manages repository settings.
 * Pull requests opened with the default `GITHUB_TOKEN` trigger no workflows, so their required checks would
 * never run.
 */
export const app = {
    idVariable: "DATA_INFRA_APP_ID",
    privateKeySecret: "DATA_INFRA_APP_PRIVATE_KEY",
} as const;

/** Name of the artifact that carries the plan markdown from `plan-pr` to `plan-comment`. */
export const PLAN_ARTIFACT = "plan-markdown";

/**
 * Third-party actions, pinned to a major version. Full commit SHAs were not pinned because they could not be
 * verified offline; Dependabot/Renovate can move these to SHAs.
 */
export const actions = {
    checkout: "actions/checkout@v4",
    setupNode: "actions/setup-node@v4",
    uploadArtifact: "actions/upload-artifact@v4",
    downloadArtifact: "actions/download-artifact@v4",
    githubScript: "actions/github-script@v7",
    appToken: "actions/create-github-app-token@v1",
    gcpAuth: "google-github-actions/auth@v2",
    setupGcloud: "google-github-actions/setup-gcloud@v2",
    pulumi: "pulumi/actions@v6",
} as const;

/** Node.js major used in CI (package.json `engines` requires >= 20.19). */
export const NODE_VERSION = "20";

/** Minutes before GitHub kills a job. Deploys cover Composer updates, which take up to ~1 h each. */
export const timeoutMinutes = {
    test: 20,
    plan: 20,
    preview: 30,
    deploy: 180,
    promote: 15,
    comment: 10,
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
    environment?: string;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    env?: Record<string, string>;
    outputs?: Record<string, string>;
    steps: Step[];
}

export interface Workflow {
    name: string;
    on: Record<string, unknown>;
    /** Workflow-level default: nothing. Every job declares exactly what it needs. */
    permissions: Record<string, Permission>;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    jobs: Record<string, Job>;
}

export const RUNNER = "ubuntu-24.04";

/** Checkout, Node.js with the npm cache, `npm ci`: how every job that runs repository code starts. */
export function setupSteps(checkout: Record<string, string | number | boolean> = {}): Step[] {
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
            with: { "node-version": NODE_VERSION, cache: "npm" },
        },
        { name: "Install dependencies", run: "npm ci --no-audit --no-fund" },
    ];
}

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

/** An installation token of the data-infra GitHub App, as step `app-token`. */
export function appTokenStep(permissions: Readonly<Record<string, "read" | "write">> = {}): Step {
    return {
        name: "Create GitHub App token",
        id: "app-token",
        uses: actions.appToken,
        with: {
            "app-id": `\${{ vars.${app.idVariable} }}`,
            "private-key": `\${{ secrets.${app.privateKeySecret} }}`,
            // Without permission-* inputs the token gets everything the App may do; narrow it where we can.
            ...Object.fromEntries(Object.entries(permissions).map(([k, v]) => [`permission-${k}`, v])),
        },
    };
}

/** A GitHub expression: `${{ <text> }}`. */
export const expr = (text: string): string => `\${{ ${text} }}`;

/** Single-quoted string literal in a GitHub expression. */
export const lit = (text: string): string => `'${text.replace(/'/g, "''")}'`;
