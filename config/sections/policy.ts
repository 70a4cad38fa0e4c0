import { RULE_NAMES, type PolicyConfig } from "../../policy/catalog";
import type { EnforcementLevel } from "../../policy/rules";
import type { ConfigSection } from "../section";
import { keyPath } from "../section";

const LEVELS: EnforcementLevel[] = ["mandatory", "advisory", "disabled"];

export const DEFAULT_MANAGED_PREFIXES = ["dags/", "plugins/"];

/** Policy settings when a stack sets none: advisory, not production. */
export function defaultPolicyConfig(): PolicyConfig {
    return {
        production: false,
        enforcement: "advisory",
        rules: {},
        managedPrefixes: DEFAULT_MANAGED_PREFIXES,
    };
}

export const policySection: ConfigSection<PolicyConfig> = {
    description:
        "Policy checks of this channel: {production, enforcement, rules: {<rule>: mandatory|advisory|disabled}, managedPrefixes}.",
    required: false,
    schema: {
        type: "object",
        additionalProperties: false,
        properties: {
            production: { type: "boolean", default: false },
            enforcement: { type: "string", enum: ["mandatory", "advisory"] },
            rules: { type: "object", additionalProperties: { type: "string", enum: LEVELS } },
            managedPrefixes: {
                type: "array",
                minItems: 1,
                items: {
                    type: "string",
                    pattern: "^[^/].*/$",
                    description: "an object name prefix ending in /",
                },
                default: DEFAULT_MANAGED_PREFIXES,
            },
        },
    },
    resolve(value, _ctx, problems) {
        if (value === undefined) return defaultPolicyConfig();
        const v = value as {
            production: boolean;
            enforcement?: "mandatory" | "advisory";
            rules?: Record<string, EnforcementLevel>;
            managedPrefixes: string[];
        };
        for (const rule of Object.keys(v.rules ?? {})) {
            if (!RULE_NAMES.includes(rule))
                problems.add(
                    keyPath("policy", "rules", rule),
                    `unknown rule (known: ${RULE_NAMES.join(", ")})`,
                );
        }
        return {
            production: v.production,
            // Production channels block on violations; others only report them.
            enforcement: v.enforcement ?? (v.production ? "mandatory" : "advisory"),
            rules: v.rules ?? {},
            managedPrefixes: v.managedPrefixes,
        };
    },
};
