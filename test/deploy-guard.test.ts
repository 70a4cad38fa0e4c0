/**
 * The deploy guard on `pulumi preview --json` documents of the CLI's shape (PreviewDigest, pulumi/pulumi
 * `sdk/pkg/display/json.go:30-74`): `test/fixtures/preview-json/`.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    destructions,
    governanceRemovals,
    governanceReport,
    guardReport,
    type PreviewDigest,
} from "../tools/deploy-guard/check";
import { REPO_ROOT } from "./harness";

const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "preview-json");
const read = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as PreviewDigest;
const S = "urn:pulumi:prod::data-infra::";

describe("deploy guard", () => {
    it("blocks a provider replacement and the stateful resources it takes along, naming each", () => {
        const found = destructions(read("cluster-change"));
        assert.deepEqual(found, [
            {
                urn: `${S}data-infra:releases:Releases$kubernetes:core/v1:Secret::releases-secret-metabase/metabase-database`,
                type: "kubernetes:core/v1:Secret",
                action: "replace",
                reasons: ["provider"],
            },
            {
                urn: `${S}data-infra:releases:Releases$kubernetes:helm.sh/v3:Release::releases-metabase`,
                type: "kubernetes:helm.sh/v3:Release",
                action: "replace",
                reasons: ["provider"],
            },
            {
                urn: `${S}pulumi:pulumi:Stack$pulumi:providers:kubernetes::k8s`,
                type: "pulumi:providers:kubernetes",
                action: "replace",
                reasons: ["clusterIdentifier"],
            },
        ]);
        const { ok, lines } = guardReport(found, false);
        assert.equal(ok, false);
        assert.equal(
            lines[0],
            "deploy guard: the preview replaces or deletes 3 provider or stateful resource(s); nothing was deployed:",
        );
        assert.equal(
            lines[3],
            `  replace ${S}pulumi:pulumi:Stack$pulumi:providers:kubernetes::k8s (replace caused by: clusterIdentifier)`,
        );
    });

    it("lets updates, replacements of stateless objects and deletes of retained resources through", () => {
        assert.deepEqual(destructions(read("updates-only")), []);
        assert.deepEqual(guardReport([], false), {
            ok: true,
            lines: ["deploy guard: no provider or stateful resource is replaced or deleted"],
        });
    });

    it("blocks a delete of the Composer environment", () => {
        assert.deepEqual(
            destructions(read("composer-delete")).map((d) => `${d.action} ${d.type}`),
            ["delete gcp:composer/environment:Environment"],
        );
    });

    it("passes with the override, still listing what goes", () => {
        const { ok, lines } = guardReport(destructions(read("composer-delete")), true);
        assert.equal(ok, true);
        assert.equal(
            lines[0],
            "deploy guard: overridden; 1 guarded resource(s) will be replaced or deleted:",
        );
    });

    it("the command exits 1 without the override and 0 with it", () => {
        const run = (allow: string) =>
            spawnSync(
                process.execPath,
                [
                    require.resolve("tsx/cli"),
                    "tools/deploy-guard.ts",
                    path.join(FIXTURES, "composer-delete.json"),
                ],
                {
                    cwd: REPO_ROOT,
                    encoding: "utf8",
                    env: { ...process.env, DATA_INFRA_ALLOW_DESTROY: allow },
                },
            ).status;
        assert.equal(run(""), 1);
        assert.equal(run("true"), 0);
    });

    describe("GitHub settings left in a channel stack (issue 15, item 7: governance moved to its own project)", () => {
        const T = "urn:pulumi:test::data-infra::data-infra:github:Governance$";
        it("refuses a deploy that would delete them, with or without the override, naming each", () => {
            const urns = governanceRemovals(read("governance-not-moved"));
            assert.deepEqual(urns, [
                `${T}github:index/branchProtection:BranchProtection::github-protect-release`,
                `${T}github:index/repositoryEnvironment:RepositoryEnvironment::github-environment`,
            ]);
            const report = governanceReport(urns);
            assert.equal(report.ok, false);
            assert.match(report.lines[0], /still holds 2 GitHub setting\(s\)/);
            assert.match(report.lines[3], /allow_destroy does not override this/);
        });

        it("lets the orphaned github provider go once the settings were moved", () => {
            const moved = read("governance-moved");
            assert.deepEqual(governanceRemovals(moved), []);
            assert.deepEqual(governanceReport([]), { ok: true, lines: [] });
            assert.deepEqual(destructions(moved), []);
        });

        it("the command exits 1 on unmoved settings even with the override", () => {
            const r = spawnSync(
                process.execPath,
                [
                    require.resolve("tsx/cli"),
                    "tools/deploy-guard.ts",
                    path.join(FIXTURES, "governance-not-moved.json"),
                ],
                {
                    cwd: REPO_ROOT,
                    encoding: "utf8",
                    env: { ...process.env, DATA_INFRA_ALLOW_DESTROY: "true" },
                },
            );
            assert.equal(r.status, 1);
            assert.match(r.stderr, /github-protect-release/);
        });
    });
});
