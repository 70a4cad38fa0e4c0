import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { buildPlanDocument } from "../tools/plan/document/build";
import { planStack } from "../tools/plan/document/plan-stack";
import { renderText } from "../tools/plan/document/render-text";
import { stableStringify } from "../lib/stable-json";
import { renderInputs, type RenderContext } from "../tools/plan/document/render-inputs";
import { UNKNOWN } from "../runtime/wire";
import { engineUrn } from "../runtime/recorder";
import { REPO_ROOT, plan, stackConfig } from "./harness";
import { listStacks, readEngineConfig } from "../runtime/stack-files";

const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
const ASSET_SIG = { "4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17" };

/** Runs the plan CLI the way `npm run plan --` does. */
function cli(...args: string[]) {
    const r = spawnSync(process.execPath, ["--import", "tsx", "tools/plan.ts", ...args], {
        cwd: REPO_ROOT,
        encoding: "utf8",
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("offline plan", () => {
    describe("values", () => {
        const ctx: RenderContext = { root: REPO_ROOT, fileHashes: new Map() };

        it("renders nested secrets, unknowns and file assets per the JSON contract", () => {
            const rendered = renderInputs(
                {
                    values: { user: "app", password: { ...SECRET_SIG, value: "hunter2" } },
                    endpoint: UNKNOWN,
                    source: { ...ASSET_SIG, path: path.join(REPO_ROOT, "Pulumi.yaml") },
                },
                ctx,
            );
            const sha = require("node:crypto")
                .createHash("sha256")
                .update(fs.readFileSync("Pulumi.yaml"))
                .digest("hex");
            assert.deepEqual(rendered.value, {
                values: { user: "app", password: "[secret]" },
                endpoint: "(computed)",
                source: { asset: "file", path: "Pulumi.yaml", sha256: sha },
            });
            assert.deepEqual(rendered.secrets, {});
            assert.ok(!JSON.stringify(rendered).includes("hunter2"));
        });

        it("claims no fingerprint for a secret only the cloud knows", () => {
            const rendered = renderInputs(
                { data: { ...SECRET_SIG, value: { password: UNKNOWN } } },
                { ...ctx, fingerprintKey: Buffer.alloc(32, 7) },
            );
            assert.deepEqual(rendered, { value: { data: "[secret]" }, secrets: { data: "(computed)" } });
        });

        it("fingerprints secrets only with a key, the same value alike and another value not", () => {
            const key = Buffer.alloc(32, 7);
            const fp = (v: string) =>
                renderInputs({ a: { ...SECRET_SIG, value: v } }, { ...ctx, fingerprintKey: key }).secrets.a;
            assert.match(fp("hunter2"), /^[0-9a-f]{12}$/);
            assert.equal(fp("hunter2"), fp("hunter2"));
            assert.notEqual(fp("hunter2"), fp("hunter3"));
            const otherKey = renderInputs(
                { a: { ...SECRET_SIG, value: "hunter2" } },
                { ...ctx, fingerprintKey: Buffer.alloc(32, 8) },
            );
            assert.notEqual(otherKey.secrets.a, fp("hunter2"));
        });
    });

    describe("URNs", () => {
        it("are the engine's: no stack type in the chain, the parent's whole chain, names kept whole", () => {
            assert.equal(
                engineUrn("test", "data-infra", undefined, "pulumi:pulumi:Stack", "data-infra-test"),
                "urn:pulumi:test::data-infra::pulumi:pulumi:Stack::data-infra-test",
            );
            const stackUrn = "urn:pulumi:test::data-infra::pulumi:pulumi:Stack::data-infra-test";
            const comp = engineUrn("test", "data-infra", stackUrn, "data-infra:airflow:DagSync", "dags");
            assert.equal(comp, "urn:pulumi:test::data-infra::data-infra:airflow:DagSync::dags");
            const sub = engineUrn("test", "data-infra", comp, "x:y:Sub", "s");
            assert.equal(sub, "urn:pulumi:test::data-infra::data-infra:airflow:DagSync$x:y:Sub::s");
            assert.equal(
                engineUrn("test", "data-infra", sub, "gcp:storage/bucketObject:BucketObject", "a::b.py"),
                "urn:pulumi:test::data-infra::data-infra:airflow:DagSync$x:y:Sub$gcp:storage/bucketObject:BucketObject::a::b.py",
            );
        });

        it("are printed in the engine's form for every resource, parent and provider", async () => {
            const doc = await planStack({ projectDir: REPO_ROOT, stack: "test" });
            const byUrn = new Map(doc.resources.map((r) => [r.urn, r]));
            for (const r of doc.resources) {
                const parent = r.parent === null ? undefined : byUrn.get(r.parent);
                assert.ok(r.parent === null || parent, `${r.urn}: parent ${r.parent} is a resource`);
                assert.equal(r.urn, engineUrn("test", "data-infra", parent?.urn, r.type, r.name));
            }
            assert.ok(!JSON.stringify(doc).includes("pulumi:pulumi:Stack$"));
        });
    });

    describe("document", () => {
        it("is byte-identical for identical inputs and sorted by URN", async () => {
            const a = stableStringify(await planStack({ projectDir: REPO_ROOT, stack: "test" }));
            const b = stableStringify(await planStack({ projectDir: REPO_ROOT, stack: "test" }));
            assert.equal(a, b);
            const urns = (JSON.parse(a) as { resources: { urn: string }[] }).resources.map((r) => r.urn);
            assert.deepEqual(urns, [...urns].sort());
        });

        it("groups many siblings of one type by name prefix in the text view", async () => {
            const run = await plan("test");
            const doc = buildPlanDocument(run, { root: REPO_ROOT });
            const stackUrn = doc.resources.find((r) => r.parent === null)!.urn;
            const many = Array.from({ length: 30 }, (_, i) => ({
                urn: `${stackUrn}$x:y:Obj::${i < 20 ? "dags" : "plugins"}/f${i}.py`,
                type: "x:y:Obj",
                name: `${i < 20 ? "dags" : "plugins"}/f${i}.py`,
                parent: stackUrn,
                custom: true,
                provider: null,
                inputs: {},
                options: {},
            }));
            const text = renderText({ ...doc, resources: [...doc.resources, ...many] });
            assert.match(
                text,
                /x:y:Obj × 30 \(grouped; --format json lists each\)\n\s+dags\/: 20 {3}plugins\/: 10/,
            );
            assert.ok(!text.includes("f3.py"));
        });
    });

    describe("text summary", () => {
        for (const stack of listStacks(REPO_ROOT)) {
            it(`shows what ${stack} deploys before the tree, without --full`, async () => {
                // GIVEN the shipped channel WHEN its plan is rendered as text
                const doc = buildPlanDocument(await plan(stack), { root: REPO_ROOT });
                const text = renderText(doc);
                const summary = text.slice(0, text.indexOf("pulumi:pulumi:Stack"));
                // THEN the summary names the Composer environment, image and every package
                const cfg = readEngineConfig(REPO_ROOT, stack).config;
                const composer = JSON.parse(cfg["data-infra:composer"]) as {
                    name: string;
                    imageVersion: string;
                };
                assert.ok(summary.includes(`Composer   ${composer.name}: ${composer.imageVersion}`), summary);
                const env = doc.resources.find((r) => r.type === "gcp:composer/environment:Environment")!;
                const pypi = (
                    env.inputs.config as { softwareConfig: { pypiPackages: Record<string, string> } }
                ).softwareConfig.pypiPackages;
                assert.ok(summary.includes(`${Object.keys(pypi).length} PyPI packages: `));
                for (const [name, spec] of Object.entries(pypi))
                    assert.ok(summary.includes(`${name}${spec}`), name);
                // AND the DAG and plugin files per prefix, counted from the manifests' entries
                assert.ok(
                    summary.includes("Files      dags/ 3, plugins/ 3 (into the Composer bucket)"),
                    summary,
                );
                // AND each release's values files and images
                const releases = JSON.parse(cfg["data-infra:releases"]) as {
                    name: string;
                    valuesFiles?: string[];
                    images?: Record<string, string>;
                }[];
                for (const r of releases) {
                    assert.ok(summary.includes(`Release    ${r.name} (helm `), r.name);
                    if (r.valuesFiles?.length)
                        assert.ok(summary.includes(`values files: ${r.valuesFiles.join(", ")}`), r.name);
                    for (const p of Object.keys(r.images ?? {}))
                        assert.ok(summary.includes(`images: ${p} `), r.name);
                }
            });
        }

        it("shows each type's key inputs first: a release's values files are not hidden behind … more", async () => {
            const doc = buildPlanDocument(await plan("test"), { root: REPO_ROOT });
            const tree = renderText(doc).split("pulumi:pulumi:Stack")[1];
            const release = tree.slice(tree.indexOf("Release releases-postgresql-backup-metabase"));
            const lines = release
                .split("\n")
                .slice(1, 9)
                .map((l) => l.replace(/^[│ ]+/, ""));
            assert.deepEqual(
                lines.map((l) => l.split(":")[0]),
                [
                    "namespace",
                    "name",
                    "chart",
                    "valueYamlFiles",
                    "values.dataInfraChartHash",
                    "values.image",
                    "atomic",
                    "cleanupOnFail",
                ],
            );
        });
    });

    describe("command line", () => {
        it("explains every option with --help", () => {
            const r = cli("--help");
            assert.equal(r.code, 0);
            for (const option of ["--stack", "--format", "--project", "--verbose", "--help"]) {
                assert.ok(r.stdout.includes(option), `help mentions ${option}`);
            }
        });

        it("prints one valid JSON document with the contract's fields", () => {
            const r = cli("--stack", "test", "--format", "json");
            assert.equal(r.code, 0, r.stderr);
            const doc = JSON.parse(r.stdout) as {
                project: string;
                stack: string;
                resources: Record<string, unknown>[];
            };
            assert.equal(doc.project, "data-infra");
            assert.equal(doc.stack, "test");
            for (const res of doc.resources) {
                for (const field of ["urn", "type", "name", "parent", "inputs"])
                    assert.ok(field in res, `${field} in resource`);
            }
            assert.equal(doc.resources.filter((res) => res.parent === null).length, 1);
        });

        it("fails with every config mistake in one message and no stack trace", () => {
            // A copy of the project with one broken stack file, so the repository's stack list never changes.
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "broken-stack-"));
            fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.symlinkSync(path.join(REPO_ROOT, "index.ts"), path.join(dir, "index.ts"));
            fs.writeFileSync(
                path.join(dir, "Pulumi.broken.yaml"),
                "config:\n  data-infra:gcp:\n    project: Bad_Id\n    region: us-west2\n  data-infra:cluster:\n    name: apps\n  data-infra:clustr: {}\n" +
                    // Keys the CLI requires (declared without a value) are set, so the program's own checks run.
                    "  data-infra:composer: {}\n  data-infra:images: {}\n  data-infra:releases: []\n  data-infra:policy: {}\n",
            );
            try {
                const r = cli("--project", dir, "--stack", "broken");
                assert.equal(r.code, 1);
                for (const key of [
                    "data-infra:gcp.project",
                    "data-infra:cluster.location",
                    "data-infra:clustr",
                ]) {
                    assert.ok(r.stderr.includes(key), `names ${key}:\n${r.stderr}`);
                }
                assert.ok(!/\n\s+at /.test(r.stderr), `no stack trace:\n${r.stderr}`);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("fails a stack the Pulumi CLI would refuse, with the CLI's message, before running the program", () => {
            // GIVEN a copy of the test channel without data-infra:policy (declared in Pulumi.yaml without a value)
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "missing-key-"));
            fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            const stackFile = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.test.yaml"), "utf8");
            const without = stackFile.replace(/^ {4}data-infra:policy:\n( {8}.*\n)+/m, "");
            assert.notEqual(without, stackFile);
            fs.writeFileSync(path.join(dir, "Pulumi.test.yaml"), without);
            try {
                const r = cli("--project", dir, "--stack", "test");
                assert.equal(r.code, 1);
                assert.equal(
                    r.stderr.split("\n").slice(0, 2).join("\n"),
                    `plan failed for stack "test":\nStack 'test' is missing configuration value 'policy'`,
                );
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        const fixture = "test/fixtures/bad-program";
        const mistakes: Array<[string, RegExp]> = [
            ["duplicate", /duplicate URN urn:pulumi:duplicate::bad::gcp:storage\/bucket:Bucket::same/],
            ["invoke", /provider function gcp:compute\/getNetwork:getNetwork has no offline answer/],
            ["provider", /github:index\/repository:Repository::repo: no explicit provider/],
        ];
        for (const [stack, message] of mistakes) {
            it(`fails on what the engine would reject: ${stack}`, async () => {
                await assert.rejects(
                    planStack({ projectDir: path.join(REPO_ROOT, fixture), stack }),
                    message,
                );
            });
        }

        it("exits 2 on bad usage", () => {
            const r = cli("--format", "yaml");
            assert.equal(r.code, 2);
            assert.match(r.stderr, /--format must be text or json/);
        });

        it("refuses a --stack name Pulumi would refuse, before touching any file", () => {
            const r = cli("--stack", "../x");
            assert.equal(r.code, 2);
            assert.match(
                r.stderr,
                /--stack "\.\.\/x": a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character "\/" at position 2/,
            );
        });

        it("fails on a promotedFrom cycle across the stack files, as the workflow renderer does", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promotion-cycle-"));
            try {
                fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
                for (const [stack, from] of [
                    ["test", "prod"],
                    ["prod", "test"],
                ]) {
                    const text = fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8");
                    const config = parseDocument(text);
                    const github = JSON.parse(stackConfig(stack).config["data-infra:github"]) as object;
                    // A channel promoted from another cannot be tried (its own finding): only the cycle is left.
                    config.setIn(["config", "data-infra:github"], {
                        ...github,
                        promotedFrom: from,
                        tryPullRequests: false,
                    });
                    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), config.toString());
                }
                const r = cli("--project", dir, "--stack", "test");
                assert.equal(r.code, 1, r.stderr);
                assert.match(r.stderr, /promotions form a cycle; one channel must be promoted from main/);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});
