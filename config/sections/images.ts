import type { ConfigSection } from "../section";
import { keyPath } from "../section";
import type { ImageConfig } from "../../components/images/images";

/** How this channel gets its container images. */
export interface ImagesConfig {
    /** `build`: build and push every image here; `promote`: deploy the digests another stack built. */
    readonly source: "build" | "promote";
    /** The building stack (`<org>/data-infra/test`) whose `images` output a promote channel deploys. */
    readonly stackReference?: string;
    /**
     * Pinned reference per image name (`<registry>/<name>@sha256:…`) that a promote channel deploys instead of the
     * building stack's current output. The promote workflow writes it: the digests the upstream channel's deploy of
     * the promoted commit built and ran, so prod deploys exactly what test ran (issue 15, H6b).
     */
    readonly digests?: Readonly<Record<string, string>>;
    /** Artifact Registry repository id (build channel). */
    readonly repository: string;
    /** Artifact Registry location; the channel's gcp region when omitted. */
    readonly location?: string;
    readonly images: readonly ImageConfig[];
}

export const imagesSection: ConfigSection<ImagesConfig | undefined> = {
    description:
        "Container images: {source: build|promote, stackReference, digests, repository, location, images: [{name, context, dockerfile, buildArgs, target}]}.",
    required: false,
    schema: {
        type: "object",
        additionalProperties: false,
        required: ["source"],
        properties: {
            source: { enum: ["build", "promote"] },
            stackReference: {
                type: "string",
                pattern: "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
                description: "a fully qualified stack name <org>/<project>/<stack>",
            },
            digests: {
                type: "object",
                additionalProperties: {
                    type: "string",
                    pattern: "^[^\\s@]+@sha256:[0-9a-f]{64}$",
                    description: "a pinned reference <registry>/<name>@sha256:<64 hex>",
                },
            },
            repository: { type: "string", pattern: "^[a-z]([a-z0-9-]*[a-z0-9])?$", default: "data-infra" },
            location: { type: "string", pattern: "^[a-z]+(-[a-z]+[0-9])?$" },
            images: {
                type: "array",
                default: [],
                items: {
                    type: "object",
                    additionalProperties: false,
                    required: ["name", "context"],
                    properties: {
                        name: { type: "string", pattern: "^[a-z0-9]+([._-][a-z0-9]+)*$" },
                        context: {
                            type: "string",
                            pattern: "^images/[^/]+(/[^/]+)*$",
                            description: "a folder under images/ (images/<name>)",
                        },
                        dockerfile: { type: "string", minLength: 1, default: "Dockerfile" },
                        buildArgs: { type: "object", additionalProperties: { type: "string" }, default: {} },
                        target: { type: "string", minLength: 1 },
                    },
                },
            },
        },
    },
    resolve(value, _ctx, problems) {
        if (value === undefined) return undefined;
        const v = value as ImagesConfig;
        if (v.source === "promote" && v.stackReference === undefined) {
            problems.add(
                keyPath("images", "stackReference"),
                "required with source promote: the stack that builds, e.g. organization/data-infra/test",
            );
        }
        if (v.source === "build" && v.stackReference !== undefined) {
            problems.add(keyPath("images", "stackReference"), "only valid with source promote");
        }
        if (v.digests !== undefined) {
            if (v.source !== "promote") {
                problems.add(
                    keyPath("images", "digests"),
                    "only valid with source promote",
                    Object.keys(v.digests),
                );
            } else {
                const names = new Set(v.images.map((i) => i.name));
                for (const n of Object.keys(v.digests).sort())
                    if (!names.has(n))
                        problems.add(keyPath("images", "digests", n), "not an image of this channel", n);
                for (const n of [...names].sort())
                    if (!(n in v.digests))
                        problems.add(keyPath("images", "digests"), `no digest for image ${n}`);
            }
        }
        const seen = new Set<string>();
        v.images.forEach((img, i) => {
            if (seen.has(img.name))
                problems.add(keyPath("images", "images", i, "name"), "duplicate", img.name);
            seen.add(img.name);
        });
        return v;
    },
};
