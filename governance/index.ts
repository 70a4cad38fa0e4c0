/**
 * data-infra-governance: one channel's GitHub settings (protection of releases/<channel>, and of main plus the
 * github-admin environment in the stack that owns main; rulesets; environments; workflow variables). Composition
 * only: the stack is named like the channel and reads that channel's settings (`data-infra:github`).
 *
 * Run only by `governance.yml` in the github-admin environment (or by an administrator): it needs a token with
 * Administration, Environments and Variables: write, which no channel deploy holds.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { parseStackConfig, engineSecretKeys } from "../config";
import { readEngineConfig } from "../runtime/stack-files";
import { GithubGovernance } from "../components/github/governance";
import { governanceArgs } from "./args";

const channel = pulumi.getStack();
// The channel's own stack file, one directory up (this project has no data-infra keys of its own: the governance
// test checks its files). Only an offline run that is handed a channel's config (the tests' harness) uses that.
const own = pulumi.runtime.allConfig();
const handed = Object.keys(own).some((k) => k.startsWith("data-infra:"));
const engine = handed
    ? { config: own, secretKeys: engineSecretKeys(own) }
    : readEngineConfig(path.resolve(__dirname, ".."), channel);
const cfg = parseStackConfig(channel, engine.config, engine.secretKeys);
const provider = new github.Provider("github", { owner: cfg.github.owner });

// The names (`github` for the provider and the component) are those the channel stacks used before governance moved
// here, so `pulumi state move` carries the live settings over with the same URNs but the project (docs/governance.md).
const governance = new GithubGovernance("github", governanceArgs(channel, cfg.github), { provider });
export const githubProtectedBranches = governance.protectedPatterns;
