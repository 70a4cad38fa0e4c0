/**
 * What one channel's governance stack manages, from the channel's `data-infra:github` settings: a pure function, so
 * the governance program and the channel program (which exports the protected patterns) agree.
 */
import { releaseBranch } from "../components/github/naming";
import type { GithubGovernanceArgs } from "../components/github/governance";
import type { GithubConfig } from "../config/sections/github";

/**
 * The channel's governance arguments. The stack that owns `main`'s protection also owns the admin environment,
 * whose jobs run only from that channel's release branch: the branch every other gate leads to (for prod: only
 * release managers merge into it, after a review, and its deploy refuses anything test did not deploy), so the code
 * that runs with the admin key is reviewed to the highest bar of the repository.
 */
export function governanceArgs(channel: string, gh: GithubConfig): GithubGovernanceArgs {
    return {
        repository: gh.repository,
        channel,
        manageDefaultBranch: gh.manageDefaultBranch,
        mainRequiredReviews: gh.mainRequiredReviews,
        releaseRequiredReviews: gh.releaseRequiredReviews,
        releaseManagers: gh.releaseManagers,
        promotedFrom: gh.promotedFrom,
        environmentReviewers: gh.environmentReviewers,
        ci: gh.ci,
        ...(gh.manageDefaultBranch
            ? {
                  adminEnvironment: {
                      branch: releaseBranch(channel),
                      reviewers: gh.adminReviewers ?? gh.environmentReviewers,
                  },
              }
            : {}),
    };
}
