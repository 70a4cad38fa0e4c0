import * as pulumi from "@pulumi/pulumi";
import { MANIFEST_TYPE, type ManifestInputs } from "../../providers/gcs-manifest/manifest";

/** Inputs of a {@link PrefixManifest}, each of which may come from another resource. */
export type PrefixManifestArgs = { readonly [K in keyof ManifestInputs]: pulumi.Input<ManifestInputs[K]> };

/**
 * One managed prefix of a bucket, synced from a file manifest by this repository's `gcsmanifest` provider
 * (providers/gcs-manifest, loaded as a local plugin through Pulumi.yaml `plugins.providers`).
 */
export class PrefixManifest extends pulumi.CustomResource {
    /** Object name → generation written: the objects this resource manages. */
    public readonly generations!: pulumi.Output<Record<string, string>>;
    /** Objects under the prefix it does not manage, as last seen (drift). */
    public readonly unmanaged!: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: PrefixManifestArgs, opts?: pulumi.CustomResourceOptions) {
        super(MANIFEST_TYPE, name, { ...args, generations: undefined, unmanaged: undefined }, opts);
    }
}
