import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { loadStackConfig, parseStackConfig } from "../config";
import { ValidationError } from "../lib/problems";
import { sections } from "../config/sections";
import { runProgram } from "../runtime/run-program";
import { listStacks } from "../runtime/stack-files";
import { REPO_ROOT, stackConfig } from "./harness";

/** Config problems for the shipped test stack with these `data-infra:` keys replaced. */
function problemsWith(overrides: Record<string, unknown>, stack = "test"): string[] {
    const cfg = stackConfig(stack, overrides);
    try {
        parseStackConfig(stack, cfg.config, cfg.secretKeys);
        return [];
    } catch (e) {
        assert.ok(e instanceof ValidationError, `expected a ValidationError, got ${e}`);
        return e.problems.map(
            (p) => `${p.where}: ${p.what}${"got" in p ? ` (got ${JSON.stringify(p.got)})` : ""}`,
        );
    }
}

describe("stack config", () => {
    it("parses every shipped stack into a frozen object", () => {
        for (const stack of listStacks(REPO_ROOT)) {
            const cfg = loadStackConfig(REPO_ROOT, stack);
            assert.equal(cfg.stack, stack);
            assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.gcp), `${stack} config is frozen`);
        }
    });

    it("declares every key in Pulumi.yaml with the section's description", () => {
        const project = parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as {
            config: Record<string, { description?: string }>;
        };
        const declared = Object.keys(project.config).filter((k) => !k.includes(":"));
        assert.deepEqual(declared.sort(), Object.keys(sections).sort());
        for (const [key, section] of Object.entries(sections)) {
            assert.equal(project.config[key].description, section.description, `description of ${key}`);
        }
    });

    // Each rule of the foundation's sections, with the exact message a user sees.
    const cases: Array<[string, Record<string, unknown>, string]> = [
        [
            "a missing required key",
            { gcp: undefined },
            "data-infra:gcp: required key is missing: set it in Pulumi.test.yaml or Pulumi.yaml",
        ],
        [
            "an unknown top-level key, with a suggestion",
            { clustr: {} },
            "data-infra:clustr: unknown config key; did you mean data-infra:cluster? (got {})",
        ],
        [
            "an unknown nested key",
            { gcp: { project: "transit-data-test", region: "us-west2", zone: "a" } },
            "data-infra:gcp.zone: unknown key (known: project, region)",
        ],
        [
            "a bad project id",
            { gcp: { project: "Transit_Data", region: "us-west2" } },
            'data-infra:gcp.project: must be a Google Cloud project id: 6-30 lowercase letters, digits or hyphens, starting with a letter (got "Transit_Data")',
        ],
        [
            "a bad region",
            { gcp: { project: "transit-data-test", region: "west" } },
            'data-infra:gcp.region: must be a Google Cloud region such as us-west2 (got "west")',
        ],
        [
            "a value of the wrong type",
            { gcp: "transit-data-test" },
            'data-infra:gcp: must be object (got "transit-data-test")',
        ],
        [
            "a GKE cluster without location",
            { cluster: { name: "apps" } },
            "data-infra:cluster.location: required: the GKE cluster region or zone",
        ],
        [
            "both cluster forms",
            { cluster: { name: "apps", location: "us-west2", kubeconfig: "~/.kube/config" } },
            'data-infra:cluster: give either {name, location} or {kubeconfig}, not both (got ["name","location","kubeconfig"])',
        ],
        [
            "a kubeconfig context without kubeconfig",
            { cluster: { context: "kind" } },
            "data-infra:cluster.kubeconfig: required with context",
        ],
        [
            "a bad GitHub owner",
            {
                github: {
                    owner: "-bad-",
                    repository: "data-infra",
                    releaseManagers: ["transit-data/release-managers"],
                },
            },
            'data-infra:github.owner: must match ^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$ (got "-bad-")',
        ],
        [
            "a repository named ..",
            { github: { ...JSON.parse(stackConfig("test").config["data-infra:github"]), repository: ".." } },
            'data-infra:github.repository: is not a repository name GitHub allows (. and .. are reserved) (got "..")',
        ],
        [
            "a repository named .",
            { github: { ...JSON.parse(stackConfig("test").config["data-infra:github"]), repository: "." } },
            'data-infra:github.repository: is not a repository name GitHub allows (. and .. are reserved) (got ".")',
        ],
    ];
    for (const [what, overrides, expected] of cases) {
        it(`fails on ${what}`, () => {
            assert.deepEqual(problemsWith(overrides), [expected]);
        });
    }

    it("reports a misspelt key and the key it misses together", () => {
        assert.deepEqual(problemsWith({ gcp: { project: "transit-data-test", regoin: "us-west2" } }), [
            "data-infra:gcp.region: required key is missing",
            "data-infra:gcp.regoin: unknown key; did you mean region? (known: project, region)",
        ]);
    });

    it("reports every mistake of a stack at once", () => {
        const problems = problemsWith({
            gcp: { project: "Transit_Data", region: "us-west2" },
            cluster: { name: "apps" },
            clustr: {},
        });
        assert.equal(problems.length, 3);
        assert.match(
            problems.join("\n"),
            /data-infra:gcp\.project.*data-infra:cluster\.location|data-infra:clustr/s,
        );
    });

    it("rejects secret values in data-infra keys without printing them", () => {
        // GIVEN a key set with `pulumi config set --secret` (unknown or known, required or not)
        for (const key of ["clustr", "gcp"]) {
            const cfg = stackConfig("test", { [key]: '{"project":"hunter2"}' });
            // THEN the one problem says why and shows no value
            assert.throws(
                () => parseStackConfig("test", cfg.config, new Set([`data-infra:${key}`])),
                (e: Error) =>
                    e instanceof ValidationError &&
                    e.problems.length === 1 &&
                    e.problems[0].where === `data-infra:${key}` &&
                    /secret values are not supported/.test(e.problems[0].what) &&
                    !e.message.includes("hunter2"),
            );
        }
    });
});

describe("stack config under the engine", () => {
    it("rejects a key the engine marks secret when the real program loads its config", async () => {
        // GIVEN the test stack with data-infra:gcp set as a secret (as `pulumi config set --secret` would)
        const cfg = stackConfig("test");
        const engine = { ...cfg, secretKeys: new Set(["data-infra:gcp"]) };
        // WHEN the program runs THEN it refuses before declaring anything, without printing the value
        await assert.rejects(runProgram({ stack: "test", config: engine }), (e: Error) => {
            assert.match(e.message, /data-infra:gcp: secret values are not supported in data-infra keys/);
            assert.ok(!e.message.includes("transit-data-test"), "the secret value is not printed");
            return true;
        });
    });
});
