/**
 * data-infra: the data platform of one release channel (this stack). Composition only: load the typed config once,
 * build explicit providers, create the components, export what other stacks and people need.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, engineSecretKeys } from "./config";
import { createProviders } from "./components/platform/providers";
import { ComposerEnvironment, DagSync } from "./components/airflow";

const engineConfig = pulumi.runtime.allConfig();
const cfg = parseStackConfig(pulumi.getStack(), engineConfig, engineSecretKeys(engineConfig));
const providers = createProviders(cfg);

export const channel = cfg.stack;
export const gcpProject = providers.gcp.project;

// Airflow: the channel's Composer environment, and dags/ + plugins/ mirrored into its bucket file by file.
const composer = new ComposerEnvironment(
    "composer",
    {
        environmentName: cfg.composer.name,
        channel: cfg.stack,
        region: cfg.composer.region,
        imageVersion: cfg.composer.imageVersion,
        environmentSize: cfg.composer.environmentSize,
        serviceAccount: cfg.composer.serviceAccount,
        workloads: cfg.composer.workloads,
        envVariables: cfg.composer.envVariables,
        airflowConfigOverrides: cfg.composer.airflowConfigOverrides,
        labels: cfg.composer.labels,
        projectDir: __dirname,
        requirementsFile: cfg.composer.requirementsFile,
        protect: cfg.composer.protect,
    },
    { provider: providers.gcp },
);
new DagSync(
    "dags",
    {
        bucket: composer.bucket,
        projectDir: __dirname,
        folders: cfg.dags.folders,
        include: cfg.dags.include,
        exclude: cfg.dags.exclude,
        maxFileSizeBytes: cfg.dags.maxFileSizeMiB * 1024 * 1024,
    },
    { provider: providers.gcp },
);
export const airflowUri = composer.airflowUri;
export const composerBucket = composer.bucket;
