/**
 * The data-infra CrossGuard policy pack: `pulumi preview --stack <channel> --policy-pack policy` (or the
 * GitHub Action's `policyPacks: policy`). The rules are the pure functions in `policy/rules*.ts`, also run by the
 * offline plan; enforcement per channel comes from its `data-infra:policy` config.
 *
 * This file is the pack's composition root, like the program's `index.ts`: the only file of `policy/` that reads
 * config (the layer rule in eslint.config.mjs exempts it).
 */
import * as path from "node:path";
import { PolicyPack } from "@pulumi/policy";
import { composerPolicyFacts, loadStackConfig } from "../config";
import type { PolicyConfig } from "./catalog";
import { crossGuardPolicies } from "./pack";

const PROJECT_DIR = path.resolve(__dirname, "..");

// Each channel's stack file is read once per pack run (CrossGuard validates every resource separately).
const cache = new Map<string, PolicyConfig>();
const stackFilePolicy = (channel: string): PolicyConfig => {
    let cfg = cache.get(channel);
    if (!cfg) {
        const stack = loadStackConfig(PROJECT_DIR, channel);
        cfg = { ...stack.policy, ...composerPolicyFacts(stack.composer) };
        cache.set(channel, cfg);
    }
    return cfg;
};

new PolicyPack("data-infra", { policies: crossGuardPolicies(stackFilePolicy) });
