import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { Problems } from "../../lib/problems";
import { parseRequirements } from "./requirements";
import { readProjectFile } from "../platform/paths";
import { checkSoftwareSettings } from "./software";
import { throwIfInvalid } from "../platform/resource-error";
import { byCodeUnit } from "../../lib/order";

/** CPU, memory and storage of one Airflow workload; see `config.workloadsConfig` in the provider. */
export interface WorkloadSize {
    readonly cpu: number;
    readonly memoryGb: number;
    readonly storageGb?: number;
}

export interface ComposerWorkloads {
    readonly scheduler?: WorkloadSize & { readonly count: number };
    readonly webServer?: WorkloadSize;
    readonly worker?: WorkloadSize & { readonly minCount: number; readonly maxCount: number };
    readonly triggerer?: Omit<WorkloadSize, "storageGb"> & { readonly count: number };
    /** Composer 3 only: the standalone DAG processor. */
    readonly dagProcessor?: WorkloadSize & { readonly count: number };
}

export interface ComposerEnvironmentArgs {
    /** Physical environment name in Google Cloud. Changing it replaces the environment. */
    readonly environmentName: string;
    /** Release channel; becomes the `channel` label. */
    readonly channel: string;
    /**
     * Region of the environment.
     * @default the gcp provider's region
     */
    readonly region?: string;
    /**
     * Composer and Airflow version, e.g. `composer-2.14.2-airflow-2.9.3`.
     * @see https://cloud.google.com/composer/docs/concepts/versioning/composer-versions
     */
    readonly imageVersion: string;
    /**
     * Import id of a live environment to take over on the first `up` instead of creating one (config
     * `adopt.composer`); see {@link composerImportId}. Its bucket comes with it.
     * @default create the environment
     */
    readonly importId?: string;
    /**
     * @default `ENVIRONMENT_SIZE_SMALL` (Composer's default)
     */
    readonly environmentSize?: string;
    /**
     * Service account of the environment's nodes. Cannot be changed after creation.
     * @default the Compute Engine default service account
     */
    readonly serviceAccount?: pulumi.Input<string>;
    /**
     * CPU, memory, storage and counts per Airflow workload.
     * @default Composer's sizes for `environmentSize`, per workload left out
     */
    readonly workloads?: ComposerWorkloads;
    /**
     * Environment variables of the Airflow processes (no `AIRFLOW__X__Y`, no Composer-reserved names).
     * @default none
     */
    readonly envVariables?: Readonly<Record<string, string>>;
    /**
     * Airflow settings as `section-key` (e.g. `core-dags_are_paused_at_creation`).
     * @default none
     */
    readonly airflowConfigOverrides?: Readonly<Record<string, string>>;
    /**
     * Extra labels; `channel` is always set.
     * @default only `channel`
     */
    readonly labels?: Readonly<Record<string, string>>;
    /** Repository root: `requirementsFile` resolves against it and messages name files relative to it. */
    readonly projectDir: string;
    /** `requirements.txt` (relative to `projectDir`) whose packages become the environment's PyPI packages. */
    readonly requirementsFile: string;
    /**
     * Refuse to delete or replace the environment (Pulumi `protect`, and the provider's `deletionPolicy: PREVENT`).
     * @default true — the environment holds Airflow's metadata database; opting out must be explicit.
     */
    readonly protect?: boolean;
}

/** The environment's inputs that the program computes (pure; everything sorted so reruns render identically). */
export function composerEnvironmentConfig(
    args: Omit<ComposerEnvironmentArgs, "projectDir" | "requirementsFile" | "environmentName" | "channel" | "region">,
    pypiPackages: Readonly<Record<string, string>>,
): gcp.types.input.composer.EnvironmentConfig {
    const w = args.workloads ?? {};
    return {
        environmentSize: args.environmentSize,
        softwareConfig: {
            imageVersion: args.imageVersion,
            pypiPackages: sortedMap(pypiPackages),
            envVariables: sortedMap(args.envVariables ?? {}),
            airflowConfigOverrides: sortedMap(args.airflowConfigOverrides ?? {}),
        },
        ...(args.serviceAccount ? { nodeConfig: { serviceAccount: args.serviceAccount } } : {}),
        ...(Object.keys(w).length
            ? {
                  workloadsConfig: {
                      scheduler: w.scheduler && { ...w.scheduler },
                      webServer: w.webServer && { ...w.webServer },
                      worker: w.worker && { ...w.worker },
                      triggerer: w.triggerer && { ...w.triggerer },
                      ...(w.dagProcessor ? { dagProcessor: { ...w.dagProcessor } } : {}),
                  },
              }
            : {}),
    };
}

function sortedMap(m: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.entries(m).sort(([a], [b]) => byCodeUnit(a, b)));
}

/**
 * Longest time one create or update of the environment may take (its `customTimeouts`): the provider bounds the
 * whole operation, the post-create PyPI update included, by it. The deploy job's timeout is derived from it.
 */
export const COMPOSER_OPERATION_MINUTES = 180;

/**
 * The provider's import id of an environment: `projects/{project}/locations/{region}/environments/{name}`
 * (`pulumi import gcp:composer/environment:Environment`, @pulumi/gcp composer/environment.d.ts).
 */
export function composerImportId(project: string, region: string, name: string): string {
    return `projects/${project}/locations/${region}/environments/${name}`;
}

/** `gs://<bucket>/dags` → `<bucket>`. */
export function bucketOfDagGcsPrefix(prefix: string): string {
    const m = /^gs:\/\/([^/]+)\//.exec(prefix);
    if (!m) throw new Error(`unexpected dagGcsPrefix ${JSON.stringify(prefix)}: expected gs://<bucket>/dags`);
    return m[1];
}

/**
 * One Cloud Composer (Airflow) environment for a release channel, with the PyPI packages of a requirements file.
 * The environment keeps the bucket Composer creates for it (no `storageConfig`): setting a bucket is possible only
 * at creation, so adopting an existing environment with one would replace it.
 */
export class ComposerEnvironment extends pulumi.ComponentResource {
    /** The component's type token: part of every child's URN, so never change it. */
    public static readonly TYPE = "data-infra:airflow:ComposerEnvironment";

    /** The environment itself. */
    public readonly environment: gcp.composer.Environment;
    /** Airflow web UI URL (known once the environment exists). */
    public readonly airflowUri: pulumi.Output<string>;
    /** `gs://<bucket>/dags`, where Airflow reads DAGs. */
    public readonly dagGcsPrefix: pulumi.Output<string>;
    /** Name of the environment's bucket (from `dagGcsPrefix`). */
    public readonly bucket: pulumi.Output<string>;
    /** The PyPI map sent to Composer, as parsed from the requirements file. */
    public readonly pypiPackages: Readonly<Record<string, string>>;

    constructor(name: string, args: ComposerEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super(ComposerEnvironment.TYPE, name, {}, opts);
        const problems = new Problems();
        checkSoftwareSettings(args, (...s) => `args.${s.join(".")}`, problems);
        const requirements = parseRequirements(toPosix(args.requirementsFile), (file) =>
            readProjectFile(args.projectDir, file),
        );
        problems.addAll(requirements.problems);
        throwIfInvalid(problems, `ComposerEnvironment ${name}`, this);
        this.pypiPackages = requirements.packages;

        const protect = args.protect ?? true;
        this.environment = new gcp.composer.Environment(
            name,
            {
                name: args.environmentName,
                region: args.region,
                labels: sortedMap({ ...args.labels, channel: args.channel }),
                config: composerEnvironmentConfig(args, requirements.packages),
                // A second guard below Pulumi's protect: the provider refuses the delete even after an unprotect,
                // until deletionPolicy is switched back in its own update.
                deletionPolicy: protect ? "PREVENT" : "DELETE",
            },
            {
                parent: this,
                protect,
                import: args.importId,
                // One create or update runs several Composer operations in sequence (create, then the PyPI install;
                // image, then overrides, env, PyPI), each up to an hour; the provider's 120m default covers one.
                customTimeouts: {
                    create: `${COMPOSER_OPERATION_MINUTES}m`,
                    update: `${COMPOSER_OPERATION_MINUTES}m`,
                    delete: "60m",
                },
            },
        );
        const config = this.environment.config;
        this.airflowUri = config.apply((c) => c.airflowUri);
        this.dagGcsPrefix = config.apply((c) => c.dagGcsPrefix);
        this.bucket = this.dagGcsPrefix.apply(bucketOfDagGcsPrefix);
        this.registerOutputs({
            environment: this.environment,
            airflowUri: this.airflowUri,
            dagGcsPrefix: this.dagGcsPrefix,
            bucket: this.bucket,
            pypiPackages: this.pypiPackages,
        });
    }
}

function toPosix(p: string): string {
    return p.split(path.sep).join("/");
}
