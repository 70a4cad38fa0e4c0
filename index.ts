/**
 * data-infra: the data platform of one release channel (this stack). Composition only: load the typed config once,
 * build explicit providers, create the components, export what other stacks and people need.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, engineSecretKeys } from "./config";
import { createProviders } from "./components/platform/providers";
import { GithubGovernance } from "./components/github/governance";

const engineConfig = pulumi.runtime.allConfig();
const cfg = parseStackConfig(pulumi.getStack(), engineConfig, engineSecretKeys(engineConfig));
const providers = createProviders(cfg);

export const channel = cfg.stack;
export const gcpProject = providers.gcp.project;

// This channel's GitHub settings: protection of releases/<channel> (and main in the stack that owns it), its
// deployment environment and the variables its workflows authenticate with.
const governance = new GithubGovernance(
    "github",
    {
        repository: cfg.github.repository,
        channel: cfg.stack,
        manageDefaultBranch: cfg.github.manageDefaultBranch,
        mainRequiredReviews: cfg.github.mainRequiredReviews,
        releaseRequiredReviews: cfg.github.releaseRequiredReviews,
        environmentReviewers: cfg.github.environmentReviewers,
        ci: cfg.github.ci,
    },
    { provider: providers.github },
);
export const githubProtectedBranches = governance.protectedPatterns;
