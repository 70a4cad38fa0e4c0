/**
 * The plan document's vocabulary, in one place: the markers for secret and computed values, the resource type
 * tokens, dotted-path access to plan-form values, the document and diff types, the inputs whose change replaces a
 * resource, chart references and the content-hash key. The plan builder, the review, the promotion check and the
 * policy rules all read plan documents through this module; it depends on nothing of theirs.
 *
 * Plan form: inputs with secrets as `[secret]`, values only the cloud knows as `(computed)`.
 */

import type { RecordedOptions, RecordedResource } from "../runtime/recorder";
import { FORCE_NEW, type ForceNewInput } from "./force-new";

// ---- Markers -------------------------------------------------------------------------------------------------

/** How the plan document renders a secret value. */
export const SECRET = "[secret]";
/** How the plan document renders a value only the cloud knows. */
export const COMPUTED = "(computed)";
/** The "fingerprint" of a secret whose value is not known offline. */
export const COMPUTED_FINGERPRINT = COMPUTED;

// ---- Type tokens ---------------------------------------------------------------------------------------------

/** Resource type tokens the review and the policy know about; one name each. */
export const TYPES = {
    composer: "gcp:composer/environment:Environment",
    bucket: "gcp:storage/bucket:Bucket",
    bucketObject: "gcp:storage/bucketObject:BucketObject",
    /** One managed prefix of the DAG sync (providers/gcs-manifest): `files` maps object names to entries. */
    prefixManifest: "gcsmanifest:index:PrefixManifest",
    release: "kubernetes:helm.sh/v3:Release",
    kustomize: "kubernetes:kustomize/v2:Directory",
    dockerImage: "docker:index/image:Image",
    namespace: "kubernetes:core/v1:Namespace",
    k8sSecret: "kubernetes:core/v1:Secret",
    branchProtection: "github:index/branchProtection:BranchProtection",
    environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
    stack: "pulumi:pulumi:Stack",
} as const;

// ---- Path access ---------------------------------------------------------------------------------------------

/** The value at a dotted path (`config.softwareConfig.pypiPackages`, `reviewers.0.users`); arrays index by number. */
export function valueAt(value: unknown, path: string): unknown {
    let v = value;
    for (const key of path.split(".")) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<string, unknown>)[key];
    }
    return v;
}

/**
 * Every leaf of a value with its path in the plan document's syntax (`a.b[0].c`, as its `secrets` map uses) and
 * the object key it sits under; objects' keys sorted. A secret is a leaf (`[secret]`).
 */
export function leaves(value: unknown, base = ""): Array<[path: string, key: string, value: unknown]> {
    const out: Array<[string, string, unknown]> = [];
    const walk = (v: unknown, p: string, key: string) => {
        if (Array.isArray(v)) v.forEach((e, i) => walk(e, `${p}[${i}]`, key));
        else if (v !== null && typeof v === "object")
            for (const k of Object.keys(v).sort())
                walk((v as Record<string, unknown>)[k], p ? `${p}.${k}` : k, k);
        else out.push([p, key, v]);
    };
    walk(value, base, base.split(".").pop() ?? "");
    return out;
}

/** A value's leaves by path. */
export function flatten(value: unknown): Map<string, unknown> {
    return new Map(leaves(value).map(([p, , v]) => [p, v]));
}

/** Whether `path` is `prefix` or lies below it (`a.b`, `a.b.c`, `a.b[0]` are all under `a.b`). */
export const isUnder = (path: string, prefix: string): boolean =>
    path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

// ---- Document types ------------------------------------------------------------------------------------------

/**
 * One resource of the plan document: what the recorder saw, with inputs rendered for people and JSON (secrets as
 * `[secret]`, unknowns as `(computed)`, file assets as `{asset, path, sha256}`).
 */
export interface PlanResource extends Omit<RecordedResource, "inputs" | "read"> {
    readonly inputs: Record<string, unknown>;
    /** Keyed fingerprints of secret inputs by dotted path; only when a fingerprint key was given. */
    readonly secrets?: Record<string, string>;
}

/**
 * The offline plan of one stack: the contract CI jobs and reviewers build on. Extend it; never rename or
 * remove a field.
 */
export interface PlanDocument {
    readonly project: string;
    readonly stack: string;
    /** Says what this is: the desired state under the mock runtime, not a diff against the cloud. */
    readonly note: string;
    readonly resources: readonly PlanResource[];
    /** The stack's exported outputs, rendered like inputs. */
    readonly outputs: Record<string, unknown>;
}

/**
 * One resource of a plan document (the fields the diff reads). Only these are named, so the diff accepts any plan
 * document of the CLI contract (`npm run plan -- --format json`).
 */
export interface DiffableResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    /** `false` for components, which carry no inputs (their children carry the change). */
    readonly custom?: boolean;
    readonly inputs: Record<string, unknown>;
    readonly options?: RecordedOptions;
    /** Keyed fingerprints of secret inputs by dotted input path (`a.b[0].c`). */
    readonly secrets?: Record<string, string>;
    /** URN of the explicit provider (custom resources); a change of its inputs cascades to this resource. */
    readonly provider?: string | null;
}

/** A plan document (the fields the diff reads). */
export interface DiffableDocument {
    readonly project: string;
    readonly stack: string;
    readonly resources: readonly DiffableResource[];
    /** The stack's exported outputs, rendered like inputs (absent in documents that carry none). */
    readonly outputs?: Record<string, unknown>;
}

export type ChangeKind = "add" | "remove" | "change";

/** One changed input path of a changed resource. Secret values are never carried, only fingerprints. */
export type InputChange =
    | { readonly path: string; readonly kind: "added"; readonly new: unknown }
    | { readonly path: string; readonly kind: "removed"; readonly old: unknown }
    | { readonly path: string; readonly kind: "changed"; readonly old: unknown; readonly new: unknown }
    | {
          readonly path: string;
          readonly kind: "secret";
          /** What happened to the secret: `changed`, `added`, `removed`, `now-secret`, `no-longer-secret`. */
          readonly secret: SecretChange;
          /** Keyed fingerprints (12 hex); absent when the document had no fingerprint key. */
          readonly oldFingerprint?: string;
          readonly newFingerprint?: string;
      };

export type SecretChange = "changed" | "unchanged" | "added" | "removed" | "now-secret" | "no-longer-secret";

/** A secret input of a changed resource and whether it changed (reviewers see both). */
export interface SecretStatus {
    readonly path: string;
    readonly status: SecretChange;
    readonly oldFingerprint?: string;
    readonly newFingerprint?: string;
}

/** One resource of the desired-state diff of two plan documents (base → head). */
export interface ResourceDiff {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly kind: ChangeKind;
    /** The component group the resource belongs to (top-level component type), for the summary. */
    readonly group: string;
    /** Changed input paths (kind `change`), sorted by path. */
    readonly changes: readonly InputChange[];
    /** Changed resource options (`protect`, `deleteBeforeReplace`, …), same shape as input changes. */
    readonly optionChanges: readonly InputChange[];
    /** Every secret input of the resource and its status (added/removed resources: their secret paths). */
    readonly secrets: readonly SecretStatus[];
    /** The resource as planned on each side (inputs with secrets as `[secret]`). */
    readonly base?: DiffableResource;
    readonly head?: DiffableResource;
}

/** The desired-state diff of two plan documents: what reviewers read instead of a cloud preview. */
export interface PlanDiff {
    readonly project: string;
    readonly stack: string;
    /** What the base side is: a git ref, or another stack for `--compare`. */
    readonly baseLabel: string;
    readonly headLabel: string;
    /** Added, removed and changed resources, sorted by URN. Unchanged resources are only counted. */
    readonly resources: readonly ResourceDiff[];
    readonly unchanged: number;
    /**
     * Providers whose inputs changed, each with every head resource it manages (URNs sorted, changed or not): the
     * engine diffs a provider's config first, and a provider it replaces takes everything under it along.
     */
    readonly cascades?: readonly ProviderCascade[];
    /**
     * Stack outputs that differ, by path (`airflowUri`, `composerEnvironments.next.serving`), sorted. Other stacks
     * read outputs (`StackReference`) and so do the workflows, so an output that moves is a change even when no
     * resource changes (a blue/green `serve` switch). Secrets compare without values.
     */
    readonly outputs?: readonly InputChange[];
}

/** A provider whose inputs changed and the resources under it. */
export interface ProviderCascade {
    readonly provider: string;
    /** Changed input paths of the provider (secret values never carried). */
    readonly inputs: readonly string[];
    readonly resources: readonly string[];
}

// ---- Replace causes ------------------------------------------------------------------------------------------

/** Whether a type token is a provider (`pulumi:providers:<package>`). */
export const isProviderType = (type: string): boolean => type.startsWith("pulumi:providers:");

/**
 * The inputs of a change that force a replacement of the resource, by the per-type table in `force-new.ts` (each
 * entry with its upstream source). Causes the provider only decides at preview carry their condition (`unless`).
 */
export function replaceCauses(r: ResourceDiff): ForceNewInput[] {
    const paths = FORCE_NEW[r.type];
    if (!paths || r.kind !== "change") return [];
    return paths.filter((p) => r.changes.some((c) => isUnder(c.path, p.path)));
}

// ---- Charts --------------------------------------------------------------------------------------------------

/** `repo chart@version` (remote) or the chart path (local). */
export function chartRef(inputs: Record<string, unknown> | undefined): string | undefined {
    if (!inputs) return undefined;
    const chart = valueAt(inputs, "chart");
    const version = valueAt(inputs, "version");
    const repo = valueAt(inputs, "repositoryOpts.repo");
    if (chart === undefined) return undefined;
    return `${repo ? `${String(repo)} ` : ""}${String(chart)}${version !== undefined ? `@${String(version)}` : ""}`;
}

/** Whether a Release installs a chart from a repository (not a local path). */
export function isRemoteChart(inputs: Record<string, unknown>): boolean {
    const chart = valueAt(inputs, "chart");
    return (
        valueAt(inputs, "repositoryOpts.repo") !== undefined ||
        (typeof chart === "string" && /^(oci|https?):\/\//.test(chart))
    );
}

/**
 * Whether an input key carries a content hash (of a local chart, of rendered config): its change is a chart
 * change, and a local chart must carry one.
 */
/**
 * The input the plan document adds to a local kustomize directory (a remote component whose own inputs are only
 * the path): the content hash of the folder, so an edit of a manifest is a visible change. Offline only; the
 * engine never receives it.
 */
export const KUSTOMIZE_HASH_KEY = "dataInfraContentHash";

export const isContentHashKey = (key: string): boolean => /(hash|checksum)$/i.test(key);
