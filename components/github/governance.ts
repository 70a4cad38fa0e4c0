import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { Problems } from "../../lib/problems";
import {
    ADMIN_ENVIRONMENT,
    checkNames,
    DEFAULT_BRANCH,
    environmentVariables,
    previewVariables,
    promoteEnvironment,
    releaseBranch,
} from "./naming";
import { throwIfInvalid } from "../platform/resource-error";

/** Who approves deployments to a channel's GitHub environment, by numeric GitHub id. */
export interface EnvironmentReviewers {
    /** User ids (`gh api users/<login> --jq .id`); at most 6. */
    readonly users: readonly number[];
    /** Team ids (`gh api orgs/<org>/teams/<slug> --jq .id`); at most 6. */
    readonly teams: readonly number[];
}

/**
 * The channel's keyless CI identity and state backend, as the bootstrap project outputs them. Written into the
 * stack file by `bootstrap/write-config.ts`, never by hand.
 */
export interface CiIdentityConfig {
    /** Full workload identity provider name: `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`. */
    readonly workloadIdentityProvider: string;
    /** Service account deploys (`pulumi up` on `releases/<channel>`) impersonate. */
    readonly deployServiceAccount: string;
    /** Read-only service account previews (pull requests to `releases/<channel>`) impersonate. */
    readonly previewServiceAccount: string;
    /** Pulumi state backend, `gs://<bucket>`. */
    readonly backendUrl: string;
}

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
     * Approving reviews a pull request to `releases/<channel>` needs, besides its checks; at least 1 (a release
     * branch that merges without a review is deployed by whoever can push).
     * @default 1
     */
    readonly releaseRequiredReviews?: number;
    /**
     * Who may push to and merge into `releases/<channel>`: GitHub actor names, `/<user>` or `<org>/<team-slug>`.
     * Nobody else, however much repository access they have (the protection binds admins too).
     */
    readonly releaseManagers: readonly string[];
    /**
     * The channel this one is promoted from (`main` or a channel). A promoted channel requires the promote
     * workflow's `promotion (<channel>)` status on the promotion commit (the upstream's tested commit plus pinned
     * digests, from `promote/<channel>`).
     * @default "main"
     */
    readonly promotedFrom?: string;
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
    /**
     * Also own the admin environment ({@link ADMIN_ENVIRONMENT}), where the governance jobs run with the admin App's
     * key: deployments only from `branch`, approved by `reviewers` (at least one; no self-review, no admin bypass).
     * Exactly one stack does: the one that owns `main`'s protection.
     * @default none
     */
    readonly adminEnvironment?: AdminEnvironment;
}

/** The admin environment's settings. */
export interface AdminEnvironment {
    /** The only branch whose jobs may use it: the governing channel's release branch. */
    readonly branch: string;
    /** Who approves each governance run. */
    readonly reviewers: EnvironmentReviewers;
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
    /**
     * Whether the last push needs an approval by someone else than its pusher: no one can push after the approval
     * (or approve their own push) and merge.
     */
    readonly requireLastPushApproval: boolean;
    /** Actors who alone may push or merge; `undefined`: anyone with write access (within the other rules). */
    readonly pushAllowances?: readonly string[];
}

/** The protection rules one channel's stack owns: its release branch, and `main` if it manages it. */
export function protectionRules(args: GithubGovernanceArgs): ProtectionRule[] {
    const rules: ProtectionRule[] = [
        {
            key: "release",
            pattern: releaseBranch(args.channel),
            // The gate is defined by the base branch (pull_request_target), so a pull request cannot redefine it; the
            // offline plan exits non-zero on a mandatory policy violation (and, for a promoted channel, on an
            // untested artifact), so requiring it makes policy block; a promotion needs the promote workflow's
            // status on its commit (the upstream deployed what it builds on; the deploy guard re-checks that).
            requiredChecks: [
                checkNames.gate(args.channel),
                checkNames.preview(args.channel),
                checkNames.plan(args.channel),
                ...(args.promotedFrom && args.promotedFrom !== DEFAULT_BRANCH
                    ? [checkNames.promotion(args.channel), checkNames.airflowHealth(args.promotedFrom)]
                    : []),
            ],
            requiredReviews: args.releaseRequiredReviews ?? 1,
            requireLastPushApproval: true,
            pushAllowances: [...args.releaseManagers],
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
            requireLastPushApproval: true,
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
    if ((args.releaseRequiredReviews ?? 1) < 1) {
        problems.add(
            "releaseRequiredReviews",
            "a release branch needs at least 1 approving review",
            args.releaseRequiredReviews,
        );
    }
    if (args.adminEnvironment) {
        const r = args.adminEnvironment.reviewers;
        if (r.users.length + r.teams.length === 0) {
            problems.add(
                "adminEnvironment.reviewers",
                `the ${ADMIN_ENVIRONMENT} environment holds the admin key: name at least one required reviewer`,
                r,
            );
        }
    }
    if (args.releaseManagers.length === 0) {
        problems.add(
            "releaseManagers",
            "name who may push and merge to the release branch (/<user> or <org>/<team-slug>)",
            args.releaseManagers,
        );
    }
    return problems;
}

/** One ruleset fixing how pull requests may merge into a branch. */
export interface MergeRuleset {
    readonly key: string;
    /** The branch (full ref) the ruleset applies to. */
    readonly ref: string;
    /** GitHub's merge methods allowed there: `merge`, `squash`, `rebase`. */
    readonly allowedMergeMethods: readonly ("merge" | "squash" | "rebase")[];
}

/**
 * The merge methods of the promotion chain, per branch. A release branch takes only merge commits: promotions are
 * pull requests between long-lived branches (`main → releases/test`, `promote/prod → releases/prod`), and a squash
 * or rebase merge writes new commits the upstream never gets, so the branches diverge for good (every later
 * promotion conflicts, and the deploy guard's "the tested commit is in the deployed history" fails). `main` takes
 * only squash merges: one reviewed commit per change, which keeps the history the promotions carry readable.
 * Rulesets also forbid deleting or force-pushing these branches, so no "delete branch on merge" can remove them.
 */
export function mergeRulesets(
    args: Pick<GithubGovernanceArgs, "channel" | "manageDefaultBranch">,
): MergeRuleset[] {
    const sets: MergeRuleset[] = [
        { key: "release", ref: `refs/heads/${releaseBranch(args.channel)}`, allowedMergeMethods: ["merge"] },
    ];
    if (args.manageDefaultBranch)
        sets.push({ key: "main", ref: `refs/heads/${DEFAULT_BRANCH}`, allowedMergeMethods: ["squash"] });
    return sets;
}

/** The tag refs a channel's governance forbids: its release branch's name, and that name behind `origin/`. */
export function releaseTagRefs(channel: string): string[] {
    return [`refs/tags/${releaseBranch(channel)}`, `refs/tags/origin/${releaseBranch(channel)}`];
}

/**
 * A channel's GitHub governance: protection of `releases/<channel>` (and `main` in the one stack that owns it)
 * requiring the checks the rendered workflows report, the channel's deployment environment limited to its release
 * branch, and the variables the workflows authenticate with. Needs a token with repository administration, so it is
 * composed only by the governance project (`governance/`), never by a channel's own program: its stacks are applied
 * by the governance jobs in the admin environment, and no channel's deploy job holds the admin key.
 */
export class GithubGovernance extends pulumi.ComponentResource {
    /** The component's type token: part of every child's URN, so never change it. */
    public static readonly TYPE = "data-infra:github:Governance";

    /** Branch patterns this stack protects. */
    public readonly protectedPatterns: string[];
    /** The deployment environment's name. */
    public readonly environment: pulumi.Output<string>;

    constructor(name: string, args: GithubGovernanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(GithubGovernance.TYPE, name, {}, opts);
        throwIfInvalid(validateGithubGovernanceArgs(args), `GithubGovernance ${name}`, this);
        const repository = args.repository;

        for (const set of mergeRulesets(args)) {
            new github.RepositoryRuleset(
                `${name}-merge-${set.key}`,
                {
                    repository,
                    name: `data-infra merge methods: ${set.ref.replace("refs/heads/", "")}`,
                    target: "branch",
                    enforcement: "active",
                    // No bypass actors: admins and Apps merge the same way.
                    conditions: { refName: { includes: [set.ref], excludes: [] } },
                    rules: {
                        // The review rules stay in the branch protection (GitHub applies both, the stricter wins).
                        pullRequest: { allowedMergeMethods: [...set.allowedMergeMethods] },
                        deletion: true,
                        nonFastForward: true,
                    },
                },
                { parent: this },
            );
        }

        // No tag may take a release branch's name (`releases/<c>`, or `origin/releases/<c>`, which git resolves
        // before the remote-tracking branch of that name): GitHub reports a run on a tag with the tag's name as its
        // branch (runs API `branch=`, workflow_run `branches:`), and git resolves refs/tags/ before refs/remotes/.
        // The guards no longer trust either (tools/try/facts.ts, the promotion guard); this stops the tag itself.
        new github.RepositoryRuleset(
            `${name}-tags-release`,
            {
                repository,
                name: `data-infra release tags: ${releaseBranch(args.channel)}`,
                target: "tag",
                enforcement: "active",
                // No bypass actors: nobody needs such a tag.
                conditions: {
                    refName: {
                        includes: releaseTagRefs(args.channel),
                        excludes: [],
                    },
                },
                rules: { creation: true, update: true, deletion: true },
            },
            { parent: this },
        );

        const rules = protectionRules(args);
        for (const rule of rules) {
            new github.BranchProtection(
                `${name}-protect-${rule.key}`,
                {
                    repositoryId: repository,
                    pattern: rule.pattern,
                    requiredStatusChecks: [{ strict: rule.strict, contexts: [...rule.requiredChecks] }],
                    requiredPullRequestReviews: [
                        {
                            requiredApprovingReviewCount: rule.requiredReviews,
                            dismissStaleReviews: true,
                            requireLastPushApproval: rule.requireLastPushApproval,
                        },
                    ],
                    // Merging is a push: only these actors can merge into the branch.
                    ...(rule.pushAllowances
                        ? {
                              restrictPushes: [
                                  { pushAllowances: [...rule.pushAllowances], blocksCreations: true },
                              ],
                          }
                        : {}),
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

        // The promote job's environment: holds the promote App's key (an environment secret set by hand) and admits
        // only the default branch, where the `push` and `workflow_run` jobs that open promotion pull requests run.
        const promoteEnv = new github.RepositoryEnvironment(
            `${name}-promote-environment`,
            {
                repository,
                environment: promoteEnvironment(args.channel),
                reviewers: [],
                preventSelfReview: false,
                canAdminsBypass: false,
                deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
            },
            { parent: this },
        );
        new github.RepositoryEnvironmentDeploymentPolicy(
            `${name}-promote-environment-branch`,
            { repository, environment: promoteEnv.environment, branchPattern: DEFAULT_BRANCH },
            { parent: this },
        );

        if (args.adminEnvironment) {
            const admin = args.adminEnvironment;
            const adminEnv = new github.RepositoryEnvironment(
                `${name}-admin-environment`,
                {
                    repository,
                    environment: ADMIN_ENVIRONMENT,
                    reviewers: [{ users: [...admin.reviewers.users], teams: [...admin.reviewers.teams] }],
                    // Whoever started the run (the pusher) cannot approve it, and admins cannot skip the approval.
                    preventSelfReview: true,
                    canAdminsBypass: false,
                    deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
                },
                { parent: this },
            );
            new github.RepositoryEnvironmentDeploymentPolicy(
                `${name}-admin-environment-branch`,
                { repository, environment: adminEnv.environment, branchPattern: admin.branch },
                { parent: this },
            );
        }

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
