import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as docker from "@pulumi/docker";
import { Problems } from "../../lib/problems";
import { projectPath } from "../platform/paths";
import { hashTree } from "../releases/tree-hash";
import { byCodeUnit } from "../../lib/order";
import { throwIfInvalid } from "../platform/resource-error";

/** One container image built from a folder under `images/`. */
export interface ImageConfig {
    /** Image name in the registry and in releases' `images` references. */
    readonly name: string;
    /** Build context: a repository-relative folder under `images/`. */
    readonly context: string;
    /** Dockerfile path relative to the context (default `Dockerfile`). */
    readonly dockerfile: string;
    /** Docker build arguments. */
    readonly buildArgs: Readonly<Record<string, string>>;
    /** Multi-stage build target. */
    readonly target?: string;
}

/** What the channel's images need. */
export interface ImagesArgs {
    /** `build`: build and push every image here; `promote`: deploy the digests the build channel exported. */
    readonly source: "build" | "promote";
    /** The images (config `images.images`). */
    readonly images: readonly ImageConfig[];
    /** Folder that image contexts are relative to: the repository root. */
    readonly rootDir: string;
    /** Project of the Artifact Registry repository (build). */
    readonly project: string;
    /** Location of the Artifact Registry repository, e.g. `us-west2` (build). */
    readonly location: string;
    /** Artifact Registry repository id (build). */
    readonly repository: string;
    /**
     * OAuth access token the image push authenticates with (`oauth2accesstoken`), e.g. the gcp provider's
     * `getClientConfig().accessToken`. Required for `build`.
     */
    readonly registryToken?: pulumi.Input<string>;
    /** Fully qualified stack whose `images` output a `promote` channel deploys, e.g. `organization/data-infra/test`. */
    readonly stackReference?: string;
    /**
     * Pinned references a `promote` channel deploys, by image name (config `images.digests`, written by the promote
     * workflow from the upstream's tested deploy). When set, the building stack is not read at all.
     * @default the building stack's current `images` output
     */
    readonly digests?: Readonly<Record<string, string>>;
}

/**
 * The channel's container images. A `build` channel declares an Artifact Registry repository and builds and pushes
 * each image, tagged with the content hash of its build context (an unchanged context is never rebuilt). A
 * `promote` channel builds nothing: it reads the digests the build channel exported, so it deploys exactly the
 * artifacts that channel ran. Needs the `gcp` and `docker` providers (`providers` option) to build.
 * @see https://www.pulumi.com/registry/packages/docker/api-docs/image/
 */
export class Images extends pulumi.ComponentResource {
    /** The component's type token: part of every child's URN, so never change it. */
    public static readonly TYPE = "data-infra:images:Images";

    /** Pinned reference `<registry>/<name>@sha256:…` per image name; export it as the stack output `images`. */
    public readonly refs: pulumi.Output<Record<string, string>>;
    /** The registry path images are pushed to (build), e.g. `us-west2-docker.pkg.dev/p/data-infra`. */
    public readonly registry?: string;

    constructor(name: string, args: ImagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super(Images.TYPE, name, {}, opts);
        throwIfInvalid(validateImages(args), `Images ${name}`, this);
        const names = args.images.map((i) => i.name);

        if (args.source === "promote" && args.digests) {
            // What the promotion pull request pinned, reviewed and checked by the deploy guard: no live read of the
            // building stack, whose output may already belong to a newer test deploy (issue 15, H6b).
            const digests = args.digests;
            this.refs = pulumi.output(Object.fromEntries(names.map((n) => [n, digests[n]])));
            this.registerOutputs({ refs: this.refs });
            return;
        }
        if (args.source === "promote") {
            const source = new pulumi.StackReference(
                `${name}-source`,
                { name: args.stackReference as string },
                { parent: this },
            );
            this.refs = source.getOutput("images").apply((all: Record<string, string> | undefined) => {
                const missing = names.filter((n) => !all?.[n]);
                if (missing.length) {
                    throw new pulumi.ResourceError(
                        `stack ${args.stackReference} exports no digest for ${missing.join(", ")}: deploy it first`,
                        this,
                    );
                }
                return Object.fromEntries(names.map((n) => [n, all![n]]));
            });
            this.registerOutputs({ refs: this.refs });
            return;
        }

        this.registry = registryPath(args.project, args.location, args.repository);
        const repository = new gcp.artifactregistry.Repository(
            `${name}-repository`,
            {
                project: args.project,
                location: args.location,
                repositoryId: args.repository,
                format: "DOCKER",
                description: "Container images built by data-infra; later channels deploy these digests.",
                // Tags are content hashes: one tag always names the same bytes.
                dockerConfig: { immutableTags: true },
            },
            // Promoted channels pull from this repository: deleting it would break every channel at once.
            { parent: this, protect: true },
        );
        const built: Record<string, pulumi.Output<string>> = {};
        for (const img of args.images) {
            const context = projectPath(args.rootDir, img.context);
            const image = new docker.Image(
                `${name}-${img.name}`,
                {
                    imageName: `${this.registry}/${img.name}:${contextTag(path.resolve(args.rootDir, img.context), img)}`,
                    build: {
                        context,
                        dockerfile: `${context}/${img.dockerfile}`,
                        args: img.buildArgs,
                        target: img.target,
                        // GKE nodes run amd64, whatever machine builds.
                        platform: "linux/amd64",
                    },
                    registry: {
                        server: registryHost(args.location),
                        username: "oauth2accesstoken",
                        password: pulumi.secret(args.registryToken ?? ""),
                    },
                },
                { parent: this, dependsOn: [repository] },
            );
            built[img.name] = image.repoDigest;
        }
        this.refs = pulumi.output(built);
        this.registerOutputs({ refs: this.refs, registry: this.registry });
    }
}

/** `us-west2` → `us-west2-docker.pkg.dev`, the Artifact Registry host images are pushed to. */
export const registryHost = (location: string) => `${location}-docker.pkg.dev`;

/** `<host>/<project>/<repository>`: where a build channel's images live. */
export const registryPath = (project: string, location: string, repository: string) =>
    `${registryHost(location)}/${project}/${repository}`;

/**
 * The image tag: a hash of what `docker build` sees, i.e. the context minus `.dockerignore`d files (the
 * Dockerfile always counts), plus the Dockerfile path, build arguments and target. Same context, same tag: no
 * rebuild; any change that reaches the build, a new tag.
 */
export function contextTag(context: string, img: Pick<ImageConfig, "dockerfile" | "buildArgs" | "target">): string {
    const tree = hashTree(context, {
        ignoreFile: ".dockerignore",
        rootAnchored: true,
        alwaysInclude: [img.dockerfile, ".dockerignore"],
    });
    const args = Object.entries(img.buildArgs).sort(([a], [b]) => byCodeUnit(a, b));
    const h = crypto.createHash("sha256");
    h.update(JSON.stringify({ tree: tree.sha256, dockerfile: img.dockerfile, args, target: img.target ?? null }));
    return `ctx-${h.digest("hex").slice(0, 16)}`;
}

/** Build contexts and Dockerfiles must exist (build); a promote channel checks nothing locally. */
export function validateImages(
    args: Pick<ImagesArgs, "source" | "images" | "rootDir" | "registryToken" | "stackReference" | "digests">,
): Problems {
    const problems = new Problems();
    if (args.source === "promote") {
        if (!args.stackReference) problems.add("images.stackReference", "required with source promote");
        for (const img of args.images)
            if (args.digests && !/^[^\s@]+@sha256:[0-9a-f]{64}$/.test(args.digests[img.name] ?? ""))
                problems.add(`images.digests.${img.name}`, "needs a pinned reference <registry>/<name>@sha256:<64 hex>");
        return problems;
    }
    for (const img of args.images) {
        const context = path.resolve(args.rootDir, img.context);
        if (!fs.existsSync(context) || !fs.statSync(context).isDirectory()) {
            problems.add(`image ${img.name}: context ${img.context}`, "folder not found");
        } else if (!fs.existsSync(path.join(context, img.dockerfile))) {
            problems.add(`image ${img.name}: ${img.context}/${img.dockerfile}`, "Dockerfile not found");
        }
    }
    if (args.images.length && args.registryToken === undefined) {
        problems.add("image build", "needs a registry token to push");
    }
    return problems;
}
