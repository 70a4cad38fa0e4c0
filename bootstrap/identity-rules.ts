/**
 * Who may act as which CI service account, and with which roles: pure data, so tests and reviewers read the
 * whole trust policy in one place.
 */
import { releaseBranch } from "../components/github/naming";

/** GitHub's OIDC issuer. */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
export const POOL_ID = "github-actions";
export const PROVIDER_ID = "github";

/**
 * How GitHub's token claims map to Google attributes. `pull_request_base` is the target branch only for
 * `pull_request` events (otherwise empty), so a preview principal cannot be produced by a push or any other event.
 */
export const ATTRIBUTE_MAPPING: Readonly<Record<string, string>> = {
    "google.subject": "assertion.sub",
    "attribute.repository": "assertion.repository",
    "attribute.ref": "assertion.ref",
    "attribute.event_name": "assertion.event_name",
    "attribute.pull_request_base": "assertion.event_name == 'pull_request' ? assertion.base_ref : ''",
};

/**
 * Only this repository's tokens are accepted. `pull_request_target` runs with the base branch's `ref` but can be
 * started by a fork, so its tokens are refused outright.
 */
export function attributeCondition(repository: string): string {
    return `assertion.repository == '${repository}' && assertion.event_name != 'pull_request_target'`;
}

export function poolName(projectNumber: string): string {
    return `projects/${projectNumber}/locations/global/workloadIdentityPools/${POOL_ID}`;
}

/** The provider's full name, as `google-github-actions/auth`'s `workload_identity_provider` wants it. */
export function providerName(projectNumber: string): string {
    return `${poolName(projectNumber)}/providers/${PROVIDER_ID}`;
}

/** Every job running on `releases/<channel>` (pushes and manual runs of that branch): the deployer. */
export function deployPrincipal(projectNumber: string, channel: string): string {
    return `principalSet://iam.googleapis.com/${poolName(projectNumber)}/attribute.ref/refs/heads/${releaseBranch(channel)}`;
}

/** Jobs of pull requests targeting `releases/<channel>`: the previewer. Fork pull requests get no OIDC token. */
export function previewPrincipal(projectNumber: string, channel: string): string {
    return `principalSet://iam.googleapis.com/${poolName(projectNumber)}/attribute.pull_request_base/${releaseBranch(channel)}`;
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
            why: "releases read the channel's secrets; this project holds only its channels' secrets",
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
export function previewGrants(): Grant[] {
    return [
        { role: "roles/viewer", why: "reads resource metadata for the diff; no object contents" },
        {
            role: "roles/container.viewer",
            why: "reads the GKE cluster and its objects for the Kubernetes diff",
        },
        {
            role: "roles/secretmanager.secretAccessor",
            why: "the program reads the releases' secret versions while it plans; they stay secret in the preview",
        },
    ];
}

/**
 * Roles on the shared state bucket. Both read every stack (a channel reads its upstream's outputs through a
 * StackReference; secrets in them stay encrypted with that channel's key). The deployer writes only channel state
 * (`.pulumi/`, never the bootstrap state under `bootstrap/`); the previewer writes only the stack lock.
 */
export function stateBucketGrants(kind: "deploy" | "preview", bucket: string): Grant[] {
    const prefix = kind === "deploy" ? ".pulumi/" : ".pulumi/locks/";
    return [
        { role: "roles/storage.objectViewer", why: "reads stack state, history and other channels' outputs" },
        {
            role: "roles/storage.objectUser",
            why:
                kind === "deploy"
                    ? "writes the channel stacks' state, history and locks, not the bootstrap state"
                    : "a preview takes the stack lock; it may write nothing else",
            condition: {
                title: kind === "deploy" ? "channel-state" : "pulumi-locks",
                expression: `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${prefix}")`,
            },
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
