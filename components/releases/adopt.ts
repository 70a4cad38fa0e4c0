/**
 * Adoption of live cluster objects: which Namespaces, Secrets and Helm releases get the `import` resource option,
 * and with which id. Pure; the Releases component sets the options.
 *
 * Why `import` and not the provider's `upsertExistingObjects`: since pulumi-kubernetes 4.29.0 a create of an
 * existing object fails with AlreadyExists, and upsert would restore it for every object of the provider, with the
 * CHANGELOG's caveat: a rename without aliases plans a create (which silently takes over the object) and then a
 * delete of the old resource, which deletes the object. `import` names each object, works on a fresh stack (the
 * parent is declared in the same program), and does nothing once the object is in state (the engine imports only
 * when the state has no resource or another id: `isImport` in pulumi pkg/resource/deploy/step_generator.go).
 * Helm releases need it in any case: `helm install` over a live release fails ("cannot re-use a name that is still
 * in use").
 */
import type { Problems } from "../../lib/problems";
import type { ReleaseConfig } from "./types";
import { namespacesOf, plannedSecrets } from "./inputs";

/** What to adopt (config `adopt`). */
export interface ReleasesAdoption {
    /** Namespace names. */
    readonly namespaces?: readonly string[];
    /** Secrets as `<namespace>/<name>`. */
    readonly secrets?: readonly string[];
    /** Helm releases by release name. */
    readonly releases?: readonly string[];
}

/** Import ids in the kubernetes provider's formats, by what the component keys its resources on. */
export interface ImportIds {
    /** Namespace name → `<name>` (cluster-scoped objects are imported by name). */
    readonly namespaces: ReadonlyMap<string, string>;
    /** Planned Secret key → `<namespace>/<name>`. */
    readonly secrets: ReadonlyMap<string, string>;
    /** Release name → `<namespace>/<Helm release name>` (`pulumi import kubernetes:helm.sh/v3:Release`). */
    readonly releases: ReadonlyMap<string, string>;
}

/** `adopt.<kind>[i]`: where an entry is, in the arg's (and config key's) own terms. */
const at = (kind: string, i: number) => `adopt.${kind}[${i}]`;

/** The import ids for `adopt`; every entry that names nothing this stack declares is a problem. */
export function adoptionImportIds(
    releases: readonly ReleaseConfig[],
    adopt: ReleasesAdoption,
    problems: Problems,
): ImportIds {
    const namespaces = new Map<string, string>();
    const declaredNamespaces = namespacesOf(releases);
    (adopt.namespaces ?? []).forEach((ns, i) => {
        if (declaredNamespaces.includes(ns)) namespaces.set(ns, ns);
        else
            problems.add(
                at("namespaces", i),
                `not a namespace this stack declares (declared: ${declaredNamespaces.join(", ") || "none"})`,
                ns,
            );
    });

    const secrets = new Map<string, string>();
    const declaredSecrets = plannedSecrets(releases)
        .filter((s) => s.namespace !== undefined)
        .map((s) => s.key);
    (adopt.secrets ?? []).forEach((id, i) => {
        if (declaredSecrets.includes(id)) secrets.set(id, id);
        else
            problems.add(
                at("secrets", i),
                `not a Secret this stack declares, as <namespace>/<name> (declared: ${declaredSecrets.join(", ") || "none"})`,
                id,
            );
    });

    const ids = new Map<string, string>();
    const byName = new Map(releases.map((r) => [r.name, r]));
    (adopt.releases ?? []).forEach((name, i) => {
        const r = byName.get(name);
        if (r?.driver === "helm") ids.set(name, `${r.namespace}/${r.helmName}`);
        else
            problems.add(
                at("releases", i),
                r
                    ? "is a kustomize release: only Helm releases are adopted (kustomize objects are applied one by one)"
                    : `not a release of data-infra:releases (helm releases: ${releases
                          .filter((x) => x.driver === "helm")
                          .map((x) => x.name)
                          .join(", ")})`,
                name,
            );
    });
    return { namespaces, secrets, releases: ids };
}
