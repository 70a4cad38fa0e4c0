import type { ConfigSection } from "../section";
import { keyPath } from "../section";
import { checkSoftwareSettings } from "../../components/airflow/software";
import type { ComposerWorkloads } from "../../components/airflow/environment";

/** The channel's Cloud Composer (Airflow) environment. */
export interface ComposerConfig {
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

export const composerSection: ConfigSection<ComposerConfig> = {
    description:
        "Cloud Composer environment of this channel: {name, imageVersion, environmentSize, workloads, envVariables, airflowConfigOverrides, requirementsFile, protect, ...}.",
    required: true,
    schema: {
        type: "object",
        additionalProperties: false,
        required: ["name", "imageVersion"],
        properties: {
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
        },
    },
    resolve(value, _ctx, problems) {
        const v = value as ComposerConfig;
        checkSoftwareSettings(v, (...s) => keyPath("composer", ...s), problems);
        const worker = v.workloads.worker;
        if (worker && worker.minCount > worker.maxCount) {
            problems.add(
                keyPath("composer", "workloads", "worker", "minCount"),
                "must not exceed maxCount",
                worker,
            );
        }
        if ("channel" in v.labels) {
            problems.add(keyPath("composer", "labels", "channel"), "is set by the program to the stack name");
        }
        return v;
    },
};
