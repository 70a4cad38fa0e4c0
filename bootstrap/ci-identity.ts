import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { Problems } from "../lib/problems";
import {
    ATTRIBUTE_MAPPING,
    attributeCondition,
    composerActAsGrant,
    deployGrants,
    deployPrincipal,
    GITHUB_ISSUER,
    keyGrants,
    POOL_ID,
    PROVIDER_ID,
    previewGrants,
    previewPrincipal,
    driftPrincipal,
    tryPrincipal,
    GOVERNANCE_ACCOUNT,
    governancePrincipal,
    adminKeySecretResource,
    governanceStateGrants,
    providerName,
    roleKey,
    serviceAccountEmail,
    serviceAccountId,
    stateBucketGrants,
    type Grant,
    type RepositoryIds,
} from "./identity-rules";
import type { ChannelInfo } from "./channels";
import { ADMIN_KEY_SECRET_ID, releaseBranch } from "../components/github/naming";
import { throwIfInvalid } from "../components/platform/resource-error";

export interface CiIdentityArgs {
    /** Google Cloud project id. */
    readonly project: string;
    /** Its number; workload identity principals are named by it. */
    readonly projectNumber: string;
    /** The one GitHub repository whose workflows may authenticate, by its immutable ids. */
    readonly repositoryIds: RepositoryIds;
    /** Channels deploying into this project; each gets a deployer and a previewer. */
    readonly channels: readonly ChannelInfo[];
    /** Channels whose deploys push images here. @default none */
    readonly buildChannels?: readonly string[];
    /** Name of the shared state bucket. */
    readonly stateBucket: string;
    /** Secrets key ids by channel: every served channel's and its upstream's. */
    readonly keyIds: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * The governance service account (only in the state project, where the bucket is): used by the governance jobs
     * of `governance.yml` on `governingBranch` in the github-admin environment, with access to nothing but the
     * governance stacks' state and their secrets key.
     * @default none
     */
    readonly governance?: { readonly governingBranch: string; readonly keyId: pulumi.Input<string> };
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
        for (const k of keyGrants("deploy", c.name, c.promotedFrom)) {
            if (!(k.keyChannel in args.keyIds))
                problems.add(`keyIds.${k.keyChannel}`, `missing: channel ${c.name} needs it`);
        }
    }
    for (const b of args.buildChannels ?? []) {
        if (!names.has(b)) {
            problems.add(
                "data-infra-bootstrap:buildChannels",
                `not a channel of this project (${[...names].join(", ")})`,
                b,
            );
        }
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
    public readonly accounts: Record<string, ChannelAccounts>;
    /** The governance service account's email, when this project has it. */
    public readonly governanceServiceAccount?: string;
    /** The admin App key's secret (`projects/<project>/secrets/<id>`), when this project has the governance account. */
    public readonly adminKeySecret?: string;

    constructor(name: string, args: CiIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("data-infra:bootstrap:CiIdentity", name, {}, opts);
        throwIfInvalid(validateCiIdentityArgs(args), `CiIdentity ${name}`, this);
        const project = args.project;
        // Only the state project holds the admin App's key; its channels' accessor roles must not reach it.
        const adminKey = args.governance ? adminKeySecretResource(args.projectNumber) : undefined;

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
                attributeCondition: attributeCondition(args.repositoryIds),
                oidc: { issuerUri: GITHUB_ISSUER },
            },
            { parent: this },
        );

        this.accounts = {};
        for (const c of args.channels) {
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
                                ? `pulumi up of the ${c.name} channel from ${releaseBranch(c.name)}`
                                : `read-only pulumi preview of pull requests to ${releaseBranch(c.name)}`,
                    },
                    { parent: this },
                );
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
                if (kind === "deploy" && c.tryPullRequests) {
                    // A try of a pull request in this channel (after its environment's reviewers approve it).
                    new gcp.serviceaccount.IAMMember(
                        `${accountName}-wif-try`,
                        {
                            serviceAccountId: sa.name,
                            role: "roles/iam.workloadIdentityUser",
                            member: tryPrincipal(args.projectNumber, c.name),
                        },
                        { parent: this, dependsOn: [provider] },
                    );
                }
                if (kind === "preview") {
                    // The scheduled drift check previews each channel with its previewer (read-only).
                    new gcp.serviceaccount.IAMMember(
                        `${accountName}-wif-drift`,
                        {
                            serviceAccountId: sa.name,
                            role: "roles/iam.workloadIdentityUser",
                            member: driftPrincipal(args.projectNumber),
                        },
                        { parent: this, dependsOn: [provider] },
                    );
                }

                const member = `serviceAccount:${serviceAccountEmail(kind, c.name, project)}`;
                const child = { parent: this, dependsOn: [sa] };
                const grants =
                    kind === "deploy"
                        ? deployGrants({
                              channel: c.name,
                              region: c.region,
                              composerServiceAccount: c.composerServiceAccount,
                              buildsImages: (args.buildChannels ?? []).includes(c.name),
                              withheldSecret: adminKey,
                          })
                        : previewGrants(adminKey);
                if (kind === "deploy" && c.composerServiceAccount) {
                    // The Composer account must exist before the bootstrap (README "First deployment").
                    new gcp.serviceaccount.IAMMember(
                        `${accountName}-actas-composer`,
                        {
                            serviceAccountId: serviceAccountResource(c.composerServiceAccount),
                            role: composerActAsGrant.role,
                            member,
                        },
                        child,
                    );
                }
                for (const g of grants) {
                    new gcp.projects.IAMMember(
                        `${accountName}-${roleKey(g.role)}`,
                        { project, role: g.role, member, condition: conditionOf(g) },
                        child,
                    );
                }
                for (const g of stateBucketGrants(kind, args.stateBucket, c.name, c.promotedFrom)) {
                    new gcp.storage.BucketIAMMember(
                        `${accountName}-state-${roleKey(g.role)}`,
                        { bucket: args.stateBucket, role: g.role, member, condition: conditionOf(g) },
                        child,
                    );
                }
                for (const k of keyGrants(kind, c.name, c.promotedFrom)) {
                    new gcp.kms.CryptoKeyIAMMember(
                        `${accountName}-key-${k.keyChannel}`,
                        { cryptoKeyId: args.keyIds[k.keyChannel], role: k.role, member },
                        child,
                    );
                }
            }
            this.accounts[c.name] = {
                deployServiceAccount: serviceAccountEmail("deploy", c.name, project),
                previewServiceAccount: serviceAccountEmail("preview", c.name, project),
            };
        }

        if (args.governance) {
            const accountName = `${name}-governance`;
            const sa = new gcp.serviceaccount.Account(
                accountName,
                {
                    project,
                    accountId: GOVERNANCE_ACCOUNT,
                    displayName: "data-infra governance",
                    description: `pulumi up of the governance stacks from ${args.governance.governingBranch} (github-admin)`,
                },
                { parent: this },
            );
            new gcp.serviceaccount.IAMMember(
                `${accountName}-wif`,
                {
                    serviceAccountId: sa.name,
                    role: "roles/iam.workloadIdentityUser",
                    member: governancePrincipal(args.projectNumber, args.governance.governingBranch),
                },
                { parent: this, dependsOn: [provider] },
            );
            const member = `serviceAccount:${GOVERNANCE_ACCOUNT}@${project}.iam.gserviceaccount.com`;
            for (const g of governanceStateGrants(args.stateBucket)) {
                new gcp.storage.BucketIAMMember(
                    `${accountName}-state-${roleKey(g.role)}`,
                    { bucket: args.stateBucket, role: g.role, member, condition: conditionOf(g) },
                    { parent: this, dependsOn: [sa] },
                );
            }
            new gcp.kms.CryptoKeyIAMMember(
                `${accountName}-key`,
                {
                    cryptoKeyId: args.governance.keyId,
                    role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                    member,
                },
                { parent: this, dependsOn: [sa] },
            );
            // The admin App's private key: declared here (never its value) and readable by this account alone. Secret
            // IAM is per secret (Google Cloud docs, Secret Manager "Access control with IAM": roles granted on a
            // secret apply to it and its versions); the channels' project-wide accessor roles exclude it (above).
            const secret = new gcp.secretmanager.Secret(
                `${name}-admin-app-key`,
                {
                    project,
                    secretId: ADMIN_KEY_SECRET_ID,
                    replication: { auto: {} },
                    labels: { "data-infra": "github-admin-app-key" },
                },
                { parent: this, protect: true },
            );
            new gcp.secretmanager.SecretIamMember(
                `${name}-admin-app-key-governance`,
                { project, secretId: secret.secretId, role: "roles/secretmanager.secretAccessor", member },
                { parent: this, dependsOn: [sa] },
            );
            this.adminKeySecret = `projects/${project}/secrets/${ADMIN_KEY_SECRET_ID}`;
            this.governanceServiceAccount = `${GOVERNANCE_ACCOUNT}@${project}.iam.gserviceaccount.com`;
        }

        // Derived from an output of the provider, so whoever reads it waits for the provider to exist.
        this.workloadIdentityProvider = provider.workloadIdentityPoolProviderId.apply(() =>
            providerName(args.projectNumber),
        );
        this.registerOutputs({
            workloadIdentityProvider: this.workloadIdentityProvider,
            accounts: this.accounts,
            governanceServiceAccount: this.governanceServiceAccount,
            adminKeySecret: this.adminKeySecret,
        });
    }
}

function conditionOf(g: Grant): { title: string; expression: string; description: string } | undefined {
    return g.condition ? { ...g.condition, description: g.why } : undefined;
}

/** `projects/<project>/serviceAccounts/<email>`, the project read from the email's domain. */
export function serviceAccountResource(email: string): string {
    const project = email.split("@")[1]?.split(".")[0] ?? "-";
    return `projects/${project}/serviceAccounts/${email}`;
}
