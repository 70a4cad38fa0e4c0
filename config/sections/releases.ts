import type { ConfigSection } from "../section";
import { keyPath } from "../section";
import type {
    HelmReleaseConfig,
    KustomizeReleaseConfig,
    ReleaseConfig,
    SecretRef,
} from "../../components/releases/types";
import {
    dataKeyProblem,
    secretKeysProblem,
    secretTypeProblem,
} from "../../components/releases/kubernetes-rules";

const DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
const HELM_ONLY = [
    "helmName",
    "chart",
    "repo",
    "version",
    "valuesFiles",
    "values",
    "images",
    "atomic",
    "cleanupOnFail",
    "timeoutSeconds",
    "secretValues",
] as const;

/**
 * Defaults for every Helm release. `atomic` rolls a failed upgrade back instead of leaving a half-applied release
 * (what the legacy `helm upgrade` left behind); `cleanupOnFail` deletes objects the failed upgrade created; 600 s
 * per Kubernetes operation gives slow image pulls and migrations room (Helm's own default is 300 s).
 */
export const HELM_DEFAULTS = { atomic: true, cleanupOnFail: true, timeoutSeconds: 600 } as const;

const secretSchema = {
    oneOf: [
        { type: "string", pattern: "^[A-Za-z0-9_-]{1,255}$", description: "a Secret Manager secret id" },
        {
            type: "object",
            additionalProperties: false,
            required: ["secret"],
            properties: {
                secret: { type: "string", pattern: "^[A-Za-z0-9_-]{1,255}$" },
                version: { type: "string", pattern: "^(latest|[1-9][0-9]*)$" },
                format: { enum: ["manifest", "map", "value"] },
                name: { type: "string", pattern: DNS_SUBDOMAIN, maxLength: 253 },
                type: { type: "string", minLength: 1 },
                key: { type: "string", pattern: "^[-._a-zA-Z0-9]+$" },
                namespace: { type: "string", pattern: DNS_LABEL, maxLength: 63 },
            },
        },
    ],
};

export const releasesSection: ConfigSection<readonly ReleaseConfig[]> = {
    description:
        "Helm and kustomize releases of this channel, in order: [{name, driver, namespace, helmName, chart, valuesFiles, values, images, kustomizeDir, secrets}].",
    required: false,
    schema: {
        type: "array",
        default: [],
        items: {
            type: "object",
            additionalProperties: false,
            required: ["name", "driver"],
            properties: {
                name: { type: "string", pattern: DNS_LABEL, maxLength: 63 },
                driver: { enum: ["helm", "kustomize"] },
                namespace: { type: "string", pattern: DNS_LABEL, maxLength: 63 },
                // Helm stores releases in Secrets named sh.helm.release.v1.<name>.v<n>: 53 characters at most.
                helmName: { type: "string", pattern: DNS_LABEL, maxLength: 53 },
                chart: { type: "string", minLength: 1 },
                repo: { type: "string", pattern: "^(https?|oci)://" },
                // Whether it is exact (no range) is the policy rule helm-chart-pinned's call, mandatory in every
                // channel: the plan then reports it together with every other violation, in one run.
                version: { type: "string", minLength: 1 },
                valuesFiles: { type: "array", items: { type: "string", minLength: 1 } },
                values: { type: "object" },
                secretValues: { type: "array", items: { type: "string", pattern: "^[A-Za-z0-9_-]{1,255}$" } },
                images: {
                    type: "object",
                    propertyNames: { pattern: "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$" },
                    additionalProperties: { type: "string", minLength: 1 },
                },
                atomic: { type: "boolean" },
                cleanupOnFail: { type: "boolean" },
                timeoutSeconds: { type: "integer", minimum: 1, maximum: 86400 },
                kustomizeDir: { type: "string", minLength: 1 },
                secrets: { type: "array", items: secretSchema },
                dependsOn: { type: "array", items: { type: "string", minLength: 1 } },
            },
        },
    },
    resolve(value, _ctx, problems) {
        const items = (value ?? []) as Record<string, unknown>[];
        const seen = new Map<string, number>();
        return items.map((raw, i) => {
            const at = (...s: Array<string | number>) => keyPath("releases", i, ...s);
            const name = raw.name as string;
            if (seen.has(name)) {
                problems.add(
                    at("name"),
                    `duplicate release name, also used by releases[${seen.get(name)}]`,
                    name,
                );
            }
            const dependsOn = (raw.dependsOn ?? []) as string[];
            dependsOn.forEach((d, j) => {
                // Only earlier releases: keeps the list's order meaningful and rules out cycles.
                if (!seen.has(d)) {
                    problems.add(at("dependsOn", j), "must name a release listed earlier", d);
                }
            });
            seen.set(name, i);
            const secrets = ((raw.secrets ?? []) as unknown[]).map((s, j) =>
                resolveSecret(s, problems, (...p) => at("secrets", j, ...p)),
            );
            if (raw.driver === "kustomize") {
                for (const k of HELM_ONLY) {
                    if (raw[k] !== undefined) problems.add(at(k), "only valid for driver helm");
                }
                if (raw.kustomizeDir === undefined) {
                    problems.add(
                        at("kustomizeDir"),
                        "required for driver kustomize: the kustomization folder",
                    );
                }
                return {
                    name,
                    driver: "kustomize",
                    namespace: raw.namespace as string | undefined,
                    kustomizeDir: raw.kustomizeDir as string,
                    secrets,
                    dependsOn,
                } satisfies KustomizeReleaseConfig;
            }
            if (raw.kustomizeDir !== undefined)
                problems.add(at("kustomizeDir"), "only valid for driver kustomize");
            if (raw.namespace === undefined) problems.add(at("namespace"), "required for driver helm");
            if (raw.chart === undefined) {
                problems.add(
                    at("chart"),
                    "required for driver helm: a local chart folder or, with repo, a name",
                );
            }
            if (raw.repo !== undefined && raw.version === undefined) {
                problems.add(at("version"), "required with repo: pin the exact chart version");
            }
            if (raw.repo === undefined && raw.version !== undefined) {
                problems.add(
                    at("version"),
                    "only valid with repo: a local chart's version is its Chart.yaml",
                );
            }
            return {
                name,
                driver: "helm",
                namespace: raw.namespace as string,
                helmName: (raw.helmName as string | undefined) ?? name,
                chart: raw.chart as string,
                repo: raw.repo as string | undefined,
                version: raw.version as string | undefined,
                valuesFiles: (raw.valuesFiles as string[] | undefined) ?? [],
                values: (raw.values as Record<string, unknown> | undefined) ?? {},
                images: (raw.images as Record<string, string> | undefined) ?? {},
                ...(Array.isArray(raw.secretValues) && raw.secretValues.length
                    ? { secretValues: raw.secretValues as string[] }
                    : {}),
                atomic: (raw.atomic as boolean | undefined) ?? HELM_DEFAULTS.atomic,
                cleanupOnFail: (raw.cleanupOnFail as boolean | undefined) ?? HELM_DEFAULTS.cleanupOnFail,
                timeoutSeconds: (raw.timeoutSeconds as number | undefined) ?? HELM_DEFAULTS.timeoutSeconds,
                secrets,
                dependsOn,
            } satisfies HelmReleaseConfig;
        });
    },
};

function resolveSecret(
    raw: unknown,
    problems: Parameters<ConfigSection<unknown>["resolve"]>[2],
    at: (...s: string[]) => string,
): SecretRef {
    // A bare id is the legacy form: the payload is a whole Secret manifest.
    if (typeof raw === "string") return { secret: raw, format: "manifest" };
    const s = raw as Omit<SecretRef, "format"> & { format?: SecretRef["format"] };
    const format = s.format ?? (s.key !== undefined ? "value" : "map");
    if (format !== "manifest" && s.name === undefined) {
        problems.add(at("name"), `required for format ${format}: the Kubernetes Secret name`);
    }
    if (format === "value" && s.key === undefined) {
        problems.add(at("key"), "required for format value: the data key that holds the payload");
    }
    if (format !== "value" && s.key !== undefined) problems.add(at("key"), "only valid for format value");
    if (format === "manifest" && s.type !== undefined) {
        problems.add(at("type"), "not valid for format manifest: the manifest's type is used");
    }
    if (format !== "manifest") {
        const type = s.type ?? "Opaque";
        const typeProblem = secretTypeProblem(type);
        if (typeProblem) problems.add(at("type"), typeProblem, type);
        if (format === "value" && s.key !== undefined) {
            const keyProblem = dataKeyProblem(s.key);
            if (keyProblem) problems.add(at("key"), keyProblem, s.key);
            // The one key of a value-format Secret is known here: check it against the type's required keys.
            const typeKeys = typeProblem ? undefined : secretKeysProblem(type, [s.key]);
            if (typeKeys) problems.add(at("key"), typeKeys, s.key);
        } else if (type === "kubernetes.io/service-account-token") {
            problems.add(at("type"), secretKeysProblem(type, [])!, type);
        }
    }
    return { ...s, format };
}
