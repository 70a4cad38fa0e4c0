import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { Problems } from "../config/problems";
import {
    ATTRIBUTE_MAPPING,
    attributeCondition,
    deployGrants,
    deployPrincipal,
    GITHUB_ISSUER,
    keyGrant,
    POOL_ID,
    PROVIDER_ID,
    previewGrants,
    previewPrincipal,
    providerName,
    roleKey,
    serviceAccountEmail,
    serviceAccountId,
    stateBucketGrants,
    type Grant,
} from "./identity-rules";
import type { ServedChannel } from "./channels";
import { stateBucketName } from "./state-backend";

export interface CiIdentityArgs {
    /** Google Cloud project id. */
    readonly project: string;
    /** Its number; workload identity principals are named by it. */
    readonly projectNumber: string;
    /** The one GitHub repository (`owner/name`) whose workflows may authenticate. */
    readonly repository: string;
    /** Channels deploying into this project; each gets a deployer and a previewer. */
    readonly channels: readonly ServedChannel[];
    /** Channels whose deploys push images here. @default none */
    readonly buildChannels?: readonly string[];
    /** The state bucket's name. */
    readonly stateBucket: pulumi.Input<string>;
    /** The secrets key's id. */
    readonly keyId: pulumi.Input<string>;
}

/** The service accounts of one channel. */
export interface ChannelAccounts {
    readonly deployServiceAccount: string;
    readonly previewServiceAccount: string;
}

export function validateCiIdentityArgs(args: CiIdentityArgs): Problems {
    const problems = new Problems();
    const names = new Set(args.channels.map((c) => c.name));
    for (const c of args.channels) {
        // Service account ids are 6-30 characters; "preview-" takes 8.
        if (!/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/.test(c.name)) {
            problems.add(
                `channel ${c.name}`,
                "must be 2-22 lowercase letters, digits or - to name its service accounts",
                c.name,
            );
        }
    }
    for (const b of args.buildChannels ?? []) {
        if (!names.has(b))
            problems.add(
                "data-infra-bootstrap:buildChannels",
                `not a channel of this project (${[...names].join(", ")})`,
                b,
            );
    }
    return problems;
}

/**
 * Keyless CI for one GCP project: a workload identity pool and GitHub OIDC provider that accept only this
 * repository, and per channel a deployer (usable only from `releases/<channel>`) and a read-only previewer (usable
 * only from pull requests targeting it), each with the least roles its job needs.
 */
export class CiIdentity extends pulumi.ComponentResource {
    /** Full provider name for `google-github-actions/auth`. */
    public readonly workloadIdentityProvider: pulumi.Output<string>;
    /** Service account emails by channel. */
    public readonly channels: pulumi.Output<Record<string, ChannelAccounts>>;

    constructor(name: string, args: CiIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("data-infra:bootstrap:CiIdentity", name, {}, opts);
        validateCiIdentityArgs(args).throwIfAny(`CiIdentity ${name}`);
        const project = args.project;

        const pool = new gcp.iam.WorkloadIdentityPool(
            `${name}-pool`,
            { project, workloadIdentityPoolId: POOL_ID, displayName: "GitHub Actions" },
            { parent: this },
        );
        const provider = new gcp.iam.WorkloadIdentityPoolProvider(
            `${name}-provider`,
            {
                project,
                workloadIdentityPoolId: pool.workloadIdentityPoolId,
                workloadIdentityPoolProviderId: PROVIDER_ID,
                displayName: "GitHub",
                attributeMapping: { ...ATTRIBUTE_MAPPING },
                attributeCondition: attributeCondition(args.repository),
                oidc: { issuerUri: GITHUB_ISSUER },
            },
            { parent: this },
        );

        const accounts: Record<string, ChannelAccounts> = {};
        for (const c of args.channels) {
            const builds = (args.buildChannels ?? []).includes(c.name);
            for (const kind of ["deploy", "preview"] as const) {
                const accountName = `${name}-${kind}-${c.name}`;
                const sa = new gcp.serviceaccount.Account(
                    accountName,
                    {
                        project,
                        accountId: serviceAccountId(kind, c.name),
                        displayName: `data-infra ${kind} (${c.name})`,
                        description:
                            kind === "deploy"
                                ? `pulumi up of the ${c.name} channel from releases/${c.name}`
                                : `read-only pulumi preview of pull requests to releases/${c.name}`,
                    },
                    { parent: this },
                );
                const member = `serviceAccount:${serviceAccountEmail(kind, c.name, project)}`;
                const child = { parent: this, dependsOn: [sa] };
                new gcp.serviceaccount.IAMMember(
                    `${accountName}-wif`,
                    {
                        serviceAccountId: sa.name,
                        role: "roles/iam.workloadIdentityUser",
                        member:
                            kind === "deploy"
                                ? deployPrincipal(args.projectNumber, c.name)
                                : previewPrincipal(args.projectNumber, c.name),
                    },
                    { parent: this, dependsOn: [provider] },
                );
                const grants =
                    kind === "deploy"
                        ? deployGrants({ channel: c.name, region: c.region, buildsImages: builds })
                        : previewGrants();
                for (const g of grants) {
                    new gcp.projects.IAMMember(
                        `${accountName}-${roleKey(g.role)}`,
                        { project, role: g.role, member, condition: conditionOf(g) },
                        child,
                    );
                }
                for (const g of stateBucketGrants(kind, stateBucketName(project))) {
                    new gcp.storage.BucketIAMMember(
                        `${accountName}-state-${roleKey(g.role)}`,
                        { bucket: args.stateBucket, role: g.role, member, condition: conditionOf(g) },
                        child,
                    );
                }
                const k = keyGrant(kind);
                new gcp.kms.CryptoKeyIAMMember(
                    `${accountName}-key`,
                    { cryptoKeyId: args.keyId, role: k.role, member },
                    child,
                );
            }
            accounts[c.name] = {
                deployServiceAccount: serviceAccountEmail("deploy", c.name, project),
                previewServiceAccount: serviceAccountEmail("preview", c.name, project),
            };
        }

        this.workloadIdentityProvider = provider.workloadIdentityPoolProviderId.apply(() =>
            providerName(args.projectNumber),
        );
        this.channels = pulumi.output(accounts);
        this.registerOutputs({
            workloadIdentityProvider: this.workloadIdentityProvider,
            channels: this.channels,
        });
    }
}

function conditionOf(g: Grant): { title: string; expression: string; description: string } | undefined {
    return g.condition ? { ...g.condition, description: g.why } : undefined;
}
