import type { ConfigSection } from "../section";
import { keyPath } from "../section";
import { checkSoftwareSettings, composerMajor } from "../../components/airflow/software";
import type { Problems } from "../../lib/problems";
import type { ComposerWorkloads } from "../../components/airflow/environment";

/** One Cloud Composer (Airflow) environment's settings. */
export interface ComposerEnvironmentSettings {
    /** Environment name (physical name in Google Cloud). */
    readonly name: string;
    /** Region; the gcp provider's region when absent. */
    readonly region?: string;
    readonly imageVersion: string;
    readonly environmentSize: "ENVIRONMENT_SIZE_SMALL" | "ENVIRONMENT_SIZE_MEDIUM" | "ENVIRONMENT_SIZE_LARGE";
    /** Service account email of the environment's nodes; the Compute Engine default account when absent. */
    readonly serviceAccount?: string;
    /** Repository-relative requirements file whose packages Composer installs. */
    readonly requirementsFile: string;
    /** Sizes and counts per workload; Composer's defaults for `environmentSize` where absent. */
    readonly workloads: ComposerWorkloads;
    readonly envVariables: Readonly<Record<string, string>>;
    readonly airflowConfigOverrides: Readonly<Record<string, string>>;
    /** Extra labels; the component always adds `channel`. */
    readonly labels: Readonly<Record<string, string>>;
    /**
     * Whether Pulumi refuses to delete or replace the environment; unset follows `data-infra:policy.production`
     * (index.ts), so a new production channel is protected without anyone remembering this key.
     */
    readonly protect?: boolean;
}

/** Which of a channel's two environment slots: `current` (this section's own settings) or `next`. */
export type ComposerSlot = "current" | "next";

/**
 * The channel's Cloud Composer (Airflow) environment, and optionally a second one for a blue/green upgrade
 * (docs/composer-and-dags.md#major-upgrades-blue-green): `next` holds the new environment's settings, `serve` says
 * which one the channel's outputs (Airflow URI, bucket) and the health gate point at, and `retire` drops one.
 */
export interface ComposerConfig extends ComposerEnvironmentSettings {
    /** A second environment, planned beside the current one with its own DAG mirror. */
    readonly next?: ComposerEnvironmentSettings;
    /** Which environment serves the channel. @default "current" */
    readonly serve: ComposerSlot;
    /** An environment no longer declared: Pulumi deletes it (a protected one only after `protect: false`). */
    readonly retire?: ComposerSlot;
}

const size = (extra: Record<string, object> = {}, storage = true) => ({
    type: "object",
    additionalProperties: false,
    required: ["cpu", "memoryGb", ...Object.keys(extra)],
    properties: {
        cpu: { type: "number", exclusiveMinimum: 0 },
        memoryGb: { type: "number", exclusiveMinimum: 0 },
        ...(storage ? { storageGb: { type: "number", exclusiveMinimum: 0 } } : {}),
        ...extra,
    },
});
const count = { type: "integer", minimum: 1, maximum: 10 };
const stringMap = { type: "object", additionalProperties: { type: "string" }, default: {} };

/** The JSON Schema properties of one environment (the section itself and `next`). */
const environmentProperties = {
    // Composer environment ids: lowercase letter first, then letters, digits, hyphens; at most 64.
    name: {
        type: "string",
        pattern: "^[a-z](?:[-0-9a-z]{0,62}[0-9a-z])?$",
        description: "a lowercase name of letters, digits and hyphens (at most 64, letter first)",
    },
    region: { type: "string", pattern: "^[a-z]+-[a-z]+[0-9]$" },
    imageVersion: { type: "string" },
    environmentSize: {
        enum: ["ENVIRONMENT_SIZE_SMALL", "ENVIRONMENT_SIZE_MEDIUM", "ENVIRONMENT_SIZE_LARGE"],
        default: "ENVIRONMENT_SIZE_SMALL",
    },
    serviceAccount: {
        type: "string",
        pattern: "^[a-z0-9-]+@[a-z0-9-]+\\.iam\\.gserviceaccount\\.com$",
        description: "a service account email (<name>@<project>.iam.gserviceaccount.com)",
    },
    requirementsFile: { type: "string", minLength: 1, default: "airflow/requirements.txt" },
    workloads: {
        type: "object",
        additionalProperties: false,
        default: {},
        properties: {
            scheduler: size({ count }),
            webServer: size(),
            worker: size({
                minCount: count,
                maxCount: { type: "integer", minimum: 1, maximum: 100 },
            }),
            triggerer: size({ count }, false),
            // Composer 3 only (checked in resolve).
            dagProcessor: size({ count }),
        },
    },
    envVariables: stringMap,
    airflowConfigOverrides: stringMap,
    labels: {
        type: "object",
        default: {},
        propertyNames: { pattern: "^[a-z][a-z0-9_-]{0,62}$" },
        additionalProperties: { type: "string", pattern: "^[a-z0-9_-]{0,63}$" },
    },
    protect: { type: "boolean" },
};

export const composerSection: ConfigSection<ComposerConfig> = {
    description:
        "Cloud Composer environment of this channel: {name, imageVersion, environmentSize, workloads, envVariables, airflowConfigOverrides, requirementsFile, protect, ...}.",
    required: true,
    schema: {
        type: "object",
        additionalProperties: false,
        required: ["name", "imageVersion"],
        properties: {
            ...environmentProperties,
            next: {
                type: "object",
                additionalProperties: false,
                required: ["name", "imageVersion"],
                properties: environmentProperties,
                description:
                    "a second environment's settings (the same keys as the section, without next/serve/retire)",
            },
            serve: { enum: ["current", "next"], default: "current" },
            retire: { enum: ["current", "next"] },
        },
    },
    resolve(value, _ctx, problems) {
        const v = value as ComposerConfig;
        checkEnvironment(v, [], problems);
        if (v.next) {
            checkEnvironment(v.next, ["next"], problems);
            if (v.next.name === v.name)
                problems.add(
                    keyPath("composer", "next", "name"),
                    "must differ from data-infra:composer.name",
                    v.name,
                );
        }
        if (v.serve === "next" && !v.next)
            problems.add(
                keyPath("composer", "serve"),
                "is next, but data-infra:composer.next is not set",
                v.serve,
            );
        if (v.retire !== undefined) {
            if (v.retire === v.serve)
                problems.add(
                    keyPath("composer", "retire"),
                    `retires the environment that serves the channel (serve: ${v.serve}); switch serve first, in its own change`,
                    v.retire,
                );
            else if (v.retire === "next" && !v.next)
                problems.add(
                    keyPath("composer", "retire"),
                    "is next, but data-infra:composer.next is not set",
                    v.retire,
                );
        }
        return v;
    },
};

/** The rules of one environment's settings; `at` is the key path below `data-infra:composer` (`[]` or `["next"]`). */
function checkEnvironment(v: ComposerEnvironmentSettings, at: readonly string[], problems: Problems): void {
    const key = (...s: string[]) => keyPath("composer", ...at, ...s);
    checkSoftwareSettings(v, key, problems);
    const worker = v.workloads.worker;
    if (worker && worker.minCount > worker.maxCount) {
        problems.add(key("workloads", "worker", "minCount"), "must not exceed maxCount", worker);
    }
    if (v.workloads.dagProcessor && (composerMajor(v.imageVersion) ?? 3) < 3) {
        // WorkloadsConfig.dagProcessor (Composer API v1): "supported for Cloud Composer environments in versions
        // composer-3-airflow-*.*.*-build.* and newer"; Composer 2 runs the DAG processor inside the scheduler.
        problems.add(
            key("workloads", "dagProcessor"),
            "is a Composer 3 workload; this imageVersion is Composer 2",
            v.imageVersion,
        );
    }
    if ("channel" in v.labels) {
        problems.add(key("labels", "channel"), "is set by the program to the stack name");
    }
}

/** One environment the channel declares: its slot, its resource names (API: renaming one replaces it) and settings. */
export interface ComposerEnvironmentSlot {
    readonly slot: ComposerSlot;
    /** Name of the ComposerEnvironment component: `composer` (current, the name every stack has had) or `composer-next`. */
    readonly resourceName: string;
    /** Name of its DagSync component: `dags` or `dags-next`. */
    readonly dagSyncName: string;
    /** Before its DAG manifests' names: `""` or `next:` (a child's URN holds its parent's type, not its name). */
    readonly manifestNamePrefix: string;
    readonly settings: ComposerEnvironmentSettings;
    /** True for the environment the channel's outputs and health gate point at. */
    readonly serving: boolean;
}

/**
 * What the policy needs to know of a blue/green upgrade: the declared environments that do not serve (their
 * protection may be lifted) and the one `retire` deletes (its delete is asked for), by component name.
 */
export function composerPolicyFacts(c: ComposerConfig): {
    readonly composerNotServing: string[];
    readonly composerRetired: string[];
} {
    return {
        composerNotServing: composerEnvironmentSlots(c)
            .filter((s) => !s.serving)
            .map((s) => s.resourceName),
        composerRetired: c.retire === "current" ? ["composer"] : c.retire === "next" ? ["composer-next"] : [],
    };
}

/**
 * The environments a channel declares, current first: both slots that are set and not retired. Pure; the order and
 * names are stable, so adding `next` never renames the current environment's resources.
 */
export function composerEnvironmentSlots(c: ComposerConfig): ComposerEnvironmentSlot[] {
    const slots: ComposerEnvironmentSlot[] = [];
    if (c.retire !== "current")
        slots.push({
            slot: "current",
            resourceName: "composer",
            dagSyncName: "dags",
            manifestNamePrefix: "",
            settings: c,
            serving: c.serve !== "next",
        });
    if (c.next && c.retire !== "next")
        slots.push({
            slot: "next",
            resourceName: "composer-next",
            dagSyncName: "dags-next",
            manifestNamePrefix: "next:",
            settings: c.next,
            serving: c.serve === "next",
        });
    return slots;
}
