import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";

export interface StateBackendArgs {
    /** Google Cloud project id that holds the bucket and key. */
    readonly project: string;
    /** Region of the bucket and key ring, e.g. `us-west2`. */
    readonly location: string;
    /**
     * Noncurrent versions kept of each state object; older ones are deleted.
     * @default 10
     */
    readonly keepNoncurrentVersions?: number;
}

/** Bucket name for a project's Pulumi state. */
export const stateBucketName = (project: string): string => `${project}-pulumi-state`;
export const KEY_RING = "pulumi";
export const SECRETS_KEY = "pulumi-secrets";

/** `gcpkms://…` secrets provider URI of a project's Pulumi key (what `pulumi stack init --secrets-provider` takes). */
export function secretsProviderUri(project: string, location: string): string {
    return `gcpkms://projects/${project}/locations/${location}/keyRings/${KEY_RING}/cryptoKeys/${SECRETS_KEY}`;
}

/**
 * Where the channel stacks keep their state: a private, versioned GCS bucket (the `gs://` backend) and a Cloud KMS
 * key for their secrets (the `gcpkms://` secrets provider). Both are protected: losing either loses every stack.
 */
export class StateBackend extends pulumi.ComponentResource {
    public readonly bucket: pulumi.Output<string>;
    /** `gs://<bucket>`, for `pulumi login`. */
    public readonly backendUrl: pulumi.Output<string>;
    /** Full resource id of the secrets key (`projects/…/cryptoKeys/…`). */
    public readonly keyId: pulumi.Output<string>;
    /** `gcpkms://…`, for `--secrets-provider`. */
    public readonly secretsProvider: pulumi.Output<string>;

    constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("data-infra:bootstrap:StateBackend", name, {}, opts);
        const keep = args.keepNoncurrentVersions ?? 10;

        const bucket = new gcp.storage.Bucket(
            `${name}-bucket`,
            {
                project: args.project,
                name: stateBucketName(args.project),
                location: args.location.toUpperCase(),
                // Every state write keeps the previous version: a bad update or a corrupt checkpoint is recoverable.
                versioning: { enabled: true },
                uniformBucketLevelAccess: true,
                publicAccessPrevention: "enforced",
                lifecycleRules: [
                    {
                        action: { type: "Delete" },
                        // Bounded history: a noncurrent version goes once `keep` newer versions exist.
                        condition: { numNewerVersions: keep, withState: "ARCHIVED" },
                    },
                ],
                forceDestroy: false,
            },
            // Deleting the bucket deletes every channel's state.
            { parent: this, protect: true },
        );
        const ring = new gcp.kms.KeyRing(
            `${name}-keyring`,
            { project: args.project, name: KEY_RING, location: args.location },
            // Key rings cannot be deleted in Cloud KMS; Pulumi would only forget it.
            { parent: this, protect: true },
        );
        const key = new gcp.kms.CryptoKey(
            `${name}-key`,
            {
                name: SECRETS_KEY,
                keyRing: ring.id,
                purpose: "ENCRYPT_DECRYPT",
                // Old versions keep decrypting; new secrets use the newest version.
                rotationPeriod: `${90 * 24 * 3600}s`,
            },
            // Destroying the key makes every stack's secrets unreadable.
            { parent: this, protect: true },
        );

        this.bucket = bucket.name;
        this.backendUrl = pulumi.interpolate`gs://${bucket.name}`;
        this.keyId = key.id;
        this.secretsProvider = pulumi.output(secretsProviderUri(args.project, args.location));
        this.registerOutputs({
            bucket: this.bucket,
            backendUrl: this.backendUrl,
            keyId: this.keyId,
            secretsProvider: this.secretsProvider,
        });
    }
}
