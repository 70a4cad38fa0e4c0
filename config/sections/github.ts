import type { ConfigSection } from "../section";
import { keyPath } from "../section";
import type { CiIdentityConfig, EnvironmentReviewers } from "../../components/github/governance";

/** The GitHub repository whose settings and workflows this channel owns. */
export interface GithubConfig {
    /** Organisation or user that owns the repository; the github provider's `owner`. */
    readonly owner: string;
    /** Repository name (without owner). */
    readonly repository: string;
    /**
     * The repository's and its owner's immutable numeric ids (`gh api repos/<owner>/<repository> --jq '.id,
     * .owner.id'`). The bootstrap's workload identity trusts these, never the name, which a rename frees.
     */
    readonly repositoryId?: number;
    readonly ownerId?: number;
    /** Whether this stack also owns the protection of `main`; exactly one stack does (prod by default). */
    readonly manageDefaultBranch: boolean;
    /** Approving reviews a pull request to `main` needs. */
    readonly mainRequiredReviews: number;
    /** Approving reviews a pull request to `releases/<channel>` needs (besides its checks); at least 1. */
    readonly releaseRequiredReviews: number;
    /** Who alone may push to and merge into `releases/<channel>`: `/<user>` or `<org>/<team-slug>`. */
    readonly releaseManagers: readonly string[];
    /** Where this channel's releases come from: `main` or another channel (prod ← test). */
    readonly promotedFrom: string;
    /** Required reviewers of the channel's environment; prod needs at least one. */
    readonly environmentReviewers: EnvironmentReviewers;
    /**
     * Whether a pull request's head may be tried in this channel (`try-in-<channel>.yml`, docs/try-in-test.md):
     * only a channel promoted from `main` whose environment has required reviewers, who approve each try.
     */
    readonly tryPullRequests: boolean;
    /** CI identity from the bootstrap project; without it the environment variables are not managed yet. */
    readonly ci?: CiIdentityConfig;
    /**
     * Required reviewers of the admin environment (`github-admin`, the governance jobs'), read only in the stack that
     * owns `main`. Default: that stack's `environmentReviewers`.
     */
    readonly adminReviewers?: EnvironmentReviewers;
}

const ids = {
    type: "array",
    maxItems: 6,
    uniqueItems: true,
    items: { type: "integer", minimum: 1 },
    default: [],
};
const serviceAccount = {
    type: "string",
    description: "a service account email (<name>@<project>.iam.gserviceaccount.com)",
    pattern: "^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\\.iam\\.gserviceaccount\\.com$",
};

export const githubSection: ConfigSection<GithubConfig> = {
    description:
        "GitHub repository this channel governs and how: {owner, repository, repositoryId, ownerId, manageDefaultBranch, mainRequiredReviews, releaseRequiredReviews, releaseManagers, promotedFrom, environmentReviewers, tryPullRequests, adminReviewers, ci}.",
    required: true,
    schema: {
        type: "object",
        additionalProperties: false,
        required: ["owner", "repository", "releaseManagers"],
        properties: {
            owner: { type: "string", pattern: "^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$" },
            repository: { type: "string", pattern: "^[A-Za-z0-9._-]{1,100}$" },
            repositoryId: { type: "integer", minimum: 1 },
            ownerId: { type: "integer", minimum: 1 },
            // No schema default: it depends on the stack (prod by default), see resolve().
            manageDefaultBranch: { type: "boolean" },
            mainRequiredReviews: { type: "integer", minimum: 0, maximum: 6, default: 1 },
            // At least 1: a release branch merged without review is deployed by whoever can push.
            releaseRequiredReviews: { type: "integer", minimum: 1, maximum: 6, default: 1 },
            releaseManagers: {
                type: "array",
                description:
                    "GitHub actors who alone may push and merge to the release branch: /<user> or <org>/<team-slug>",
                minItems: 1,
                uniqueItems: true,
                items: {
                    type: "string",
                    pattern: "^(/[A-Za-z0-9-]{1,39}|[A-Za-z0-9-]{1,39}/[a-z0-9._-]{1,100})$",
                },
            },
            promotedFrom: {
                type: "string",
                description: '"main" or a channel name',
                pattern: "^[a-z][a-z0-9-]*$",
                default: "main",
            },
            environmentReviewers: {
                type: "object",
                additionalProperties: false,
                properties: { users: ids, teams: ids },
                default: {},
            },
            // Off unless a channel opts in: a try runs unmerged code as the channel's deployer.
            tryPullRequests: { type: "boolean", default: false },
            adminReviewers: {
                type: "object",
                description:
                    "required reviewers of the github-admin environment (the stack that owns main only)",
                additionalProperties: false,
                properties: { users: ids, teams: ids },
            },
            ci: {
                type: "object",
                additionalProperties: false,
                required: [
                    "workloadIdentityProvider",
                    "deployServiceAccount",
                    "previewServiceAccount",
                    "backendUrl",
                ],
                properties: {
                    workloadIdentityProvider: {
                        type: "string",
                        description:
                            "projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>",
                        pattern:
                            "^projects/[0-9]+/locations/global/workloadIdentityPools/[a-z0-9-]{4,32}/providers/[a-z0-9-]{4,32}$",
                    },
                    deployServiceAccount: serviceAccount,
                    previewServiceAccount: serviceAccount,
                    backendUrl: {
                        type: "string",
                        description: "gs://<bucket>[/<prefix>]",
                        pattern: "^gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/[A-Za-z0-9._/-]+)?$",
                    },
                },
            },
        },
    },
    resolve(value, ctx, problems) {
        const v = value as Omit<GithubConfig, "manageDefaultBranch"> & { manageDefaultBranch?: boolean };
        // prod is the last gate before users, so it owns the protection of main unless a stack says otherwise.
        const manageDefaultBranch = v.manageDefaultBranch ?? ctx.stack === "prod";
        const reviewers = v.environmentReviewers;
        if (ctx.stack === "prod" && reviewers.users.length + reviewers.teams.length === 0) {
            problems.add(
                keyPath("github", "environmentReviewers"),
                "prod deploys need at least one required reviewer: give users or teams (numeric GitHub ids)",
                reviewers,
            );
        }
        if (v.tryPullRequests && reviewers.users.length + reviewers.teams.length === 0) {
            problems.add(
                keyPath("github", "tryPullRequests"),
                "a try deploys a pull request's unmerged code as this channel's deployer: give environmentReviewers, who approve each try",
                v.tryPullRequests,
            );
        }
        if (v.tryPullRequests && v.promotedFrom !== "main") {
            problems.add(
                keyPath("github", "tryPullRequests"),
                `only a channel promoted from main can be borrowed: ${ctx.stack} deploys only what ${v.promotedFrom} ran`,
                v.tryPullRequests,
            );
        }
        // The schema's character set allows them, GitHub does not: they are path segments, not names.
        if (v.repository === "." || v.repository === "..") {
            problems.add(
                keyPath("github", "repository"),
                "is not a repository name GitHub allows (. and .. are reserved)",
                v.repository,
            );
        }
        if (v.promotedFrom === ctx.stack) {
            problems.add(
                keyPath("github", "promotedFrom"),
                "a channel cannot be promoted from itself",
                v.promotedFrom,
            );
        }
        return { ...v, manageDefaultBranch };
    },
};
