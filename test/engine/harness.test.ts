/**
 * The engine tier's choice of the Node.js the program runs on (test/engine/harness.ts `chooseNode`), pure: part of
 * `npm test`. Node 20 ran the program in the first engine runs and hung on the first program error (nodejs/node#64011).
 */
import * as assert from "node:assert/strict";
import { chooseNode } from "./harness";

describe("engine tier: the program's Node.js", () => {
    it("is the running Node.js when it is the .node-version release", () => {
        assert.equal(chooseNode("24.22.3", "v24.22.3", "/bin/node", "/cache/node"), "/bin/node");
    });

    it("is the cached .node-version release when another Node.js runs the tests", () => {
        assert.equal(chooseNode("24.22.3", "v20.20.2", "/bin/node", "/cache/node"), "/cache/node");
        assert.equal(chooseNode("24.22.3", "v22.12.0", "/bin/node", "/cache/node"), "/cache/node");
    });

    it("falls back to a running Node.js the project admits (22, 24+) when none is cached", () => {
        assert.equal(chooseNode("24.22.3", "v22.12.0", "/bin/node"), "/bin/node");
        assert.equal(chooseNode("24.22.3", "v25.1.0", "/bin/node"), "/bin/node");
    });

    it("refuses Node 20 with no cached release, saying what to do", () => {
        const e = chooseNode("24.22.3", "v20.20.2", "/bin/node");
        assert.ok(e instanceof Error);
        assert.equal(
            e.message,
            "engine tier: Node.js v20.20.2 is not one this project supports (package.json engines), and its " +
                "util.inspect hangs printing program errors (nodejs/node#64011). Put Node.js 24.22.3 " +
                "(.node-version) first on PATH, or run .ci/run once",
        );
    });
});
