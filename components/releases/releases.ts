import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { HelmReleaseConfig, ReleaseConfig } from "./types";
import { adoptionImportIds, type ReleasesAdoption } from "./adopt";
import { helmInputs, kustomizeDirectory, namespacesOf, plannedSecrets, validateReleases } from "./inputs";
import { secretArgs, secretPayload } from "./secrets";
import { isMap, mergeValues, parseValues, type Values } from "./values";
import { byCodeUnit } from "../../lib/order";
import { throwIfInvalid } from "../platform/resource-error";

/** A secret values file's payload as Helm reads it; errors name the secret, never the content. */
export function secretValuesLayer(secret: string, payload: string): Values {
    const parsed = parseValues(payload);
    if (parsed.problem !== undefined || parsed.values === undefined) {
        throw new Error(
            `Secret Manager secret ${secret} (secretValues): payload is not a YAML map of Helm values`,
        );
    }
    return parsed.values;
}

/** What the channel's releases need. */
export interface ReleasesArgs {
    /** The releases, in config order (config `releases`). */
    readonly releases: readonly ReleaseConfig[];
    /** Folder that chart, values and kustomize paths are relative to: the repository root. */
    readonly rootDir: string;
    /**
     * Pinned references (`<repo>/<name>@sha256:…`) of managed images, by image name; the values paths in a
     * release's `images` receive them.
     * @default no managed images: a release that references one fails validation
     */
    readonly imageRefs?: pulumi.Input<Record<string, string>>;
    /**
     * Names of the images this program manages (config `images`). Known at plan time, unlike their digests.
     * @default none
     */
    readonly managedImages?: readonly string[];
    /**
     * Live Namespaces, Secrets and Helm releases to take over on the first `up` (config `adopt`): each gets the
     * `import` resource option with the provider's id. See `adopt.ts` for why not `upsertExistingObjects`.
     * @default adopt nothing: every object is created
     */
    readonly adopt?: ReleasesAdoption;
    /**
     * Keep Secrets and Helm releases in the cluster when Pulumi deletes or replaces them (a removed release, a
     * provider replacement, a config slip): the deletion then has to be done by hand, deliberately.
     * @default false (test channels are cheap to rebuild)
     */
    readonly retainOnDelete?: boolean;
}

/**
 * The channel's Kubernetes workloads: one Namespace per namespace, Secrets copied from Secret Manager, Helm
 * releases (`helm.v3.Release`: hooks, `helm ls` history, adoptable live releases) and kustomize directories.
 * Needs the `kubernetes` and `gcp` providers (`providers` option).
 * @see https://www.pulumi.com/registry/packages/kubernetes/api-docs/helm/v3/release/
 */
export class Releases extends pulumi.ComponentResource {
    /** The component's type token: part of every child's URN, so never change it. */
    public static readonly TYPE = "data-infra:releases:Releases";

    /** Helm release name by release, e.g. `{ "postgresql-backup-metabase": "postgresql-backup" }`. */
    public readonly helmReleases: pulumi.Output<Record<string, string>>;
    /** The namespaces declared, sorted. */
    public readonly namespaces: string[];

    constructor(name: string, args: ReleasesArgs, opts?: pulumi.ComponentResourceOptions) {
        super(Releases.TYPE, name, {}, opts);
        const managedImages = args.managedImages ?? [];
        const retainOnDelete = args.retainOnDelete ?? false;
        const problems = validateReleases(args.releases, { rootDir: args.rootDir, managedImages });
        const imports = adoptionImportIds(args.releases, args.adopt ?? {}, problems);
        throwIfInvalid(problems, `Releases ${name}`, this);

        this.namespaces = namespacesOf(args.releases);
        const namespaces = new Map(
            this.namespaces.map((ns) => [
                ns,
                // Retained on delete: removing the last release from config must not delete what else lives there
                // (volumes, objects created by hand or by the legacy system).
                new k8s.core.v1.Namespace(
                    `${name}-namespace-${ns}`,
                    { metadata: { name: ns } },
                    { parent: this, retainOnDelete: true, import: imports.namespaces.get(ns) },
                ),
            ]),
        );

        const secretsOf = new Map<string, k8s.core.v1.Secret[]>();
        for (const s of plannedSecrets(args.releases)) {
            const payload = secretPayload(s.ref, { parent: this });
            const secret = new k8s.core.v1.Secret(
                `${name}-secret-${s.key}`,
                secretArgs(s.ref, payload, s.namespace),
                {
                    parent: this,
                    dependsOn: s.namespace ? [namespaces.get(s.namespace)!] : [],
                    import: imports.secrets.get(s.key),
                    retainOnDelete,
                },
            );
            for (const r of s.releases) secretsOf.set(r, [...(secretsOf.get(r) ?? []), secret]);
        }

        const helmNames: Record<string, string> = {};
        const declared = new Map<string, pulumi.Resource>();
        for (const r of args.releases) {
            const dependsOn = [
                ...r.dependsOn.map((d) => declared.get(d)!),
                ...(r.namespace ? [namespaces.get(r.namespace)!] : []),
                ...(secretsOf.get(r.name) ?? []),
            ];
            if (r.driver === "kustomize") {
                const dir = new k8s.kustomize.v2.Directory(
                    `${name}-${r.name}`,
                    { directory: kustomizeDirectory(r.kustomizeDir, args.rootDir), namespace: r.namespace },
                    { parent: this, dependsOn },
                );
                declared.set(r.name, dir);
                continue;
            }
            helmNames[r.name] = r.helmName;
            const secretLayers = (r.secretValues ?? []).map((id) =>
                secretPayload({ secret: id, format: "map" }, { parent: this }).apply((p) =>
                    secretValuesLayer(id, p),
                ),
            );
            const release = new k8s.helm.v3.Release(
                `${name}-${r.name}`,
                helmReleaseArgs(r, args.rootDir, args.imageRefs, secretLayers),
                { parent: this, dependsOn, import: imports.releases.get(r.name), retainOnDelete },
            );
            declared.set(r.name, release);
        }
        this.helmReleases = pulumi.output(helmNames);
        this.registerOutputs({ helmReleases: this.helmReleases, namespaces: this.namespaces });
    }
}

/** The Release's args: explicit Helm name (no random suffix), values files in order, inline values on top. */
export function helmReleaseArgs(
    r: HelmReleaseConfig,
    rootDir: string,
    imageRefs: pulumi.Input<Record<string, string>> = {},
    secretLayers: ReadonlyArray<pulumi.Input<Values>> = [],
): k8s.helm.v3.ReleaseArgs {
    const inputs = helmInputs(r, rootDir);
    const refs = pulumi.output(imageRefs);
    let values: Values = inputs.values;
    for (const [valuesPath, image] of Object.entries(r.images).sort(([a], [b]) => byCodeUnit(a, b))) {
        values = withValue(
            values,
            valuesPath,
            refs.apply((all) => {
                if (all[image] === undefined)
                    throw new Error(`release ${r.name}: no digest for image ${image}`);
                return all[image];
            }),
        );
    }
    // Secret values files come after the repository's values files (as `helm --values` took them) and under the
    // inline values; the merged map stays a Pulumi secret.
    const merged: pulumi.Input<Values> = secretLayers.length
        ? pulumi.secret(
              pulumi
                  .all([pulumi.all([...secretLayers]), pulumi.output(values)])
                  .apply(
                      ([layers, inline]) =>
                          mergeValues([
                              ...layers.map((l, i) => ({ label: `secretValues[${i}]`, values: l })),
                              { label: "inline values", values: inline as Values },
                          ]).values,
                  ),
          )
        : values;
    return {
        name: r.helmName,
        namespace: r.namespace,
        chart: inputs.chart,
        version: inputs.version,
        dependencyUpdate: inputs.dependencyUpdate,
        repositoryOpts: inputs.repo ? { repo: inputs.repo } : undefined,
        valueYamlFiles: inputs.valuesFiles.map((f) => new pulumi.asset.FileAsset(f)),
        values: merged,
        atomic: r.atomic,
        cleanupOnFail: r.cleanupOnFail,
        timeout: r.timeoutSeconds,
        // The Namespace resource owns the namespace; Helm creating it too would leave it unmanaged.
        createNamespace: false,
    };
}

/** A copy of `values` with `a.b.c` set to `value`, creating maps on the way. */
function withValue(values: Values, dotPath: string, value: unknown): Values {
    const [head, ...rest] = dotPath.split(".");
    const child = values[head];
    return {
        ...values,
        [head]: rest.length ? withValue(isMap(child) ? child : {}, rest.join("."), value) : value,
    };
}
