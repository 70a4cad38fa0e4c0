import { strict as assert } from "node:assert";
import { TYPES } from "../../lib/plan-document";
import type { ResourceValidationArgs } from "@pulumi/policy";
import { loadStackConfig } from "../../config";
import { defaultPolicyConfig, policySection } from "../../config/sections/policy";
import { RULES, type PolicyConfig } from "../../policy/catalog";
import { crossGuardPolicies, channelOf, planForm } from "../../policy/pack";
import { REPO_ROOT } from "../harness";
import { Problems } from "../../lib/problems";

/** A hand-built CrossGuard argument bag (the SDK has no harness; pulumi/pulumi-policy#445). */
function args(stack: string, type: string, props: Record<string, unknown>): ResourceValidationArgs {
    return {
        type,
        props,
        urn: `urn:pulumi:${stack}::data-infra::data-infra:airflow:DagSync$${type}::x`,
        name: "x",
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: () => ({}) as never,
        notApplicable: () => {
            throw new Error("not applicable");
        },
    } as ResourceValidationArgs;
}

describe("CrossGuard policy pack", () => {
    const channels: Record<string, PolicyConfig> = {
        prod: { ...defaultPolicyConfig(), production: true, enforcement: "mandatory" },
        test: defaultPolicyConfig(),
    };
    const policies = crossGuardPolicies((c) => channels[c]);

    it("registers a mandatory and an advisory policy per rule, except rules that must see secrets", () => {
        const names = policies.map((p) => p.name);
        assert.ok(names.includes("bucket-object-prefix") && names.includes("bucket-object-prefix-advisory"));
        assert.ok(
            !names.some(
                (n) =>
                    n.startsWith("no-plaintext-credentials") || n.startsWith("kubernetes-secret-data-secret"),
            ),
        );
        assert.equal(names.length, 2 * RULES.filter((r) => !r.secretAware).length);
    });

    it("reports through the policy whose level the resource's channel gives the rule", () => {
        const report = (name: string, stack: string) => {
            const found: string[] = [];
            const p = policies.find((x) => x.name === name)!;
            const validate = p.validateResource as (
                a: ResourceValidationArgs,
                report: (m: string) => void,
            ) => void;
            validate(args(stack, TYPES.bucketObject, { name: "data/x.csv" }), (m) => found.push(m));
            return found;
        };
        assert.deepEqual(report("bucket-object-prefix", "prod"), [
            "name: object data/x.csv is outside the managed prefixes (dags/, plugins/). Fix: write it under a managed prefix, or add the prefix to data-infra:policy.managedPrefixes",
        ]);
        assert.deepEqual(report("bucket-object-prefix-advisory", "prod"), []);
        assert.deepEqual(report("bucket-object-prefix", "test"), []);
        assert.equal(report("bucket-object-prefix-advisory", "test").length, 1);
    });

    it("reads CrossGuard's properties through its unknown-checking proxy into plan form", () => {
        const proxy = require("@pulumi/policy/proxy") as {
            unknownCheckingProxy(o: unknown): Record<string, unknown>;
            unknownStringValue: string;
        };
        const props = proxy.unknownCheckingProxy({
            name: "dags/a.py",
            bucket: proxy.unknownStringValue,
            nested: { list: [proxy.unknownStringValue] },
        });
        assert.deepEqual(planForm(props), {
            name: "dags/a.py",
            bucket: "(computed)",
            nested: { list: ["(computed)"] },
        });
        assert.equal(channelOf("urn:pulumi:prod::data-infra::t::n"), "prod");
    });

    it("takes each shipped channel's enforcement from its stack file", () => {
        assert.deepEqual(
            {
                production: loadStackConfig(REPO_ROOT, "prod").policy.production,
                enforcement: loadStackConfig(REPO_ROOT, "prod").policy.enforcement,
            },
            { production: true, enforcement: "mandatory" },
        );
        assert.deepEqual(
            {
                production: loadStackConfig(REPO_ROOT, "test").policy.production,
                enforcement: loadStackConfig(REPO_ROOT, "test").policy.enforcement,
            },
            { production: false, enforcement: "advisory" },
        );
    });
});

describe("Policy config (data-infra:policy)", () => {
    it("defaults to mandatory for production channels and advisory otherwise", () => {
        const problems = new Problems();
        assert.equal(
            policySection.resolve(
                { production: true, managedPrefixes: ["dags/"] },
                { stack: "prod" },
                problems,
            ).enforcement,
            "mandatory",
        );
        assert.equal(
            policySection.resolve(
                { production: false, managedPrefixes: ["dags/"] },
                { stack: "staging" },
                problems,
            ).enforcement,
            "advisory",
        );
        assert.deepEqual(policySection.resolve(undefined, { stack: "x" }, problems), defaultPolicyConfig());
        assert.ok(problems.empty);
    });

    it("fails when a rule override names an unknown rule", () => {
        const problems = new Problems();
        policySection.resolve(
            { production: false, managedPrefixes: ["dags/"], rules: { "chart-pinned": "advisory" } },
            { stack: "test" },
            problems,
        );
        assert.match(problems.list[0].where, /^data-infra:policy\.rules\.chart-pinned$/);
        assert.match(problems.list[0].what, /unknown rule \(known: composer-prod-protected/);
    });
});
