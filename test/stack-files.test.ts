import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listStacks, missingConfigMessage, readEngineConfig } from "../runtime/stack-files";
import { REPO_ROOT } from "./harness";

describe("stack files", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
        fs.writeFileSync(
            path.join(dir, "Pulumi.yaml"),
            [
                "name: demo",
                "runtime: nodejs",
                "config:",
                "  pulumi:disable-default-providers:",
                "    value: [kubernetes]",
                "  shared:",
                "    description: a project-wide value",
                "    value: {a: 1}",
                "  withDefault:",
                "    default: plain",
                "  shorthand: 3",
                "  other:setting: [a]",
                "  other:declaredOnly:",
                "    description: another namespace's keys are never required",
                "  declaredOnly:",
                "    description: nothing set",
            ].join("\n"),
        );
        fs.writeFileSync(
            path.join(dir, "Pulumi.dev.yaml"),
            [
                "config:",
                "  demo:declaredOnly: set",
                "  demo:withDefault: override",
                "  demo:token:",
                "    secure: v1:abc",
                "  demo:nested:",
                "    list: [1, {secure: v1:x}]",
            ].join("\n"),
        );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("merges project values and defaults under stack values, as the engine does", () => {
        const cfg = readEngineConfig(dir, "dev");
        assert.equal(cfg.project, "demo");
        assert.deepEqual(cfg.config, {
            "pulumi:disable-default-providers": '["kubernetes"]',
            "demo:shared": '{"a":1}',
            "demo:withDefault": "override",
            "demo:shorthand": "3",
            "other:setting": '["a"]',
            "demo:declaredOnly": "set",
            "demo:token": "[secret]",
            "demo:nested": '{"list":[1,"[secret]"]}',
        });
        assert.deepEqual([...cfg.secretKeys].sort(), ["demo:nested", "demo:token"]);
    });

    it("lists stacks and names the known ones when a stack is missing", () => {
        assert.deepEqual(listStacks(dir), ["dev"]);
        assert.throws(() => readEngineConfig(dir, "prod"), /no stack "prod".*stacks here: dev/);
    });

    /** Rewrites one file of the scratch project. */
    const write = (file: string, lines: string[]) => fs.writeFileSync(path.join(dir, file), lines.join("\n"));

    describe("the CLI's required-config rule (pulumi pkg/workspace/config.go mergeConfig)", () => {
        it("words the message as the CLI does: the key as declared, sorted, all of them", () => {
            // The upstream tests' own strings (pulumi pkg/workspace/config_project_test.go).
            assert.equal(
                missingConfigMessage("dev", ["values"]),
                "Stack 'dev' is missing configuration value 'values'",
            );
            assert.equal(
                missingConfigMessage("dev", ["values", "another"]),
                "Stack 'dev' is missing configuration values 'another' and 'values'",
            );
            assert.equal(
                missingConfigMessage("dev", ["world", "hello", "values"]),
                "Stack 'dev' is missing configuration values 'hello', 'values' and 'world'",
            );
            // Go's sort.Strings: code-unit order, upper case before lower case.
            assert.equal(
                missingConfigMessage("dev", ["b", "a", "Z"]),
                "Stack 'dev' is missing configuration values 'Z', 'a' and 'b'",
            );
        });

        it("fails a stack that leaves a project key without value or default unset, naming every one", () => {
            write("Pulumi.dev.yaml", ["config:", "  demo:withDefault: override"]);
            write("Pulumi.yaml", [
                "name: demo",
                "runtime: nodejs",
                "config:",
                "  zeta:",
                "    description: declared only",
                "  demo:alpha:",
                "    description: declared with the namespace",
                "  declaredOnly:",
                "    description: nothing set",
            ]);
            assert.throws(
                () => readEngineConfig(dir, "dev"),
                (e: Error) =>
                    e.message.split("\n")[0] ===
                    "Stack 'dev' is missing configuration values 'declaredOnly', 'demo:alpha' and 'zeta'",
            );
        });

        it("accepts the key once the stack sets it, even to an empty object", () => {
            write("Pulumi.dev.yaml", ["config:", "  demo:declaredOnly: {}"]);
            assert.equal(readEngineConfig(dir, "dev").config["demo:declaredOnly"], "{}");
        });

        it("refuses a declaration with both value and default, and a stack key without a namespace", () => {
            write("Pulumi.yaml", ["name: demo", "config:", "  both:", "    value: 1", "    default: 2"]);
            assert.throws(
                () => readEngineConfig(dir, "dev"),
                /project config 'both' cannot have both a 'default' and 'value' attribute/,
            );
            write("Pulumi.yaml", ["name: demo", "config: {}"]);
            write("Pulumi.dev.yaml", ["config:", "  policy: {}"]);
            assert.throws(
                () => readEngineConfig(dir, "dev"),
                /could not parse policy as a configuration key \(configuration keys should be of the form `<namespace>:<name>`\)/,
            );
        });

        it("reads the legacy <namespace>:config:<name> form as <namespace>:<name>", () => {
            write("Pulumi.yaml", ["name: demo", "config: {}"]);
            write("Pulumi.dev.yaml", ["config:", "  demo:config:x: 1"]);
            assert.deepEqual(readEngineConfig(dir, "dev").config, { "demo:x": "1" });
        });

        /** A scratch copy of a shipped project: its Pulumi.yaml and one stack file with `drop` keys removed. */
        function copyWithout(project: string, stack: string, drop: string[]): string {
            const src = path.join(REPO_ROOT, project);
            fs.copyFileSync(path.join(src, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            const lines = fs.readFileSync(path.join(src, `Pulumi.${stack}.yaml`), "utf8").split("\n");
            const kept: string[] = [];
            let skipping = false;
            for (const line of lines) {
                const key = /^ {4}([^ #][^:]*:[^:]+):/.exec(line)?.[1];
                if (key !== undefined) skipping = drop.includes(key);
                else if (/^ {0,4}\S/.test(line)) skipping = false;
                if (!skipping) kept.push(line);
            }
            fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), kept.join("\n"));
            return dir;
        }

        it("fails a copy of Pulumi.test.yaml without data-infra:policy with the CLI's message", () => {
            const copy = copyWithout(".", "test", ["data-infra:policy"]);
            assert.throws(
                () => readEngineConfig(copy, "test"),
                (e: Error) =>
                    e.message.split("\n")[0] === "Stack 'test' is missing configuration value 'policy'",
            );
        });

        it("fails a copy of a bootstrap stack file missing required keys with the CLI's message", () => {
            const copy = copyWithout("bootstrap", "transit-data-prod", [
                "data-infra-bootstrap:stateProject",
                "data-infra-bootstrap:location",
            ]);
            assert.throws(
                () => readEngineConfig(copy, "transit-data-prod"),
                (e: Error) =>
                    e.message.split("\n")[0] ===
                    "Stack 'transit-data-prod' is missing configuration values 'location' and 'stateProject'",
            );
        });

        it("passes every shipped stack of both projects", () => {
            for (const project of [".", "bootstrap"]) {
                const projectDir = path.join(REPO_ROOT, project);
                for (const stack of listStacks(projectDir)) readEngineConfig(projectDir, stack);
            }
        });
    });
});
