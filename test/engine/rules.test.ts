/**
 * The stand-in providers' diff rules (test/engine/standin/rules.ts), pure and fast: part of `npm test`, so the
 * engine tier's replace-vs-update answers are pinned without the engine.
 */
import * as assert from "node:assert/strict";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { RULES, diffInputs, stableJson } from "./standin/rules";
import { plan } from "../harness";
import { STANDIN_PACKAGES } from "./harness";

const U = rpc.unknownValue;
const release = RULES["kubernetes:helm.sh/v3:Release"];
const object = RULES["gcp:storage/bucketObject:BucketObject"];
const composer = RULES["gcp:composer/environment:Environment"];

describe("engine tier stand-in rules", () => {
    it("a Helm release's name change replaces it; a values change updates it", () => {
        const old = { name: "a", namespace: "n", values: { x: 1 }, status: { revision: 1 } };
        assert.deepEqual(diffInputs(release, old, { name: "b", namespace: "n", values: { x: 1 } }, U), {
            changed: ["name"],
            replaces: ["name"],
        });
        assert.deepEqual(diffInputs(release, old, { name: "a", namespace: "n", values: { x: 2 } }, U), {
            changed: ["values"],
            replaces: [],
        });
    });

    it("computed outputs in the old state are not input changes", () => {
        const inputs = { name: "a", namespace: "n", values: {} };
        const state = { ...inputs, ...release.outputs!(inputs, release.id(inputs)) };
        assert.deepEqual(diffInputs(release, state, inputs, U), { changed: [], replaces: [] });
    });

    it("a nested ForceNew path replaces only when that path changes", () => {
        const base = { name: "e", region: "r", config: { nodeConfig: { serviceAccount: "a" }, size: "S" } };
        const state = { ...base, ...composer.outputs!(base, composer.id(base)) };
        const resized = { ...base, config: { ...base.config, size: "M" } };
        assert.deepEqual(diffInputs(composer, state, resized, U), { changed: ["config"], replaces: [] });
        const newSa = { ...base, config: { ...base.config, nodeConfig: { serviceAccount: "b" } } };
        assert.deepEqual(diffInputs(composer, state, newSa, U), {
            changed: ["config"],
            replaces: ["config.nodeConfig.serviceAccount"],
        });
    });

    it("an unknown input is a change, and a replacement on a ForceNew key", () => {
        const old = { bucket: "b", name: "dags/a.py", contentType: "text/x-python" };
        assert.deepEqual(diffInputs(object, old, { ...old, bucket: U }, U), {
            changed: ["bucket"],
            replaces: ["bucket"],
        });
        assert.deepEqual(diffInputs(object, old, { ...old }, U), { changed: [], replaces: [] });
    });

    it("a removed input is a change", () => {
        const old = { bucket: "b", name: "n", sourceMd5hash: "h" };
        assert.deepEqual(diffInputs(object, old, { bucket: "b", name: "n" }, U), {
            changed: ["sourceMd5hash"],
            replaces: [],
        });
    });

    it("ids follow the real providers' formats", () => {
        assert.equal(object.id({ bucket: "b", name: "dags/a.py" }), "b-dags/a.py");
        assert.equal(release.id({ name: "r", namespace: "n" }), "n/r");
        assert.throws(() => release.id({ name: U, namespace: "n" }), /name must be a known string/);
    });

    it("stableJson orders keys by code unit", () => {
        assert.equal(stableJson({ b: 1, B: [{ z: 1, a: 2 }], a: undefined }), '{"B":[{"a":2,"z":1}],"b":1}');
    });

    it("covers every resource type of the stand-in packages that a shipped channel declares", async () => {
        // A new type without rules fails the engine tier (the stand-in refuses it) and so .ci/run: say it here first.
        const missing = new Set<string>();
        for (const stack of ["test", "prod"]) {
            for (const r of (await plan(stack)).recorder.resources) {
                const pkg = r.type.split(":")[0];
                if (r.custom && (STANDIN_PACKAGES as readonly string[]).includes(pkg) && !RULES[r.type])
                    missing.add(`${r.type} (channel ${stack}): add it to test/engine/standin/rules.ts`);
            }
        }
        assert.deepEqual([...missing].sort(), []);
    });
});
