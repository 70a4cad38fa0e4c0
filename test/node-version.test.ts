/**
 * One Node.js release everywhere: `.node-version` is what the workflows install (actions/setup-node
 * `node-version-file`) and what `.ci/run` runs the tests on, and it satisfies every `engines` range that matters.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as semver from "semver";
import { parse } from "yaml";
import { REPO_ROOT } from "./harness";

const NODE_VERSION = fs.readFileSync(path.join(REPO_ROOT, ".node-version"), "utf8").trim();
const enginesOf = (pkg: string) =>
    (
        JSON.parse(fs.readFileSync(path.join(REPO_ROOT, pkg, "package.json"), "utf8")) as {
            engines?: { node?: string };
        }
    ).engines?.node;

describe("Node.js version", () => {
    it("is an exact release of the current LTS line, 24", () => {
        assert.match(NODE_VERSION, /^24\.\d+\.\d+$/);
    });

    it("satisfies package.json engines, which requires what the dependencies require", () => {
        const ours = enginesOf(".")!;
        assert.equal(ours, "^22.11.0 || >=24.10.0");
        assert.ok(semver.satisfies(NODE_VERSION, ours));
        for (const dep of ["node_modules/@pulumi/pulumi", "node_modules/@renovatebot/pep440"]) {
            const theirs = enginesOf(dep)!;
            assert.ok(semver.satisfies(NODE_VERSION, theirs), `${dep} engines ${theirs}`);
            // Every version our range admits, theirs admits too (checked at each range's lower bound).
            for (const floor of ["22.11.0", "24.10.0"])
                assert.ok(semver.satisfies(floor, theirs), `${dep} at ${floor}`);
        }
        assert.ok(!semver.satisfies("20.19.0", ours), "Node 20 is no longer admitted");
    });

    it("is what every workflow installs", () => {
        const dir = path.join(REPO_ROOT, ".github", "workflows");
        let steps = 0;
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yml"))) {
            const wf = parse(fs.readFileSync(path.join(dir, file), "utf8")) as {
                jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>;
            };
            for (const job of Object.values(wf.jobs))
                for (const step of job.steps ?? []) {
                    if (!step.uses?.startsWith("actions/setup-node@")) continue;
                    steps++;
                    assert.equal(step.with?.["node-version-file"], ".node-version", file);
                    assert.equal(step.with?.["node-version"], undefined, file);
                }
        }
        assert.ok(steps > 0);
    });

    it("is what .ci/run runs the tests on, and .ci/run says so", () => {
        const ci = fs.readFileSync(path.join(REPO_ROOT, ".ci", "run"), "utf8");
        assert.match(ci, /want="\$\(tr -d '\[:space:\]' < \.node-version\)"/);
        assert.match(ci, /echo "tests run on Node\.js \$\(node --version\)/);
    });
});
