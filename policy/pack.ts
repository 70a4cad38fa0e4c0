/**
 * The CrossGuard policies built from the pure rules. Kept apart from `index.ts` because `new PolicyPack(...)`
 * starts the analyzer's gRPC server: tests import this module (or the rules), never the pack entry.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { COMPUTED } from "../lib/plan-document";
import { RULES, levelOf, type PolicyConfig } from "./catalog";
import { formatFinding } from "./format";
import type { EnforcementLevel, PolicyResource, Rule } from "./rules";

/** The channel's policy settings by channel name (the pack reads them from the channel's stack file). */
export type ChannelPolicy = (channel: string) => PolicyConfig;

/** The stack (channel) of a URN: `urn:pulumi:<stack>::<project>::…`. */
export function channelOf(urn: string): string {
    return urn.split("::")[0].slice("urn:pulumi:".length);
}

/**
 * Two CrossGuard policies per rule, one `mandatory` and one `advisory` (`<rule>-advisory`): CrossGuard fixes a
 * policy's level when the pack starts, before it knows the stack, so each one reports only on channels whose
 * `data-infra:policy` gives the rule its level. Rules that must see secrets run only in the offline plan.
 */
export function crossGuardPolicies(channelPolicy: ChannelPolicy): ResourceValidationPolicy[] {
    const levels: Array<Exclude<EnforcementLevel, "disabled">> = ["mandatory", "advisory"];
    return RULES.filter((rule) => !rule.secretAware).flatMap((rule) =>
        levels.map((level): ResourceValidationPolicy => ({
            name: level === "mandatory" ? rule.name : `${rule.name}-advisory`,
            description: rule.description,
            enforcementLevel: level,
            validateResource: (args, report) => validate(rule, level, args, report, channelPolicy),
        })),
    );
}

function validate(
    rule: Rule,
    level: EnforcementLevel,
    args: ResourceValidationArgs,
    report: ReportViolation,
    channelPolicy: ChannelPolicy,
): void {
    const channel = channelOf(args.urn);
    const cfg = channelPolicy(channel);
    if (levelOf(rule.name, cfg) !== level) return;
    const resource: PolicyResource = {
        urn: args.urn,
        type: args.type,
        name: args.name,
        inputs: planForm(args.props) as Record<string, unknown>,
        options: { protect: args.opts.protect, deleteBeforeReplace: args.opts.deleteBeforeReplace },
    };
    for (const f of rule.check(resource, { channel, ...cfg })) report(formatFinding(f));
}

// CrossGuard's placeholders for unknown values and its proxy keys: internal to @pulumi/policy (version pinned in
// package.json), so not in its type declarations.
const proxy = require("@pulumi/policy/proxy") as Record<string, string>;
const UNKNOWNS = new Set<string>([
    proxy.unknownStringValue,
    proxy.unknownBooleanValue,
    proxy.unknownNumberValue,
    proxy.unknownArrayValue,
    proxy.unknownAssetValue,
    proxy.unknownArchiveValue,
    proxy.unknownObjectValue,
]);

/**
 * CrossGuard's properties in the plan form the rules read: unknown values become `(computed)`. Reads through
 * the SDK's unknown-checking proxy (which throws on unknowns) to its plain target.
 */
export function planForm(value: unknown): unknown {
    let v = value;
    if (v !== null && typeof v === "object" && (v as Record<string, unknown>)[proxy.isSpecialProxy] === true)
        v = (v as Record<string, unknown>)[proxy.getSpecialProxyTarget];
    if (typeof v === "string") return UNKNOWNS.has(v) ? COMPUTED : v;
    if (Array.isArray(v)) return v.map(planForm);
    if (v !== null && typeof v === "object")
        return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, planForm(e)]));
    return v;
}
