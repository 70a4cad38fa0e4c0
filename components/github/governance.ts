import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { Problems } from "../../config/problems";
import type { CiIdentityConfig, EnvironmentReviewers } from "../../config/sections/github";
import { checkNames, DEFAULT_BRANCH, environmentVariables, previewVariables, releaseBranch } from "./naming";

/** What one channel's stack owns of the repository's settings. */
export interface GithubGovernanceArgs {
    /** Repository name (without owner); the provider's `owner` says whose. */
    readonly repository: string;
    /** The channel (stack) name; it owns `releases/<channel>` and the environment `<channel>`. */
    readonly channel: string;
    /**
     * Also own the protection of `main`. Exactly one stack must (GitHub keeps one rule per pattern).
     * @default false: only the release branch is protected.
     */
    readonly manageDefaultBranch?: boolean;
    /**
     * Approving reviews a pull request to `main` needs (with `manageDefaultBranch`).
     * @default 1
     */
    readonly mainRequiredReviews?: number;
    /**
     * Approving reviews a pull request to `releases/<channel>` needs, besides the channel's passing preview.
     * @default 0: the preview check and, for prod, the environment's reviewers gate the release.
     */
    readonly releaseRequiredReviews?: number;
    /**
     * Required reviewers of the channel's environment, as numeric GitHub ids.
     * @default none: deploys start without approval.
     * @see https://www.pulumi.com/registry/packages/github/api-docs/repositoryenvironment/
     */
    readonly environmentReviewers?: EnvironmentReviewers;
    /**
     * Keyless CI identity and backend from the bootstrap project, published as environment and repository
     * variables for the workflows.
     * @default none: the variables are not managed (before the bootstrap project ran).
     */
    readonly ci?: CiIdentityConfig;
}

/** One branch protection rule, as the component creates it. */
export interface ProtectionRule {
    /** Stable key for the child's name: `main` or `release`. */
    readonly key: "main" | "release";
    readonly pattern: string;
    readonly requiredChecks: readonly string[];
    readonly requiredReviews: number;
    /** Whether the head must contain the base's latest commit before merging. */
    readonly strict: boolean;
}

/** The protection rules one channel's stack owns: its release branch, and `main` if it manages it. */
export function protectionRules(args: GithubGovernanceArgs): ProtectionRule[] {
    const rules: ProtectionRule[] = [
        {
            key: "release",
            pattern: releaseBranch(args.channel),
            // The offline plan exits non-zero on a mandatory policy violation: requiring it makes policy block.
            requiredChecks: [checkNames.preview(args.channel), checkNames.plan],
            requiredReviews: args.releaseRequiredReviews ?? 0,
            // Not "up to date": release branches only take promotion PRs from a long-lived upstream (main,
            // releases/test), which never contains the merge commits of earlier promotions, so the rule could
            // never be met without merging release branches back upstream. The preview reruns on every new head.
            strict: false,
        },
    ];
    if (args.manageDefaultBranch) {
        rules.push({
            key: "main",
            pattern: DEFAULT_BRANCH,
            requiredChecks: [checkNames.test],
            requiredReviews: args.mainRequiredReviews ?? 1,
            strict: true,
        });
    }
    return rules;
}

/** The GitHub Actions variables the workflows read: per environment (deploys) and per repository (previews). */
export function workflowVariables(
    channel: string,
    ci: CiIdentityConfig,
): { environment: Record<string, string>; repository: Record<string, string> } {
    const env = environmentVariables;
    const preview = previewVariables(channel);
    return {
        environment: {
            [env.workloadIdentityProvider]: ci.workloadIdentityProvider,
            [env.serviceAccount]: ci.deployServiceAccount,
            [env.backendUrl]: ci.backendUrl,
            [env.stack]: channel,
        },
        repository: {
            [preview.workloadIdentityProvider]: ci.workloadIdentityProvider,
            [preview.serviceAccount]: ci.previewServiceAccount,
            [preview.backendUrl]: ci.backendUrl,
        },
    };
}

export function validateGithubGovernanceArgs(args: GithubGovernanceArgs): Problems {
    const problems = new Problems();
    if (!/^[a-z][a-z0-9-]*$/.test(args.channel) || args.channel === DEFAULT_BRANCH) {
        problems.add(
            "channel",
            `must be lowercase letters, digits and -, not "${DEFAULT_BRANCH}"`,
            args.channel,
        );
    }
    return problems;
}

/**
 * A channel's GitHub governance: protection of `releases/<channel>` (and `main` in the one stack that owns it)
 * requiring the checks the rendered workflows report, the channel's deployment environment limited to its release
 * branch, and the variables the workflows authenticate with. Needs a token with repository administration.
 */
export class GithubGovernance extends pulumi.ComponentResource {
    /** Branch patterns this stack protects. */
    public readonly protectedPatterns: string[];
    /** The deployment environment's name. */
    public readonly environment: pulumi.Output<string>;

    constructor(name: string, args: GithubGovernanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("data-infra:github:Governance", name, {}, opts);
        validateGithubGovernanceArgs(args).throwIfAny(`GithubGovernance ${name}`);
        const repository = args.repository;

        const rules = protectionRules(args);
        for (const rule of rules) {
            new github.BranchProtection(
                `${name}-protect-${rule.key}`,
                {
                    repositoryId: repository,
                    pattern: rule.pattern,
                    requiredStatusChecks: [{ strict: rule.strict, contexts: [...rule.requiredChecks] }],
                    requiredPullRequestReviews: [
                        { requiredApprovingReviewCount: rule.requiredReviews, dismissStaleReviews: true },
                    ],
                    requireConversationResolution: true,
                    allowsForcePushes: false,
                    allowsDeletions: false,
                    // Deploys follow merges; an admin pushing past the checks would deploy unreviewed state.
                    enforceAdmins: true,
                },
                // GitHub keeps one rule per pattern: a replacement must delete the old rule first.
                { parent: this, deleteBeforeReplace: true },
            );
        }

        const reviewers = args.environmentReviewers ?? { users: [], teams: [] };
        const gated = reviewers.users.length + reviewers.teams.length > 0;
        const env = new github.RepositoryEnvironment(
            `${name}-environment`,
            {
                repository,
                environment: args.channel,
                reviewers: gated ? [{ users: [...reviewers.users], teams: [...reviewers.teams] }] : [],
                // An approval gate is only a gate if the author cannot approve and admins cannot skip it.
                preventSelfReview: gated,
                canAdminsBypass: !gated,
                deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
            },
            { parent: this },
        );
        new github.RepositoryEnvironmentDeploymentPolicy(
            `${name}-environment-branch`,
            { repository, environment: env.environment, branchPattern: releaseBranch(args.channel) },
            { parent: this },
        );

        if (args.ci) {
            const vars = workflowVariables(args.channel, args.ci);
            for (const [variableName, value] of Object.entries(vars.environment)) {
                new github.ActionsEnvironmentVariable(
                    `${name}-env-${variableName}`,
                    { repository, environment: env.environment, variableName, value },
                    { parent: this },
                );
            }
            for (const [variableName, value] of Object.entries(vars.repository)) {
                new github.ActionsVariable(
                    `${name}-repo-${variableName}`,
                    { repository, variableName, value },
                    { parent: this },
                );
            }
        }

        this.protectedPatterns = rules.map((r) => r.pattern);
        this.environment = env.environment;
        this.registerOutputs({ protectedPatterns: this.protectedPatterns, environment: this.environment });
    }
}
