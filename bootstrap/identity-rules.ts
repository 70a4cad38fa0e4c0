/**
 * Who may act as which CI service account, and with which roles: pure data, so tests and reviewers read the
 * whole trust policy in one place.
 */

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
    return `principalSet://iam.googleapis.com/${poolName(projectNumber)}/attribute.ref/refs/heads/releases/${channel}`;
}

/** Jobs of pull requests targeting `releases/<channel>`: the previewer. Fork pull requests get no OIDC token. */
export function previewPrincipal(projectNumber: string, channel: string): string {
    return `principalSet://iam.googleapis.com/${poolName(projectNumber)}/attribute.pull_request_base/releases/${channel}`;
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
            role: "roles/iam.serviceAccountUser",
            why: "Composer runs as a service account, and attaching it to the environment needs actAs on it",
        },
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
            why: "Helm and kustomize releases create and update Kubernetes objects in the channel's GKE cluster",
        },
        {
            role: "roles/secretmanager.secretAccessor",
            why: "releases read the channel's secrets; this project holds only its channels' secrets",
        },
    ];
    if (o.buildsImages) {
        grants.push({ role: "roles/artifactregistry.writer", why: "pushes the images the channel builds" });
    }
    return grants;
}

/** Project roles of a channel's previewer (pull requests to `releases/<channel>`): read-only. */
export function previewGrants(): Grant[] {
    return [
        {
            role: "roles/viewer",
            why: "reads resource metadata for the diff; no object contents and no secret payloads",
        },
        {
            role: "roles/container.viewer",
            why: "reads the GKE cluster and its objects for the Kubernetes diff",
        },
    ];
}

/** Roles on the state bucket: the deployer writes state; the previewer reads it and only takes the stack lock. */
export function stateBucketGrants(kind: "deploy" | "preview", bucket: string): Grant[] {
    if (kind === "deploy") {
        return [
            {
                role: "roles/storage.objectAdmin",
                why: "reads and writes the stack's state, history and locks",
            },
        ];
    }
    return [
        { role: "roles/storage.objectViewer", why: "reads the stack's state" },
        {
            role: "roles/storage.objectUser",
            why: "a preview takes the stack lock; it may write nothing else",
            condition: {
                title: "pulumi-locks",
                expression: `resource.name.startsWith("projects/_/buckets/${bucket}/objects/.pulumi/locks/")`,
            },
        },
    ];
}

/** Role on the secrets key: the deployer encrypts new secrets, the previewer only decrypts config. */
export function keyGrant(kind: "deploy" | "preview"): Grant {
    return kind === "deploy"
        ? {
              role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
              why: "encrypts and decrypts the stack's secrets",
          }
        : {
              role: "roles/cloudkms.cryptoKeyDecrypter",
              why: "decrypts the stack's secret config to run the program",
          };
}

/** The last path segment of a role, for child names: `roles/storage.objectAdmin` → `storage.objectAdmin`. */
export const roleKey = (role: string): string => role.replace(/^roles\//, "");
