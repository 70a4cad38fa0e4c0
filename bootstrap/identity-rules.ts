/**
 * Who may act as which CI service account, and with which roles: pure data, so tests and reviewers read the
 * whole trust policy in one place.
 */
import {
    ADMIN_ENVIRONMENT,
    ADMIN_KEY_SECRET_ID,
    GOVERNANCE_ACCOUNT_ID,
    GOVERNANCE_PROJECT,
    releaseBranch,
} from "../components/github/naming";

/** GitHub's OIDC issuer. */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
export const POOL_ID = "github-actions";
export const PROVIDER_ID = "github";

/** The workflow file whose jobs deploy (rendered by tools/workflows; `job_workflow_ref` names it). */
export const DEPLOY_WORKFLOW = ".github/workflows/deploy.yml";

/**
 * The channel a token may deploy, or `''`. Only a `push` or `workflow_dispatch` run of `deploy.yml` on
 * `refs/heads/releases/<channel>`, in the job environment named `<channel>` (whose reviewers and branch policy apply),
 * yields `<channel>`. Any other job on that branch, without the environment, from another workflow file or another
 * event gets no deployer. GitHub's OIDC claims (all strings): `event_name`, `ref`, `environment` (only present for a
 * job with an environment), `job_workflow_ref` (`<owner>/<repo>/<path>@<ref>`; the calling workflow's own file for
 * a job that uses no reusable workflow), see https://docs.github.com/en/actions/reference/security/oidc.
 */
export const DEPLOY_CHANNEL_MAPPING =
    "(assertion.event_name == 'push' || assertion.event_name == 'workflow_dispatch') && " +
    `has(assertion.environment) && assertion.ref == 'refs/heads/${releaseBranch("")}' + assertion.environment && ` +
    `assertion.job_workflow_ref == assertion.repository + '/${DEPLOY_WORKFLOW}@' + assertion.ref ` +
    "? assertion.environment : ''";

/** The workflow file that deploys a pull request's head to `<channel>` (rendered by tools/workflows/try.ts). */
export const tryWorkflow = (channel: string): string => `.github/workflows/try-in-${channel}.yml`;

/**
 * The channel a try may deploy, or `''`: only a `workflow_dispatch` run of `try-in-<channel>.yml` on
 * `refs/heads/releases/<channel>` (the reviewed definition on the protected branch; a dispatch runs the file of the
 * branch it is dispatched on), in the job environment `<channel>`, whose required reviewers approve each try and
 * whose branch policy admits only that branch. A principal of this attribute is bound to a deployer only for a
 * channel with `data-infra:github.tryPullRequests` (ci-identity.ts), so the same file on any other channel maps to
 * a channel nobody trusts.
 */
export const TRY_CHANNEL_MAPPING =
    "assertion.event_name == 'workflow_dispatch' && has(assertion.environment) && " +
    `assertion.ref == 'refs/heads/${releaseBranch("")}' + assertion.environment && ` +
    `assertion.job_workflow_ref == assertion.repository + '/${tryWorkflow("' + assertion.environment + '")}@' + assertion.ref ` +
    "? assertion.environment : ''";

/** The workflow file whose scheduled jobs look for drift (rendered by tools/workflows). */
export const DRIFT_WORKFLOW = ".github/workflows/drift.yml";

/**
 * `main` for a `schedule` or `workflow_dispatch` run of `drift.yml` from `refs/heads/main` (the default branch, where
 * schedules run), else `''`. Such a job may act as every channel's previewer (read-only `pulumi preview --refresh`).
 */
export const DRIFT_MAPPING =
    "(assertion.event_name == 'schedule' || assertion.event_name == 'workflow_dispatch') && " +
    "assertion.ref == 'refs/heads/main' && " +
    `assertion.job_workflow_ref == assertion.repository + '/${DRIFT_WORKFLOW}@refs/heads/main' ? 'main' : ''`;

/** The workflow file whose jobs apply the governance stacks (rendered by tools/workflows). */
export const GOVERNANCE_WORKFLOW = ".github/workflows/governance.yml";

/**
 * The ref of a `push` or `workflow_dispatch` run of `governance.yml` in the job environment `github-admin` (which
 * holds the admin App's key, has required reviewers and admits only the governing release branch), else `''`. The
 * governance principal then names the one ref it accepts, so neither another workflow, another environment nor
 * another branch yields the governance service account.
 */
export const GOVERNANCE_MAPPING =
    "(assertion.event_name == 'push' || assertion.event_name == 'workflow_dispatch') && " +
    `has(assertion.environment) && assertion.environment == '${ADMIN_ENVIRONMENT}' && ` +
    `assertion.job_workflow_ref == assertion.repository + '/${GOVERNANCE_WORKFLOW}@' + assertion.ref ` +
    "? assertion.ref : ''";

/**
 * How GitHub's token claims map to Google attributes. `pull_request_base` is the target branch only for
 * `pull_request` events (otherwise empty), so a preview principal cannot be produced by a push or any other event;
 * `deploy_channel` is {@link DEPLOY_CHANNEL_MAPPING}.
 */
export const ATTRIBUTE_MAPPING: Readonly<Record<string, string>> = {
    "google.subject": "assertion.sub",
    "attribute.repository": "assertion.repository",
    "attribute.repository_id": "assertion.repository_id",
    "attribute.repository_owner_id": "assertion.repository_owner_id",
    "attribute.ref": "assertion.ref",
    "attribute.event_name": "assertion.event_name",
    "attribute.pull_request_base": "assertion.event_name == 'pull_request' ? assertion.base_ref : ''",
    "attribute.deploy_channel": DEPLOY_CHANNEL_MAPPING,
    "attribute.drift": DRIFT_MAPPING,
    "attribute.try_channel": TRY_CHANNEL_MAPPING,
    "attribute.governance": GOVERNANCE_MAPPING,
};

/** The GitHub repository by its immutable numeric ids (`gh api repos/<owner>/<name> --jq '.id, .owner.id'`). */
export interface RepositoryIds {
    readonly repositoryId: string;
    readonly ownerId: string;
}

/**
 * Only this repository's tokens are accepted, named by its immutable ids: after a rename (or a deletion) whoever
 * creates a repository with the old name gets a new id, so the name is never trusted. `pull_request_target` runs
 * with the base branch's `ref` but can be started by a fork, so its tokens are refused outright.
 */
export function attributeCondition(ids: RepositoryIds): string {
    return (
        `assertion.repository_id == '${ids.repositoryId}' && ` +
        `assertion.repository_owner_id == '${ids.ownerId}' && ` +
        "assertion.event_name != 'pull_request_target'"
    );
}

export function poolName(projectNumber: string): string {
    return `projects/${projectNumber}/locations/global/workloadIdentityPools/${POOL_ID}`;
}

/** The provider's full name, as `google-github-actions/auth`'s `workload_identity_provider` wants it. */
export function providerName(projectNumber: string): string {
    return `${poolName(projectNumber)}/providers/${PROVIDER_ID}`;
}

/** Deploy jobs of `releases/<channel>` in environment `<channel>` (see {@link DEPLOY_CHANNEL_MAPPING}): the deployer. */
export function deployPrincipal(projectNumber: string, channel: string): string {
    return `principalSet://iam.googleapis.com/${poolName(projectNumber)}/attribute.deploy_channel/${channel}`;
}

/** Jobs of pull requests targeting `releases/<channel>`: the previewer. Fork pull requests get no OIDC token. */
export function previewPrincipal(projectNumber: string, channel: string): string {
    return `principalSet://iam.googleapis.com/${poolName(projectNumber)}/attribute.pull_request_base/${releaseBranch(channel)}`;
}

/** Try jobs of `try-in-<channel>.yml` (see {@link TRY_CHANNEL_MAPPING}): the deployer, for a channel that allows tries. */
export function tryPrincipal(projectNumber: string, channel: string): string {
    return `principalSet://iam.googleapis.com/${poolName(projectNumber)}/attribute.try_channel/${channel}`;
}

/** Scheduled drift jobs of `drift.yml` on `main` (see {@link DRIFT_MAPPING}): also a previewer of every channel. */
export function driftPrincipal(projectNumber: string): string {
    return `principalSet://iam.googleapis.com/${poolName(projectNumber)}/attribute.drift/main`;
}

/**
 * Governance jobs (see {@link GOVERNANCE_MAPPING}) on `refs/heads/<governingBranch>`: the governance service account,
 * which reaches only the governance stacks' state (never a channel's, never a cloud resource).
 */
export function governancePrincipal(projectNumber: string, governingBranch: string): string {
    return `principalSet://iam.googleapis.com/${poolName(projectNumber)}/attribute.governance/refs/heads/${governingBranch}`;
}

/** The governance service account's id, in the state project. */
export const GOVERNANCE_ACCOUNT = GOVERNANCE_ACCOUNT_ID;
/** Secrets key of the governance stacks (they hold no secret today; the CLI needs a provider all the same). */
export const GOVERNANCE_KEY = "governance";

/**
 * The name IAM conditions see for that secret: Secret Manager names a secret by the project's *number* in
 * `resource.name` (Google Cloud docs, Secret Manager "Access control with IAM", IAM Conditions).
 */
export const adminKeySecretResource = (projectNumber: string): string =>
    `projects/${projectNumber}/secrets/${ADMIN_KEY_SECRET_ID}`;

/**
 * The condition that keeps a project-wide `roles/secretmanager.secretAccessor` off one secret (and its versions,
 * `<secret>/versions/<n>`): the state project is also a channel's project, whose deployer and previewer read the
 * channel's secrets project-wide.
 */
export function withoutSecret(resource: string): Condition {
    return {
        title: "not-admin-app-key",
        expression: `!(resource.name == "${resource}" || resource.name.startsWith("${resource}/"))`,
    };
}

export const serviceAccountId = (kind: "deploy" | "preview", channel: string): string => `${kind}-${channel}`;
export const serviceAccountEmail = (kind: "deploy" | "preview", channel: string, project: string): string =>
    `${serviceAccountId(kind, channel)}@${project}.iam.gserviceaccount.com`;

/** An IAM condition, in the provider's shape. */
export interface Condition {
    readonly title: string;
    readonly expression: string;
}

/** One project-level role of a CI service account, with the reason it needs it. */
export interface Grant {
    readonly role: string;
    readonly why: string;
    readonly condition?: Condition;
}

export interface GrantOptions {
    readonly channel: string;
    /**
     * The service account the channel's Composer environment runs as. When named, the deployer may act as that
     * one only (a binding on it, see {@link composerActAsGrant}); otherwise Composer runs as the project's default
     * compute account, and actAs is granted on the project.
     */
    readonly composerServiceAccount?: string;
    /** The channel's region; Composer names its bucket `<region>-<environment>-<hash>-bucket`. */
    readonly region: string;
    /** Whether the channel's deploys push images to Artifact Registry in this project. */
    readonly buildsImages: boolean;
    /** A secret of this project the channel must not read ({@link adminKeySecretResource}). @default none */
    readonly withheldSecret?: string;
}

/** Project roles of a channel's deployer (`pulumi up` on `releases/<channel>`). */
export function deployGrants(o: GrantOptions): Grant[] {
    const grants: Grant[] = [
        { role: "roles/composer.admin", why: "creates and updates the channel's Composer environment" },
        {
            role: "roles/storage.objectAdmin",
            why: "the DAG sync writes and deletes objects in the Composer bucket, and only there",
            condition: {
                title: "composer-buckets",
                expression: `resource.name.startsWith("projects/_/buckets/${o.region}-")`,
            },
        },
        {
            role: "roles/container.developer",
            why: "Helm and kustomize releases create and update Kubernetes objects (no RBAC objects) in the GKE cluster",
        },
        {
            role: "roles/secretmanager.secretAccessor",
            why: "releases read the channel's secrets; this project holds only its channels' secrets (and, in the state project, the admin App's key, which the condition withholds)",
            ...(o.withheldSecret ? { condition: withoutSecret(o.withheldSecret) } : {}),
        },
    ];
    if (!o.composerServiceAccount) {
        grants.push({
            role: "roles/iam.serviceAccountUser",
            why: "Composer runs as the default compute account, and attaching it needs actAs on the project",
        });
    }
    if (o.buildsImages) {
        grants.push({
            role: "roles/artifactregistry.admin",
            // Writer cannot create repositories; the building stack owns its Artifact Registry repository.
            why: "creates the image repository the stack owns and pushes the images the channel builds",
        });
    }
    return grants;
}

/** actAs on the named Composer service account: creating or updating the environment attaches it. */
export const composerActAsGrant: Grant = {
    role: "roles/iam.serviceAccountUser",
    why: "creating or updating the Composer environment attaches its service account, which needs actAs on it",
};

/**
 * Project roles of a channel's previewer (pull requests to `releases/<channel>`): read-only, plus the secret
 * values the program reads while it plans (Kubernetes Secrets from Secret Manager).
 */
export function previewGrants(withheldSecret?: string): Grant[] {
    return [
        { role: "roles/viewer", why: "reads resource metadata for the diff; no object contents" },
        {
            role: "roles/container.viewer",
            why: "reads the GKE cluster and its objects for the Kubernetes diff",
        },
        {
            role: "roles/secretmanager.secretAccessor",
            why: "the program reads the releases' secret versions while it plans; they stay secret in the preview",
            ...(withheldSecret ? { condition: withoutSecret(withheldSecret) } : {}),
        },
    ];
}

/** The Pulumi project whose stacks the channels are (Pulumi.yaml `name`). */
export const PULUMI_PROJECT = "data-infra";

/**
 * The objects of one stack in the DIY (`gs://`) backend, as prefixes of object names. From pulumi
 * pkg/backend/diy/store.go (projectReferenceStore: StackBasePath, HistoryDir, BackupDir; the checkpoint is
 * `<base>.json`, `.json.gz` or `.json.zst`, and `.bak` copies of it, state.go backupTarget) and lock.go
 * (`stackLockDir`: `.pulumi/locks/<fully qualified name>`, which is `organization/<project>/<stack>`), identical at
 * v3.259.0 and v3.274.1, the releases either side of our pinned v3.270.0.
 */
export function stackObjectPrefixes(stack: string, project = PULUMI_PROJECT) {
    return {
        checkpoint: `.pulumi/stacks/${project}/${stack}.json`,
        history: `.pulumi/history/${project}/${stack}/`,
        backups: `.pulumi/backups/${project}/${stack}/`,
        locks: `.pulumi/locks/organization/${project}/${stack}/`,
    } as const;
}

/** The backend's own metadata object, read by every CLI run (pkg/backend/diy/meta.go `pulumiMetaPath`). */
export const BACKEND_META = ".pulumi/meta.yaml";

const objectsUnder = (bucket: string, prefixes: readonly string[]): string =>
    prefixes.map((p) => `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${p}")`).join(" || ");

/**
 * Roles on the shared state bucket, scoped per stack. Both kinds read their own stack and the upstream channel's
 * (a StackReference reads its checkpoint; its secrets stay encrypted with that channel's key), the backend's
 * metadata, and object names (listing is a bucket-level permission, which an object-name condition cannot scope).
 * The deployer writes only its own stack's checkpoint, history, backups and locks; the previewer only its stack's
 * locks. No channel can write (or read) another channel's state, nor the bootstrap state under `bootstrap/`.
 */
export function stateBucketGrants(
    kind: "deploy" | "preview",
    bucket: string,
    channel: string,
    promotedFrom: string,
): Grant[] {
    const own = stackObjectPrefixes(channel);
    const readable = [...Object.values(own), BACKEND_META];
    if (promotedFrom !== "main") readable.push(stackObjectPrefixes(promotedFrom).checkpoint);
    const writable = kind === "deploy" ? Object.values(own) : [own.locks];
    return [
        {
            role: "roles/storage.objectViewer",
            why:
                promotedFrom !== "main"
                    ? `lists object names; reads the ${channel} stack's state and the ${promotedFrom} stack's outputs`
                    : `lists object names; reads the ${channel} stack's state`,
            condition: {
                title: `state-read-${channel}`,
                expression: `resource.type == "storage.googleapis.com/Bucket" || ${objectsUnder(bucket, readable)}`,
            },
        },
        {
            role: "roles/storage.objectUser",
            why:
                kind === "deploy"
                    ? `writes the ${channel} stack's checkpoint, history, backups and locks, and nothing else`
                    : `a preview takes the ${channel} stack's lock; it may write nothing else`,
            condition: {
                title: kind === "deploy" ? `state-write-${channel}` : `state-lock-${channel}`,
                expression: objectsUnder(bucket, writable),
            },
        },
    ];
}

/**
 * Roles of the governance service account on the shared state bucket: every governance stack's checkpoint, history,
 * backups and locks (project {@link GOVERNANCE_PROJECT}), the backend's metadata and object names; nothing of a
 * channel's state or the bootstrap's.
 */
export function governanceStateGrants(bucket: string): Grant[] {
    const prefixes = [
        `.pulumi/stacks/${GOVERNANCE_PROJECT}/`,
        `.pulumi/history/${GOVERNANCE_PROJECT}/`,
        `.pulumi/backups/${GOVERNANCE_PROJECT}/`,
        `.pulumi/locks/organization/${GOVERNANCE_PROJECT}/`,
    ];
    return [
        {
            role: "roles/storage.objectViewer",
            why: "lists object names; reads the governance stacks' state",
            condition: {
                title: "state-read-governance",
                expression: `resource.type == "storage.googleapis.com/Bucket" || ${objectsUnder(bucket, [...prefixes, BACKEND_META])}`,
            },
        },
        {
            role: "roles/storage.objectUser",
            why: "writes the governance stacks' checkpoints, history, backups and locks, and nothing else",
            condition: { title: "state-write-governance", expression: objectsUnder(bucket, prefixes) },
        },
    ];
}

/** One role on one channel's secrets key. */
export interface KeyGrant extends Grant {
    /** Whose key. */
    readonly keyChannel: string;
}

/**
 * Roles on secrets keys: the deployer encrypts and decrypts its own channel's secrets, the previewer only decrypts
 * them; both may decrypt the upstream channel's (its stack outputs are read by StackReference). No channel can read
 * a downstream channel's secrets: test never decrypts prod's.
 */
export function keyGrants(kind: "deploy" | "preview", channel: string, promotedFrom: string): KeyGrant[] {
    const grants: KeyGrant[] = [
        kind === "deploy"
            ? {
                  keyChannel: channel,
                  role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                  why: "encrypts and decrypts the stack's secrets",
              }
            : {
                  keyChannel: channel,
                  role: "roles/cloudkms.cryptoKeyDecrypter",
                  why: "decrypts the stack's secret config to run the program",
              },
    ];
    if (promotedFrom !== "main") {
        grants.push({
            keyChannel: promotedFrom,
            role: "roles/cloudkms.cryptoKeyDecrypter",
            why: `reads the ${promotedFrom} stack's outputs (StackReference), which may hold secrets`,
        });
    }
    return grants;
}

/** The last path segment of a role, for child names: `roles/storage.objectAdmin` → `storage.objectAdmin`. */
export const roleKey = (role: string): string => role.replace(/^roles\//, "");
