/** What the Releases component deploys: its domain types (`data-infra:releases` resolves to these). */

/** Where a Kubernetes Secret's data comes from: one Secret Manager secret, read at deploy time. */
export interface SecretRef {
    /** Secret Manager secret id, in the gcp provider's project. */
    readonly secret: string;
    /** Secret Manager version to read; `latest` when omitted. */
    readonly version?: string;
    /**
     * How the payload is read: `manifest` = a whole Kubernetes Secret manifest in YAML (the legacy form: its
     * `metadata.name`, `type`, `data`, `stringData` are used); `map` = a JSON/YAML map of keys; `value` = the value
     * of the single key `key`.
     */
    readonly format: "manifest" | "map" | "value";
    /** Kubernetes Secret name. Required for `map`/`value`; for `manifest` it replaces the payload's name. */
    readonly name?: string;
    /** Kubernetes Secret type for `map`/`value` (default `Opaque`). */
    readonly type?: string;
    /** The data key the payload is stored under (`value` format only). */
    readonly key?: string;
    /** Namespace of the Secret; defaults to the release namespace. */
    readonly namespace?: string;
}

interface ReleaseBase {
    /** Unique logical id of the release; keys its Pulumi resources, so never rename it. */
    readonly name: string;
    /** Kubernetes Secrets created before the release, from Secret Manager. */
    readonly secrets: readonly SecretRef[];
    /** Earlier releases that must be deployed first (e.g. a chart that installs CRDs). */
    readonly dependsOn: readonly string[];
}

/** A Helm release (`helm upgrade --install`) of a local or remote chart. */
export interface HelmReleaseConfig extends ReleaseBase {
    readonly driver: "helm";
    readonly namespace: string;
    /** The Helm release name (`helm ls`); several namespaces may use the same one. */
    readonly helmName: string;
    /** Local chart folder (repository-relative) or, with `repo`, a chart name in that repository. */
    readonly chart: string;
    /** Helm repository URL of a remote chart. */
    readonly repo?: string;
    /** Exact chart version; required for remote charts. */
    readonly version?: string;
    /** Repository-relative values files, applied in order (later wins). */
    readonly valuesFiles: readonly string[];
    /** Inline values; win over every values file. */
    readonly values: Readonly<Record<string, unknown>>;
    /**
     * Secret Manager secrets whose payloads are values files (the legacy `secret_helm_values`): merged after the
     * values files and under inline values, as a Pulumi secret, so they never reach state or the plan in clear.
     */
    readonly secretValues?: readonly string[];
    /** Values paths (`image`, `backup.image`) that receive the pinned digest of a managed image, by image name. */
    readonly images: Readonly<Record<string, string>>;
    readonly atomic: boolean;
    readonly cleanupOnFail: boolean;
    readonly timeoutSeconds: number;
}

/** A kustomize directory (`kubectl apply -k`). */
export interface KustomizeReleaseConfig extends ReleaseBase {
    readonly driver: "kustomize";
    /** Default namespace for objects the overlay leaves without one; the overlay decides when omitted. */
    readonly namespace?: string;
    /** Repository-relative kustomization folder. */
    readonly kustomizeDir: string;
}

export type ReleaseConfig = HelmReleaseConfig | KustomizeReleaseConfig;
