/**
 * data-infra: the data platform of one release channel (this stack). Composition only: load the typed config once,
 * build explicit providers, create the components, export what other stacks and people need.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, engineSecretKeys } from "./config";
import { createProviders } from "./components/platform/providers";
import { ComposerEnvironment, DagSync, composerImportId } from "./components/airflow";
import { createDockerAccess } from "./components/images/docker-provider";
import { Images } from "./components/images/images";
import { Releases } from "./components/releases/releases";
import { GithubGovernance } from "./components/github/governance";

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
        // A production environment holds the Airflow metadata database and run history: a replace or delete must
        // be a deliberate two-step change there, while test environments are cheap to rebuild.
        protect: cfg.composer.protect ?? cfg.policy.production,
        // Taking over the live environment (and its bucket) on the first up, when the stack says it exists.
        importId: cfg.adopt.composer
            ? composerImportId(cfg.gcp.project, cfg.composer.region ?? cfg.gcp.region, cfg.composer.name)
            : undefined,
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

// This channel's GitHub settings: protection of releases/<channel> (and main in the stack that owns it), its
// deployment environment and the variables its workflows authenticate with.
const governance = new GithubGovernance(
    "github",
    {
        repository: cfg.github.repository,
        channel: cfg.stack,
        manageDefaultBranch: cfg.github.manageDefaultBranch,
        mainRequiredReviews: cfg.github.mainRequiredReviews,
        releaseRequiredReviews: cfg.github.releaseRequiredReviews,
        releaseManagers: cfg.github.releaseManagers,
        promotedFrom: cfg.github.promotedFrom,
        environmentReviewers: cfg.github.environmentReviewers,
        ci: cfg.github.ci,
    },
    { provider: providers.github },
);
export const githubProtectedBranches = governance.protectedPatterns;
