import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { GOVERNANCE_KEY } from "./identity-rules";

export interface StateBackendArgs {
    /** Google Cloud project id that holds the bucket and keys. */
    readonly project: string;
    /** Region of the bucket and key ring, e.g. `us-west2`. */
    readonly location: string;
    /**
     * Every channel; each gets its own secrets key, so no channel can decrypt another's secrets. The bootstrap
     * stacks get one too (`pulumi-secrets-bootstrap`).
     */
    readonly channels: readonly string[];
    /**
     * Noncurrent versions kept of each state object at least; with {@link keepNoncurrentDays}, a version goes only
     * when it is both older and has this many newer versions.
     * @default 10
     */
    readonly keepNoncurrentVersions?: number;
    /**
     * Days a noncurrent version of a state object is kept at least. The DIY backend writes the checkpoint once per
     * resource step, so a count alone can be less than one deploy; time keeps every write of the last weeks.
     * @default 30
     */
    readonly keepNoncurrentDays?: number;
}

/** Where the shared backend lives, by name: every bootstrap stack derives the same names. */
export interface StateLocation {
    readonly project: string;
    readonly location: string;
}

export const KEY_RING = "pulumi";
/** 90 days, the longest soft-delete retention GCS accepts (7 to 90 days). */
export const SOFT_DELETE_SECONDS = 90 * 24 * 3600;
/** Bucket name of the shared Pulumi state. */
export const stateBucketName = (s: StateLocation): string => `${s.project}-pulumi-state`;
export const backendUrl = (s: StateLocation): string => `gs://${stateBucketName(s)}`;
/** Full resource id of a channel's secrets key. */
export const secretsKeyId = (s: StateLocation, channel: string): string =>
    `projects/${s.project}/locations/${s.location}/keyRings/${KEY_RING}/cryptoKeys/pulumi-secrets-${channel}`;
/** Key of the bootstrap stacks' own secrets; no CI identity may use it. */
export const BOOTSTRAP_KEY = "bootstrap";
/** `gcpkms://…` secrets provider of a channel (what `pulumi stack init --secrets-provider` takes). */
export const secretsProviderUri = (s: StateLocation, channel: string): string =>
    `gcpkms://${secretsKeyId(s, channel)}`;

/**
 * Where every channel stack keeps its state: a private, versioned GCS bucket (the `gs://` backend) and one Cloud
 * KMS key per channel for its secrets (the `gcpkms://` secrets provider). All protected: losing the bucket loses
 * every stack, destroying a key makes that channel's secrets unreadable.
 */
export class StateBackend extends pulumi.ComponentResource {
    public readonly bucket: pulumi.Output<string>;
    /** Key ids by channel. */
    public readonly keyIds: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("data-infra:bootstrap:StateBackend", name, {}, opts);
        const keep = args.keepNoncurrentVersions ?? 10;
        const keepDays = args.keepNoncurrentDays ?? 30;
        const where = { project: args.project, location: args.location };

        const bucket = new gcp.storage.Bucket(
            `${name}-bucket`,
            {
                project: args.project,
                name: stateBucketName(where),
                location: args.location.toUpperCase(),
                // Every state write keeps the previous version: a bad update or a corrupt checkpoint is recoverable.
                versioning: { enabled: true },
                uniformBucketLevelAccess: true,
                publicAccessPrevention: "enforced",
                lifecycleRules: [
                    {
                        action: { type: "Delete" },
                        // Bounded history: a noncurrent version goes once it is `keepDays` old AND `keep` newer
                        // versions exist (conditions of one rule must all hold).
                        condition: {
                            daysSinceNoncurrentTime: keepDays,
                            numNewerVersions: keep,
                            withState: "ARCHIVED",
                        },
                    },
                ],
                // A deleted or overwritten object (a deployer deleting its history, a bad lifecycle run) stays
                // restorable for the longest soft-delete window GCS allows.
                softDeletePolicy: { retentionDurationSeconds: SOFT_DELETE_SECONDS },
                forceDestroy: false,
            },
            { parent: this, protect: true },
        );
        const ring = new gcp.kms.KeyRing(
            `${name}-keyring`,
            { project: args.project, name: KEY_RING, location: args.location },
            // Cloud KMS cannot delete key rings; Pulumi would only forget it.
            { parent: this, protect: true },
        );
        this.keyIds = {};
        // Besides the channels': the bootstrap stacks' key and the governance stacks' (governance/).
        for (const channel of [...args.channels, BOOTSTRAP_KEY, GOVERNANCE_KEY].sort()) {
            const key = new gcp.kms.CryptoKey(
                `${name}-key-${channel}`,
                {
                    name: `pulumi-secrets-${channel}`,
                    keyRing: ring.id,
                    purpose: "ENCRYPT_DECRYPT",
                    // Old versions keep decrypting; new secrets use the newest version.
                    rotationPeriod: `${90 * 24 * 3600}s`,
                },
                { parent: this, protect: true },
            );
            // The key's full id, known offline; derived from an output of the key so bindings wait for it.
            this.keyIds[channel] = key.name.apply(() => secretsKeyId(where, channel));
        }

        this.bucket = bucket.name;
        this.registerOutputs({ bucket: this.bucket, keyIds: this.keyIds });
    }
}
