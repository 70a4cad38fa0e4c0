import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listStacks, readEngineConfig } from "../runtime/stack-files";

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
                "  declaredOnly:",
                "    description: nothing set",
            ].join("\n"),
        );
        fs.writeFileSync(
            path.join(dir, "Pulumi.dev.yaml"),
            [
                "config:",
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
            "demo:token": "[secret]",
            "demo:nested": '{"list":[1,"[secret]"]}',
        });
        assert.deepEqual([...cfg.secretKeys].sort(), ["demo:nested", "demo:token"]);
    });

    it("lists stacks and names the known ones when a stack is missing", () => {
        assert.deepEqual(listStacks(dir), ["dev"]);
        assert.throws(() => readEngineConfig(dir, "prod"), /no stack "prod".*stacks here: dev/);
    });
});
