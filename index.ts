/**
 * data-infra: the data platform of one release channel (this stack). Composition only: load the typed config once,
 * build explicit providers, create the components, export what other stacks and people need.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, engineSecretKeys, composerEnvironmentSlots } from "./config";
import { createProviders } from "./components/platform/providers";
import { ComposerEnvironment, DagSync, composerImportId } from "./components/airflow";
import { createDockerAccess } from "./components/images/docker-provider";
import { Images } from "./components/images/images";
import { Releases } from "./components/releases/releases";
import { protectionRules } from "./components/github/governance";
import { governanceArgs } from "./governance/args";

const engineConfig = pulumi.runtime.allConfig();
const cfg = parseStackConfig(pulumi.getStack(), engineConfig, engineSecretKeys(engineConfig));
const providers = createProviders(cfg);

export const channel = cfg.stack;
export const gcpProject = providers.gcp.project;

// Airflow: the channel's Composer environment (two during a blue/green upgrade, data-infra:composer.next), each with
// dags/ + plugins/ mirrored into its bucket. The channel's outputs point at the serving one.
const composers = composerEnvironmentSlots(cfg.composer).map((slot) => {
    const c = slot.settings;
    const environment = new ComposerEnvironment(
        slot.resourceName,
        {
            environmentName: c.name,
            channel: cfg.stack,
            region: c.region,
            imageVersion: c.imageVersion,
            environmentSize: c.environmentSize,
            serviceAccount: c.serviceAccount,
            workloads: c.workloads,
            envVariables: c.envVariables,
            airflowConfigOverrides: c.airflowConfigOverrides,
            labels: c.labels,
            projectDir: __dirname,
            requirementsFile: c.requirementsFile,
            // A production environment holds the Airflow metadata database and run history: a replace or delete
            // must be a deliberate two-step change there, while test environments are cheap to rebuild.
            protect: c.protect ?? cfg.policy.production,
            // Taking over the live environment (and its bucket) on the first up, when the stack says it exists.
            importId:
                slot.slot === "current" && cfg.adopt.composer
                    ? composerImportId(cfg.gcp.project, c.region ?? cfg.gcp.region, c.name)
                    : undefined,
        },
        { provider: providers.gcp },
    );
    new DagSync(
        slot.dagSyncName,
        {
            bucket: environment.bucket,
            projectDir: __dirname,
            folders: cfg.dags.folders,
            include: cfg.dags.include,
            exclude: cfg.dags.exclude,
            maxFileSizeBytes: cfg.dags.maxFileSizeMiB * 1024 * 1024,
            deleteUnmanaged: cfg.dags.deleteUnmanaged,
            manifestNamePrefix: slot.manifestNamePrefix,
        },
        { provider: providers.gcp },
    );
    return { slot, environment };
});
const serving = composers.find((c) => c.slot.serving)!.environment;
export const airflowUri = serving.airflowUri;
export const composerBucket = serving.bucket;
/** Each declared environment by slot (`current`, and `next` during a blue/green upgrade): which serves, URI, bucket. */
export const composerEnvironments = Object.fromEntries(
    composers.map(({ slot, environment }) => [
        slot.slot,
        {
            name: slot.settings.name,
            serving: slot.serving,
            airflowUri: environment.airflowUri,
            bucket: environment.bucket,
        },
    ]),
);

// Container images: built here (source build) or promoted by digest from the building stack (source promote).
let imageSet: Images | undefined;
if (cfg.images) {
    const location = cfg.images.location ?? cfg.gcp.region;
    const docker = cfg.images.source === "build" ? createDockerAccess(providers.gcp) : undefined;
    imageSet = new Images(
        "images",
        {
            source: cfg.images.source,
            images: cfg.images.images,
            rootDir: __dirname,
            project: cfg.gcp.project,
            location,
            repository: cfg.images.repository,
            registryToken: docker?.token,
            stackReference: cfg.images.stackReference,
            digests: cfg.images.digests,
        },
        { providers: docker ? [providers.gcp, docker.provider] : [providers.gcp] },
    );
}
/** Pinned image references by name; a promote channel reads this output of the build channel. */
export const images = imageSet?.refs;

// Helm and kustomize releases, their namespaces and Secret Manager secrets.
const releases = new Releases(
    "releases",
    {
        releases: cfg.releases,
        rootDir: __dirname,
        imageRefs: imageSet?.refs,
        managedImages: cfg.images?.images.map((i) => i.name),
        adopt: cfg.adopt,
        // In production a provider replacement or a config slip must not `helm uninstall` a release or delete a
        // Secret: Pulumi forgets them instead, and removing one from the cluster is a deliberate manual step.
        retainOnDelete: cfg.policy.production,
    },
    { providers: [providers.k8s, providers.gcp] },
);
export const helmReleases = releases.helmReleases;

// This channel's GitHub settings (protection of releases/<channel>, its environments and variables) are not managed
// here: they need repository administration, which no deploy job holds. The governance project (governance/, one
// stack per channel) applies them from the admin-only governance jobs. The patterns stay a stack output.
export const githubProtectedBranches = protectionRules(governanceArgs(cfg.stack, cfg.github)).map(
    (r) => r.pattern,
);
