/**
 * What the stand-in providers know about each resource type: the inputs that force a replacement (as the real
 * provider declares them), the outputs the cloud computes, and the id the real provider gives. Pure data and pure
 * functions, so the rules are unit-testable without the engine.
 *
 * Replacement rules are copied from the real providers' schemas, cited per type. A type not listed here is refused
 * by the stand-in (create fails naming it), so a new resource type cannot silently get made-up semantics.
 */
import { createHash } from "node:crypto";
import * as rpc from "@pulumi/pulumi/runtime/rpc";

export interface TypeRule {
    /** Input paths (dot-separated) whose change replaces the resource. */
    forceNew: readonly string[];
    /** Output paths the provider computes; they are stripped from the old state before diffing inputs. */
    computed: readonly string[];
    /** The id the real provider assigns, from the (wire-format) inputs. */
    id(inputs: Record<string, unknown>): string;
    /** Outputs the cloud computes, merged over the inputs on create and update. */
    outputs?(inputs: Record<string, unknown>, id: string): Record<string, unknown>;
}

const str = (v: unknown, what: string): string => {
    if (typeof v !== "string" || v === rpc.unknownValue)
        throw new Error(`stand-in: ${what} must be a known string (got ${JSON.stringify(v)})`);
    return v;
};
const obj = (v: unknown): Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
export const shortHash = (v: unknown): string =>
    createHash("sha256").update(stableJson(v)).digest("hex").slice(0, 16);

export const RULES: Record<string, TypeRule> = {
    // magic-modules mmv1/third_party/terraform/services/storage/resource_storage_bucket_object.go: ForceNew on
    // bucket, name, source, content_type, cache_control, content_disposition/encoding/language, metadata,
    // storage_class, kms_key_name; source_md5hash is updatable; id = bucket + "-" + name (objectGetID).
    "gcp:storage/bucketObject:BucketObject": {
        forceNew: [
            "bucket",
            "name",
            "source",
            "contentType",
            "cacheControl",
            "contentDisposition",
            "contentEncoding",
            "contentLanguage",
            "metadata",
            "storageClass",
            "kmsKeyName",
        ],
        computed: ["md5hash", "crc32c", "mediaLink", "selfLink", "outputName", "generation"],
        id: (i) => `${str(i.bucket, "bucket")}-${str(i.name, "name")}`,
        outputs: (i, id) => ({
            md5hash: shortHash(i.source ?? i.content),
            crc32c: shortHash(["crc", i.source ?? i.content]).slice(0, 8),
            mediaLink: `https://storage.googleapis.com/download/storage/v1/b/${id}`,
            selfLink: `https://www.googleapis.com/storage/v1/b/${id}`,
            outputName: i.name,
            generation: 1,
        }),
    },
    // magic-modules services/composer/resource_composer_environment.go.tmpl: name, region, project and
    // config.node_config.service_account are ForceNew (see shared/docs/engine-facts.md C1).
    "gcp:composer/environment:Environment": {
        forceNew: ["name", "region", "project", "config.nodeConfig.serviceAccount"],
        computed: ["config.dagGcsPrefix", "config.airflowUri", "config.gkeCluster"],
        id: (i) =>
            `projects/${String(i.project ?? "standin")}/locations/${String(i.region)}/environments/${str(i.name, "name")}`,
        outputs: (i) => {
            const name = str(i.name, "name");
            const bucket = `${String(i.region)}-${name}-${shortHash(name).slice(0, 8)}-bucket`;
            return {
                config: {
                    ...obj(i.config),
                    dagGcsPrefix: `gs://${bucket}/dags`,
                    airflowUri: `https://${shortHash(["uri", name])}-dot-${String(i.region)}.composer.googleusercontent.com`,
                    gkeCluster: `projects/${String(i.project ?? "standin")}/locations/${String(i.region)}/clusters/${name}-gke`,
                },
            };
        },
    },
    // magic-modules mmv1/products/artifactregistry/Repository.yaml: repository_id, location, format, mode,
    // kms_key_name and project are immutable.
    "gcp:artifactregistry/repository:Repository": {
        forceNew: ["repositoryId", "location", "format", "mode", "kmsKeyName", "project"],
        computed: ["name", "createTime", "updateTime"],
        id: (i) =>
            `projects/${String(i.project ?? "standin")}/locations/${String(i.location)}/repositories/${str(i.repositoryId, "repositoryId")}`,
        outputs: (i) => ({
            name: i.repositoryId,
            createTime: "2026-01-01T00:00:00Z",
            updateTime: "2026-01-01T00:00:00Z",
        }),
    },
    // pulumi-docker provider/image.go: Diff reports changes as updates (a rebuild and push), never a replacement.
    "docker:index/image:Image": {
        forceNew: [],
        computed: ["repoDigest", "baseImageName", "registryServer", "platform", "context", "dockerfile"],
        id: (i) => str(i.imageName, "imageName"),
        outputs: (i) => ({
            repoDigest: `${str(i.imageName, "imageName").replace(/:[^/:]*$/, "")}@sha256:${createHash("sha256").update(stableJson(i.build)).digest("hex")}`,
            baseImageName: i.imageName,
            registryServer: str(i.imageName, "imageName").split("/")[0],
        }),
    },
    // terraform-provider-github github/resource_github_branch_protection.go: repository_id is ForceNew.
    "github:index/branchProtection:BranchProtection": {
        forceNew: ["repositoryId"],
        computed: [],
        id: (i) => `standin-bp-${shortHash([i.repositoryId, i.pattern])}`,
    },
    // terraform-provider-github github/resource_github_repository_ruleset.go (go-github v74 era, which pulumi-github
    // 6.x bridges): no field is ForceNew (name, target, repository, rules update in place); GitHub assigns the
    // ruleset id, node id and etag.
    "github:index/repositoryRuleset:RepositoryRuleset": {
        forceNew: [],
        computed: ["rulesetId", "nodeId", "etag"],
        id: (i) => `standin-ruleset-${shortHash([i.repository, i.name])}`,
        outputs: (i, id) => ({
            rulesetId: parseInt(shortHash(id).slice(0, 6), 16),
            nodeId: `RRS_${shortHash(["node", id]).slice(0, 12)}`,
            etag: shortHash(["etag", i]),
        }),
    },
    // terraform-provider-github github/resource_github_repository_environment.go: repository and environment are
    // ForceNew; id = repository:environment.
    "github:index/repositoryEnvironment:RepositoryEnvironment": {
        forceNew: ["repository", "environment"],
        computed: [],
        id: (i) => `${str(i.repository, "repository")}:${str(i.environment, "environment")}`,
    },
    // terraform-provider-github github/resource_github_repository_environment_deployment_policy.go: repository and
    // environment are ForceNew.
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy": {
        forceNew: ["repository", "environment"],
        computed: [],
        id: (i) =>
            `${str(i.repository, "repository")}:${str(i.environment, "environment")}:${shortHash(i.branchPattern)}`,
    },
    // terraform-provider-github: actions variables are keyed by repository (and environment) and name, all ForceNew.
    "github:index/actionsVariable:ActionsVariable": {
        forceNew: ["repository", "variableName"],
        computed: ["createdAt", "updatedAt"],
        id: (i) => `${str(i.repository, "repository")}:${str(i.variableName, "variableName")}`,
    },
    "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable": {
        forceNew: ["repository", "environment", "variableName"],
        computed: ["createdAt", "updatedAt"],
        id: (i) =>
            `${str(i.repository, "repository")}:${str(i.environment, "environment")}:${str(i.variableName, "variableName")}`,
    },
    // pulumi-kubernetes provider/pkg/provider/helm_release.go: only name and namespace force a replacement (see
    // shared/docs/engine-facts.md); id = namespace/name.
    "kubernetes:helm.sh/v3:Release": {
        forceNew: ["name", "namespace"],
        computed: ["status"],
        id: (i) => `${str(i.namespace, "namespace")}/${str(i.name, "name")}`,
        outputs: (i) => ({
            status: {
                name: i.name,
                namespace: i.namespace,
                revision: 1,
                status: "deployed",
                chart: "standin",
            },
        }),
    },
    // pulumi-kubernetes provider/pkg/provider/diff.go forceNewProperties: .metadata.name and .metadata.namespace for
    // every kind; Secret adds .type, .stringData, .data.
    "kubernetes:core/v1:Namespace": {
        forceNew: ["metadata.name", "metadata.namespace"],
        computed: [],
        id: (i) => str(obj(i.metadata).name, "metadata.name"),
    },
    "kubernetes:core/v1:Secret": {
        forceNew: ["metadata.name", "metadata.namespace", "type", "stringData", "data"],
        computed: [],
        id: (i) =>
            `${str(obj(i.metadata).namespace, "metadata.namespace")}/${str(obj(i.metadata).name, "metadata.name")}`,
    },
};

/** JSON with object keys in code-unit order, so equal values always serialize equally. */
export function stableJson(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        return `{${Object.keys(o)
            .filter((k) => o[k] !== undefined)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(v) ?? "null";
}

export function getPath(v: unknown, path: string): unknown {
    let cur: unknown = v;
    for (const part of path.split(".")) cur = obj(cur)[part];
    return cur;
}

function withoutPaths(v: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
    const copy = JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
    for (const p of paths) {
        const parts = p.split(".");
        let cur: Record<string, unknown> = copy;
        for (const part of parts.slice(0, -1)) cur = obj(cur[part]);
        delete cur[parts[parts.length - 1]];
    }
    return copy;
}

export interface InputDiff {
    changed: string[];
    replaces: string[];
}

/**
 * Diffs new inputs against the old state by inputs: the old state's computed outputs are removed first, then every
 * top-level key whose value differs is a change; a change under a forceNew path is a replacement. A value that
 * contains the engine's unknown sentinel counts as changed (it may differ once known), as in the real providers.
 */
export function diffInputs(
    rule: TypeRule,
    oldState: Record<string, unknown>,
    news: Record<string, unknown>,
    unknown: string,
): InputDiff {
    const olds = withoutPaths(oldState, rule.computed);
    const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].sort();
    const hasUnknown = (v: unknown): boolean => stableJson(v).includes(unknown);
    const changed = keys.filter(
        (k) => hasUnknown(news[k]) || stableJson(olds[k] ?? null) !== stableJson(news[k] ?? null),
    );
    const replaces = rule.forceNew.filter((p) => {
        const [top] = p.split(".");
        if (!changed.includes(top)) return false;
        const n = getPath(news, p);
        return hasUnknown(n) || stableJson(getPath(olds, p) ?? null) !== stableJson(n ?? null);
    });
    return { changed, replaces };
}
