/**
 * Per resource type we declare: the inputs whose change makes the provider replace the resource (delete + create,
 * or create + delete), read from the providers' sources at the versions package.json pins, and which types hold
 * state a replacement destroys. The review tiers a change by this table; keep every entry's source next to it.
 *
 * Sources (file:line at the commits read, 2026):
 * - GCP: hashicorp/terraform-provider-google e03b762 (generated from magic-modules
 *   `mmv1/third_party/terraform/services/composer/resource_composer_environment.go.tmpl`), under
 *   `google/services/`.
 * - Kubernetes: pulumi/pulumi-kubernetes 9497796, `provider/pkg/provider/`.
 * - GitHub: integrations/terraform-provider-github b6ce8c0 (@pulumi/github 6.15 bridges a provider with
 *   `repository_id`, i.e. ≥ v6.11), `github/`.
 */

/** One input path (dotted, plan-document form) whose change replaces the resource. */
export interface ForceNewInput {
    readonly path: string;
    /** `file:line` of the upstream rule. */
    readonly source: string;
    /**
     * Set when the provider decides at preview whether the change replaces (it asks the cloud); says on what.
     * The review still reports the replacement, with this condition in words.
     */
    readonly unless?: string;
}

const COMPOSER_SRC = "terraform-provider-google google/services/composer/resource_composer_environment.go";
const K8S_IDENTITY =
    "pulumi-kubernetes provider/pkg/provider/provider.go:1559-1560 (.metadata.name/.namespace)";
const GH_RENAME =
    "GitHub resolves the new name to the same repository id (a rename): diffRepository in terraform-provider-github github/util_diff.go:20-77 asks the API at preview";
const ghRepository = (file: string): ForceNewInput => ({
    path: "repository",
    source: `terraform-provider-github github/util_diff.go:67-74 (CustomizeDiff of ${file})`,
    unless: GH_RENAME,
});

/** Replace-forcing inputs by resource type token. */
export const FORCE_NEW: Readonly<Record<string, readonly ForceNewInput[]>> = {
    "gcp:composer/environment:Environment": [
        { path: "name", source: `${COMPOSER_SRC}:188-191` },
        { path: "region", source: `${COMPOSER_SRC}:195-199` },
        { path: "project", source: `${COMPOSER_SRC}:202-206` },
        ...[
            ["zone", "234-238"],
            ["machineType", "242-246"],
            ["diskSizeGb", "273-277"],
            ["oauthScopes", "280-284"],
            ["serviceAccount", "291-295"],
            ["enableIpMasqAgent", "300-304"],
            ["tags", "308-311"],
            ["ipAllocationPolicy", "318-322"],
        ].map(([key, lines]) => ({ path: `config.nodeConfig.${key}`, source: `${COMPOSER_SRC}:${lines}` })),
        { path: "config.privateEnvironmentConfig", source: `${COMPOSER_SRC}:509-515` },
        { path: "config.encryptionConfig.kmsKeyName", source: `${COMPOSER_SRC}:672-675` },
        { path: "storageConfig.bucket", source: `${COMPOSER_SRC}:1075-1078` },
    ],
    "gcp:storage/bucket:Bucket": ["name:132", "location:193", "project:203"].map((e) => {
        const [path, line] = e.split(":");
        return {
            path,
            source: `terraform-provider-google google/services/storage/resource_storage_bucket.go:${line}`,
        };
    }),
    "gcp:storage/bucketObject:BucketObject": [
        ...["bucket:64", "name:71", "source:198"].map((e) => {
            const [path, line] = e.split(":");
            return {
                path,
                source: `terraform-provider-google google/services/storage/resource_storage_bucket_object.go:${line}`,
            };
        }),
    ],
    "kubernetes:core/v1:Namespace": [{ path: "metadata.name", source: K8S_IDENTITY }],
    "kubernetes:core/v1:Secret": [
        { path: "metadata.name", source: K8S_IDENTITY },
        { path: "metadata.namespace", source: K8S_IDENTITY },
        // Secrets are immutable unless the provider enables mutable secrets, which ours does not.
        ...["type", "data", "stringData"].map((path) => ({
            path,
            source: "pulumi-kubernetes provider/pkg/provider/diff.go:28-29",
        })),
    ],
    "kubernetes:helm.sh/v3:Release": ["name", "namespace"].map((path) => ({
        path,
        source: "pulumi-kubernetes provider/pkg/provider/helm_release.go:907 (forceNewFields)",
    })),
    "github:index/branchProtection:BranchProtection": [
        {
            path: "repositoryId",
            source: "terraform-provider-github github/resource_github_branch_protection.go:20-23",
        },
    ],
    "github:index/repositoryEnvironment:RepositoryEnvironment": [
        ghRepository("resource_github_repository_environment.go:111"),
        {
            path: "environment",
            source: "terraform-provider-github github/resource_github_repository_environment.go:40-43",
        },
    ],
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy": [
        ghRepository("resource_github_repository_environment_deployment_policy.go"),
        {
            path: "environment",
            source: "terraform-provider-github github/resource_github_repository_environment_deployment_policy.go:41-45",
        },
        {
            path: "branchPattern",
            source: "terraform-provider-github github/resource_github_repository_environment_deployment_policy.go:91",
        },
    ],
    "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": [
        ghRepository("resource_github_actions_environment_variable.go:25"),
        {
            path: "environment",
            source: "terraform-provider-github github/resource_github_actions_environment_variable.go:49-52",
        },
        {
            path: "variableName",
            source: "terraform-provider-github github/resource_github_actions_environment_variable.go:55-58",
        },
    ],
    "github:index/actionsVariable:ActionsVariable": [
        ghRepository("resource_github_actions_variable.go:24"),
        {
            path: "variableName",
            source: "terraform-provider-github github/resource_github_actions_variable.go:48-51",
        },
    ],
};

/**
 * Types whose replacement or deletion destroys what people rely on, with what is lost, in words: a replacement of
 * one of these is critical.
 */
export const STATEFUL: Readonly<Record<string, string>> = {
    "gcp:composer/environment:Environment":
        "the Airflow metadata database, variables, connections and run history",
    "gcp:storage/bucket:Bucket": "every object in the bucket",
    "kubernetes:core/v1:Namespace": "everything in the namespace",
    "kubernetes:helm.sh/v3:Release":
        "the live release: `helm uninstall` deletes its objects (and volumes the chart owns), then installs again",
    "github:index/repositoryEnvironment:RepositoryEnvironment":
        "the environment's reviewers, branch policies and variables (deployments wait on no one meanwhile)",
    "github:index/branchProtection:BranchProtection":
        "the branch protection, deleted before it is re-created (the branch is unprotected meanwhile)",
};
