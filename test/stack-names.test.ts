import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stackNameProblem } from "../runtime/stack-names";
import { readEngineConfig } from "../runtime/stack-files";

describe("stack names follow Pulumi's rule (tokens.ParseStackName)", () => {
    const table: Array<[string, string | undefined]> = [
        ["test", undefined],
        ["prod-eu_2.a", undefined],
        ["a".repeat(100), undefined],
        ["", "a stack name may not be empty"],
        ["a".repeat(101), "a stack name cannot exceed 100 characters"],
        [
            "../x",
            'a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character "/" at position 2',
        ],
        [
            "org/proj/test",
            'a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character "/" at position 3',
        ],
        [
            "my stack",
            'a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character " " at position 2',
        ],
        ["..", "a stack name may not be . or .."],
    ];
    for (const [name, problem] of table) {
        it(`${problem ? "refuses" : "accepts"} ${JSON.stringify(name.length > 20 ? `${name.slice(0, 5)}…(${name.length})` : name)}`, () => {
            assert.equal(stackNameProblem(name), problem);
        });
    }
});

describe("stack files read as the Pulumi CLI reads them (go-yaml v3)", () => {
    // stack file config value → the string the engine hands the program
    const table: Array<[string, string, Record<string, string>]> = [
        [
            "merge keys are expanded",
            "x-base: &base {region: us-west2}\nconfig:\n  data-infra:gcp:\n    <<: *base\n    project: p\n",
            { "data-infra:gcp": '{"project":"p","region":"us-west2"}' },
        ],
        [
            "0644 is octal, as go-yaml v3 still reads it",
            "config:\n  data-infra:mode: 0644\n",
            { "data-infra:mode": "420" },
        ],
        ["yes stays a string", "config:\n  data-infra:flag: yes\n", { "data-infra:flag": "yes" }],
        [
            "true is a boolean, rendered as JSON",
            "config:\n  data-infra:flag: true\n",
            { "data-infra:flag": "true" },
        ],
    ];
    for (const [what, text, expected] of table) {
        it(what, () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-yaml-"));
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: data-infra\nruntime: nodejs\n");
            fs.writeFileSync(path.join(dir, "Pulumi.s.yaml"), text);
            const config = readEngineConfig(dir, "s").config;
            for (const [k, v] of Object.entries(expected)) assert.equal(config[k], v, k);
        });
    }

    it("fails on a duplicate key, as the CLI does", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-yaml-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: data-infra\nruntime: nodejs\n");
        fs.writeFileSync(path.join(dir, "Pulumi.s.yaml"), "config:\n  data-infra:a: 1\n  data-infra:a: 2\n");
        assert.throws(
            () => readEngineConfig(dir, "s"),
            /mapping key "data-infra:a" already defined \(line 3\)/,
        );
    });
});
