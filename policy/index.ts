/**
 * The data-infra CrossGuard policy pack: `pulumi preview --stack <channel> --policy-pack policy` (or the
 * GitHub Action's `policyPacks: policy`). The rules are the pure functions in `policy/rules*.ts`, also run by the
 * offline plan; enforcement per channel comes from its `data-infra:policy` config.
 */
import { PolicyPack } from "@pulumi/policy";
import { crossGuardPolicies } from "./pack";

new PolicyPack("data-infra", { policies: crossGuardPolicies() });
