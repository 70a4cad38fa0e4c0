/**
 * The engine tier (`npm run test:engine`): the real Pulumi CLI and engine run the real program against a `file://`
 * backend, with stand-in providers (test/engine/standin) in a test PULUMI_HOME. Scenarios share one workspace and
 * run in order; each says what it proves about the engine that the mock runtime cannot.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { startEmulator, type Emulator } from "../gcs/emulator";
import { engineView, planView, viewDifferences } from "./compare";
import { Storage } from "@google-cloud/storage";
import * as YAML from "yaml";
import { UPLOAD_ATTEMPTS } from "../../providers/gcs-manifest/sync";
import { Store } from "./standin/store";
import {
    EngineWorkspace,
    REPO,
    changes,
    commandTimeoutS,
    findEngineBin,
    type PreviewJson,
    type StateResource,
} from "./harness";

let ws: EngineWorkspace;
let gcs: Emulator | undefined;
/**
 * Objects of test's Composer bucket outside the managed prefixes (Composer's own files, `data/`, `logs/`, names that
 * only start like a prefix), written before the DAG sync scenarios: name → generation. Checked after destroy.
 */
const OUTSIDE = [
    "airflow.cfg",
    "data/feeds.csv",
    "logs/scheduler/run.log",
    "dags-old/x.py",
    "dagsx.py",
    "plugins.zip",
];
let outside: Record<string, string> | undefined;
/** test's Composer bucket in the emulator, and a client for it (set by the DAG sync scenarios). */
let dagBucket: { storage: Storage; name: string } | undefined;
/** Object name → generation, for the whole bucket. */
async function liveObjects(b: { storage: Storage; name: string }): Promise<Record<string, string>> {
    const [files] = await b.storage.bucket(b.name).getFiles();
    return Object.fromEntries(files.map((f) => [f.name, String(f.metadata.generation)]));
}

const errorsOf = (json: PreviewJson): string[] =>
    (json.diagnostics ?? []).filter((d) => d.severity === "error").map((d) => d.message.trim());

/**
 * The offline plan's view and the engine's must be equal. (The first run of this test found that the plan's URNs
 * of top-level resources carried the mock monitor's `pulumi:pulumi:Stack$` prefix, which the engine leaves out;
 * fixed on main in 7aa63db.)
 */
function assertPlanMatchesEngine(planJson: string, engine: PreviewJson): void {
    assert.deepEqual(viewDifferences(planView(JSON.parse(planJson)), engineView(engine)), []);
}

function offlinePlan(stack: string, project?: string): { status: number; stdout: string; stderr: string } {
    // As `npm run plan` runs it: tsx for both module systems (tools/plan.ts imports the review lazily, with import()).
    const r = spawnSync(
        ws.node,
        [
            "--import",
            pathToFileURL(require.resolve("tsx", { paths: [REPO] })).href,
            path.join(ws.project, "tools", "plan.ts"),
            "--stack",
            stack,
            "--format",
            "json",
            ...(project ? ["--project", project] : []),
        ],
        {
            cwd: ws.project,
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
            timeout: commandTimeoutS() * 1000,
            killSignal: "SIGKILL",
        },
    );
    if (r.error)
        throw new Error(`engine tier: the offline plan of ${stack} did not finish: ${r.error.message}`);
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `body` with `pulumi config set --path` edits applied to a stack, then puts the stack file back. */
async function withConfig(
    stack: string,
    edits: Record<string, string>,
    body: () => Promise<void>,
): Promise<void> {
    const file = path.join(ws.project, `Pulumi.${stack}.yaml`);
    const before = fs.readFileSync(file, "utf8");
    try {
        for (const [keyPath, value] of Object.entries(edits)) await ws.setConfig(stack, keyPath, value);
        await body();
    } finally {
        fs.writeFileSync(file, before);
    }
}

describe("engine tier: the real Pulumi CLI and engine", function () {
    // Each CLI command has its own limit (commandTimeoutS); this only bounds a test of several commands.
    this.timeout(60 * 60 * 1000);

    before(async function () {
        ws = EngineWorkspace.create(findEngineBin());
        gcs = await startEmulator();
        ws.gcsUrl = gcs.url;
        const v = await ws.must(["version"]);
        console.log(`      pulumi ${v.stdout.trim()} from ${ws.bin}; workspace ${ws.root}`);
    });
    after(async function () {
        await gcs?.stop();
        if (ws && !process.env.DATA_INFRA_ENGINE_KEEP) ws.remove();
    });

    describe("config the CLI requires before the program runs", function () {
        it("a stack missing a required key fails with the CLI's message, and the offline plan names the same key", async function () {
            const doc = YAML.parseDocument(
                fs.readFileSync(path.join(ws.project, "Pulumi.test.yaml"), "utf8"),
            );
            assert.ok(doc.deleteIn(["config", "data-infra:composer"]));
            fs.writeFileSync(path.join(ws.project, "Pulumi.missing.yaml"), doc.toString());
            try {
                await ws.initStack("missing");
                const { run } = await ws.preview("missing");
                assert.notEqual(run.status, 0);
                // sdk/go/common/workspace/config.go (pulumi/pulumi): the CLI refuses before the program starts.
                assert.match(
                    run.stdout + run.stderr,
                    /Stack 'missing' is missing configuration value 'composer'/,
                );
                const plan = offlinePlan("missing");
                assert.notEqual(plan.status, 0, "the offline plan must fail too");
                // The same sentence as the CLI's (runtime/stack-files.ts applies the CLI's rule offline).
                assert.match(
                    plan.stderr + plan.stdout,
                    /Stack 'missing' is missing configuration value 'composer'/,
                );
            } finally {
                fs.rmSync(path.join(ws.project, "Pulumi.missing.yaml"), { force: true });
                await ws.pulumi(["stack", "rm", "missing", "--yes", "--force"], { stack: "missing" });
            }
        });
    });

    describe("channels, in the order a release goes", function () {
        let testPreview: PreviewJson;

        it("test previews on a fresh stack with no errors", async function () {
            await ws.initStack("test");
            const { run, json } = await ws.preview("test");
            assert.deepEqual(errorsOf(json), []);
            assert.equal(run.status, 0, run.stderr);
            testPreview = json;
            assert.ok(changes(json).every((c) => c.startsWith("create ")));
        });

        it("a deploy does not type-check the program (Pulumi.yaml's tsconfig sets noCheck); without that option it did", async function () {
            // @pulumi/pulumi cmd/run/run.js: ts-node's transpileOnly is the `noCheck` of the tsconfig the language
            // host names (runtime.options.tsconfig → PULUMI_NODEJS_TSCONFIG_PATH), read by tsutils.js; with no such
            // option ts-node type-checks on every run (12 s of CPU and 1 GB here).
            const index = path.join(ws.project, "index.ts");
            const projectFile = path.join(ws.project, "Pulumi.yaml");
            const program = fs.readFileSync(index, "utf8");
            const project = fs.readFileSync(projectFile, "utf8");
            fs.writeFileSync(
                index,
                `${program}\n{\n    const planted: number = "not a number" as string;\n    void planted;\n}\n`,
            );
            try {
                const { run, json } = await ws.preview("test");
                assert.deepEqual(errorsOf(json), []);
                assert.equal(run.status, 0, run.stderr);
                // AND the project file as it was before tsconfig.deploy.json: the same program fails to compile
                const before = YAML.parseDocument(project);
                assert.ok(before.deleteIn(["runtime", "options", "tsconfig"]));
                fs.writeFileSync(projectFile, before.toString());
                const checked = await ws.preview("test");
                assert.notEqual(checked.run.status, 0);
                assert.match(
                    JSON.stringify(checked.json) + checked.run.stdout + checked.run.stderr,
                    /TS2322/,
                );
            } finally {
                fs.writeFileSync(index, program);
                fs.writeFileSync(projectFile, project);
            }
        });

        it("the offline plan's resources (URN, type, parent, inputs) equal the engine's for test", async function () {
            const plan = offlinePlan("test");
            assert.equal(plan.status, 0, plan.stderr);
            assertPlanMatchesEngine(plan.stdout, testPreview);
        });

        it("prod fails clearly while test has not exported its images", async function () {
            await ws.initStack("prod");
            const { run } = await ws.preview("prod");
            assert.notEqual(run.status, 0);
            assert.match(
                run.stdout + run.stderr,
                /stack organization\/data-infra\/test exports no digest for postgresql-backup: deploy it first/,
            );
        });

        it("test deploys, and a second up changes nothing", async function () {
            const up = await ws.up("test");
            assert.equal(up.status, 0, up.stdout + up.stderr);
            const again = await ws.preview("test");
            assert.equal(again.run.status, 0, again.run.stderr);
            assert.deepEqual(changes(again.json), []);
            const second = await ws.up("test");
            assert.equal(second.status, 0, second.stderr);
            assert.doesNotMatch(second.stdout, /[0-9]+ (created|updated|deleted|replaced)/);
        });

        it("prod reads test's real images output from the backend, deploys, and is idempotent", async function () {
            const testImages = ((await ws.exportState("test")).deployment.resources ?? []).find(
                (r) => r.type === "pulumi:pulumi:Stack",
            )?.outputs?.images as Record<string, string> | undefined;
            assert.match(testImages?.["postgresql-backup"] ?? "", /@sha256:[0-9a-f]{64}$/);

            const { run, json } = await ws.preview("prod");
            assert.equal(run.status, 0, run.stdout + run.stderr);
            const plan = offlinePlan("prod");
            assert.equal(plan.status, 0, plan.stderr);
            assertPlanMatchesEngine(plan.stdout, json);

            const up = await ws.up("prod");
            assert.equal(up.status, 0, up.stdout + up.stderr);
            const releases = ((await ws.exportState("prod")).deployment.resources ?? []).filter(
                (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.urn.includes("postgresql-backup"),
            );
            assert.equal(releases.length, 2);
            for (const r of releases) {
                assert.equal(
                    JSON.stringify(r.inputs?.values).includes(testImages!["postgresql-backup"]),
                    true,
                    r.urn,
                );
            }
            assert.deepEqual(changes((await ws.preview("prod")).json), []);
        });

        it("removing one DAG file changes only its prefix's manifest, by exactly that file", async function () {
            const file = path.join(ws.project, "airflow", "dags", "transform", "run_dbt.py");
            const content = fs.readFileSync(file);
            fs.rmSync(file);
            try {
                const { run, json } = await ws.preview("test");
                assert.equal(run.status, 0, run.stderr);
                const urn =
                    "urn:pulumi:test::data-infra::data-infra:airflow:DagSync$gcsmanifest:index:PrefixManifest::dags/";
                assert.deepEqual(changes(json), [`update ${urn}`]);
                const step = (json.steps ?? []).find((s) => s.urn === urn)!;
                assert.deepEqual(step.detailedDiff, {
                    'files["dags/transform/run_dbt.py"]': { kind: "delete", inputDiff: true },
                });
            } finally {
                fs.writeFileSync(file, content);
            }
        });

        it("renaming a Helm release is a replacement, not an update", async function () {
            await withConfig("test", { "data-infra:releases[1].helmName": "reports-site-v2" }, async () => {
                const { run, json } = await ws.preview("test");
                assert.equal(run.status, 0, run.stderr);
                const urn =
                    "urn:pulumi:test::data-infra::data-infra:releases:Releases$kubernetes:helm.sh/v3:Release::releases-reports-site";
                const ops = (json.steps ?? []).filter((s) => s.urn === urn).map((s) => s.op);
                assert.ok(ops.includes("replace"), `no replace step for ${urn}: ${changes(json).join("\n")}`);
                assert.ok(!ops.includes("update"));
                assert.deepEqual(
                    (json.steps ?? []).find((s) => s.urn === urn && s.op === "replace")?.replaceReasons,
                    ["name"],
                );
            });
        });

        it("prod's protected Composer environment makes a replacing change fail", async function () {
            await withConfig(
                "prod",
                {
                    "data-infra:composer.serviceAccount":
                        "composer-v2@transit-data-prod.iam.gserviceaccount.com",
                },
                async () => {
                    const { run } = await ws.preview("prod");
                    assert.notEqual(run.status, 0);
                    assert.match(run.stdout + run.stderr, /composer.*protect|protect.*composer/is);
                    const up = await ws.up("prod");
                    assert.notEqual(up.status, 0);
                },
            );
            assert.deepEqual(changes((await ws.preview("prod")).json), []);
        });

        it("refresh reads the stand-ins' live state: no change, then an object deleted out of band leaves the state and up recreates it", async function () {
            const refresh = () =>
                ws.pulumi(["refresh", "--stack", "test", "--yes", "--skip-preview"], { stack: "test" });
            const same = await refresh();
            assert.equal(same.status, 0, same.stdout + same.stderr);
            assert.doesNotMatch(same.stdout, /[0-9]+ (created|updated|deleted|replaced)/);

            const ns =
                "urn:pulumi:test::data-infra::data-infra:releases:Releases$kubernetes:core/v1:Namespace::releases-namespace-reports";
            const k8s = new Store(path.join(ws.stores, "test"), "kubernetes");
            assert.ok(
                k8s.read("kubernetes:core/v1:Namespace", "reports"),
                "the stand-in holds namespace reports",
            );
            k8s.remove("kubernetes:core/v1:Namespace", "reports");
            const gone = await refresh();
            assert.equal(gone.status, 0, gone.stdout + gone.stderr);
            assert.match(gone.stdout, /1 deleted/);
            assert.deepEqual(changes((await ws.preview("test")).json), [`create ${ns}`]);
            const up = await ws.up("test");
            assert.equal(up.status, 0, up.stdout + up.stderr);
            assert.ok(k8s.read("kubernetes:core/v1:Namespace", "reports"));
            assert.deepEqual(changes((await ws.preview("test")).json), []);
        });
    });

    /**
     * The DAG sync through the CLI: the real gcsmanifest plugin, started by the engine from Pulumi.yaml, on the
     * emulator, driven by `pulumi preview`/`up`/`refresh` of the whole program (test is deployed by now). The
     * provider-alone tests (`npm run test:gcs`) call the provider's methods with state they built; here the olds are
     * what the engine checkpointed, the diff is what the CLI renders, and a failed step leaves whatever state the
     * engine keeps. Each step changes the project copy's airflow/dags and leaves it so: the next scenario starts
     * from the deployed result.
     */
    describe("DAG sync through the CLI (the real gcsmanifest plugin on the emulator)", function () {
        const DAGS_URN =
            "urn:pulumi:test::data-infra::data-infra:airflow:DagSync$gcsmanifest:index:PrefixManifest::dags/";
        const PLUGINS_URN = DAGS_URN.replace(/dags\/$/, "plugins/");
        let storage: Storage;
        let bucket: string;
        const dagFile = (rel: string) => path.join(ws.project, "airflow", "dags", rel);

        /** The dags/ manifest's state as the engine checkpointed it. */
        const manifestState = async (): Promise<StateResource & { pending?: unknown[] }> => {
            const state = (await ws.exportState("test")) as {
                deployment: { resources?: StateResource[]; pending_operations?: unknown[] };
            };
            const r = (state.deployment.resources ?? []).find((x) => x.urn === DAGS_URN);
            assert.ok(r, `no ${DAGS_URN} in test's state`);
            return { ...r, pending: state.deployment.pending_operations ?? [] };
        };
        const live = () => liveObjects({ storage, name: bucket });
        const under = (objects: Record<string, string>, prefix: string) =>
            Object.keys(objects).filter((n) => n.startsWith(prefix));
        const put = (name: string, text: string) =>
            storage.bucket(bucket).file(name).save(text, { resumable: false });
        /** Position in the emulator's log of a line, which must be there. */
        const at = (line: string): number => {
            const i = gcs!.log.indexOf(line);
            assert.ok(i >= 0, `the emulator saw no "${line}":\n${gcs!.log.join("\n")}`);
            return i;
        };

        before(async function () {
            storage = new Storage({
                apiEndpoint: gcs!.url,
                projectId: "emulator",
                retryOptions: { autoRetry: false },
            });
            bucket = String((await manifestState()).outputs?.bucket);
            assert.match(bucket, /-bucket$/, "the Composer environment's bucket, from the manifest's state");
            dagBucket = { storage, name: bucket };
            // Composer's own files and the folders next to the managed prefixes: no step of the tier may touch them
            // (checked after destroy, below).
            for (const name of OUTSIDE) await put(name, `${name} written by Composer\n`);
            const all = await live();
            outside = Object.fromEntries(OUTSIDE.map((n) => [n, all[n]]));
        });

        it("preview --diff names each added, changed and removed file; up uploads the new name and deletes the old one only after GCS answered", async function () {
            // Proves what test:gcs cannot: the CLI's own rendering of the plugin's per-file detailed diff (the SDK's
            // provider server drops it; main.ts adds it back), and that the engine hands the plugin the olds it
            // checkpointed, so only the two changed files go over the wire.
            fs.renameSync(dagFile("transform/run_dbt.py"), dagFile("transform/run_dbt_daily.py"));
            fs.appendFileSync(dagFile("gtfs/feeds.yml"), "# reviewed\n");
            const diff = await ws.pulumi(["preview", "--stack", "test", "--diff"], { stack: "test" });
            assert.equal(diff.status, 0, diff.stdout + diff.stderr);
            const text = diff.stdout;
            // As CLI v3.274.1 renders a map's keys: `~ files: {`, then one line per file, `<op> <name> : <entry>`.
            const size = (rel: string) => fs.statSync(dagFile(rel)).size;
            const fileLines = text
                .split("\n")
                .filter((l) => /^\s+[-+~] (?:dags|plugins)\//.test(l))
                .map((l) => l.trim().replace(/^(\S \S+?)\s*: /, "$1 : "));
            assert.deepEqual(
                fileLines.map((l) => l.replace(/"[A-Za-z0-9+/=]{24} /g, '"<md5> ')),
                [
                    `~ dags/gtfs/feeds.yml : "<md5> ${size("gtfs/feeds.yml") - 11} application/yaml" => "<md5> ${size("gtfs/feeds.yml")} application/yaml"`,
                    `- dags/transform/run_dbt.py : "<md5> ${size("transform/run_dbt_daily.py")} text/x-python"`,
                    `+ dags/transform/run_dbt_daily.py : "<md5> ${size("transform/run_dbt_daily.py")} text/x-python"`,
                ],
                text,
            );
            assert.match(text, /^\s+~ files: \{$/m, text);
            assert.match(text, /1 to update/);

            const before = await live();
            gcs!.resetCounts();
            const up = await ws.up("test");
            assert.equal(up.status, 0, up.stdout + up.stderr);
            assert.deepEqual([...gcs!.uploads.keys()].sort(), [
                "dags/gtfs/feeds.yml",
                "dags/transform/run_dbt_daily.py",
            ]);
            // Never a moment with neither name: the old object's delete is sent after GCS answered the new one's
            // upload (and after every other upload of the step).
            const del = at(`> delete ${bucket}/dags/transform/run_dbt.py`);
            assert.ok(at(`< 200 upload ${bucket}/dags/transform/run_dbt_daily.py`) < del);
            assert.ok(at(`< 200 upload ${bucket}/dags/gtfs/feeds.yml`) < del);
            const after = await live();
            assert.deepEqual(under(after, "dags/"), [
                "dags/gtfs/download_feeds.py",
                "dags/gtfs/feeds.yml",
                "dags/transform/run_dbt_daily.py",
            ]);
            assert.equal(after["dags/gtfs/download_feeds.py"], before["dags/gtfs/download_feeds.py"]);
            // The engine checkpointed what the plugin wrote: generations equal the live ones.
            const state = await manifestState();
            assert.deepEqual(
                state.outputs?.generations,
                Object.fromEntries(under(after, "dags/").map((n) => [n, after[n]])),
            );
        });

        it("a failing upload fails the up, deletes nothing and leaves the engine's state as before; the next up (one transient failure, retried) completes", async function () {
            // Proves what test:gcs cannot: what the engine records after the plugin's update fails (the old
            // manifest, no pending operation), and that the next `up` plans from that state and finishes the change.
            fs.writeFileSync(dagFile("gtfs/new_feed.py"), "FEED = 'new'\n");
            fs.appendFileSync(dagFile("gtfs/download_feeds.py"), "# retried\n");
            fs.rmSync(dagFile("gtfs/feeds.yml"));
            const prior = await manifestState();
            const before = await live();
            gcs!.resetCounts();
            gcs!.failUploads.set("dags/gtfs/new_feed.py", UPLOAD_ATTEMPTS);
            const failed = await ws.up("test");
            gcs!.failUploads.clear();
            assert.notEqual(failed.status, 0);
            const out = failed.stdout + failed.stderr;
            assert.match(
                out,
                new RegExp(
                    `1 of 2 upload\\(s\\) to gs://${bucket}/dags/ failed; nothing was deleted:[\\s\\S]*dags/gtfs/new_feed.py: upload failed after ${UPLOAD_ATTEMPTS} attempt\\(s\\)`,
                ),
            );
            assert.equal(gcs!.uploads.get("dags/gtfs/new_feed.py"), UPLOAD_ATTEMPTS);
            assert.deepEqual(
                gcs!.log.filter((l) => l.startsWith("> delete")),
                [],
            );
            assert.equal((await live())["dags/gtfs/feeds.yml"], before["dags/gtfs/feeds.yml"]);
            const kept = await manifestState();
            assert.deepEqual(kept.pending, []);
            assert.deepEqual(kept.inputs?.files, prior.inputs?.files);
            assert.deepEqual(kept.outputs?.files, prior.outputs?.files);
            assert.deepEqual(kept.outputs?.generations, prior.outputs?.generations);

            gcs!.resetCounts();
            gcs!.failUploads.set("dags/gtfs/new_feed.py", 1);
            const up = await ws.up("test");
            gcs!.failUploads.clear();
            assert.equal(up.status, 0, up.stdout + up.stderr);
            // Retried within the step; download_feeds.py went up in the failed run and its MD5 matches: not again.
            assert.deepEqual(Object.fromEntries(gcs!.uploads), { "dags/gtfs/new_feed.py": 2 });
            assert.ok(
                at(`< 200 upload ${bucket}/dags/gtfs/new_feed.py`) <
                    at(`> delete ${bucket}/dags/gtfs/feeds.yml`),
            );
            const after = await live();
            assert.deepEqual(under(after, "dags/"), [
                "dags/gtfs/download_feeds.py",
                "dags/gtfs/new_feed.py",
                "dags/transform/run_dbt_daily.py",
            ]);
            const state = await manifestState();
            assert.deepEqual(
                state.outputs?.generations,
                Object.fromEntries(under(after, "dags/").map((n) => [n, after[n]])),
            );
        });

        it("an object written by hand under dags/: refresh records it as drift, up keeps it and restores an edited file; with dags.deleteUnmanaged the preview names it and up deletes it", async function () {
            // Proves what test:gcs cannot: the engine stores the plugin's Read as the new state, the next preview
            // diffs against it (the edited file shows as a change, the hand-written one does not), and the stack
            // config key reaches the plugin, whose deletion the CLI names before it happens.
            await put("dags/by_hand.py", "print('debugging in prod')\n");
            await put("dags/transform/run_dbt_daily.py", "edited in the console\n");
            const refresh = await ws.pulumi(["refresh", "--stack", "test", "--yes", "--skip-preview"], {
                stack: "test",
            });
            assert.equal(refresh.status, 0, refresh.stdout + refresh.stderr);
            assert.match(refresh.stdout, /1 updated/, refresh.stdout);
            const refreshed = await manifestState();
            assert.deepEqual(Object.keys(refreshed.outputs?.unmanaged ?? {}), ["dags/by_hand.py"]);
            assert.match(
                String(
                    (refreshed.outputs?.files as Record<string, string>)["dags/transform/run_dbt_daily.py"],
                ),
                / 22 /,
            );

            const { run, json } = await ws.preview("test");
            assert.equal(run.status, 0, run.stderr);
            assert.deepEqual(changes(json), [`update ${DAGS_URN}`]);
            assert.deepEqual((json.steps ?? []).find((s) => s.urn === DAGS_URN)?.detailedDiff, {
                'files["dags/transform/run_dbt_daily.py"]': { kind: "update", inputDiff: true },
            });
            gcs!.resetCounts();
            const up = await ws.up("test");
            assert.equal(up.status, 0, up.stdout + up.stderr);
            assert.deepEqual([...gcs!.uploads.keys()], ["dags/transform/run_dbt_daily.py"]);
            const [restored] = await storage
                .bucket(bucket)
                .file("dags/transform/run_dbt_daily.py")
                .download();
            assert.deepEqual(restored, fs.readFileSync(dagFile("transform/run_dbt_daily.py")));
            assert.ok("dags/by_hand.py" in (await live()), "kept without dags.deleteUnmanaged");
            assert.deepEqual(
                gcs!.log.filter((l) => l.startsWith("> delete")),
                [],
            );

            const file = path.join(ws.project, "Pulumi.test.yaml");
            const stackFile = fs.readFileSync(file, "utf8");
            const doc = YAML.parseDocument(stackFile);
            // A stack's value replaces Pulumi.yaml's whole `dags` value, so the project's value is copied with the key.
            const project = YAML.parse(fs.readFileSync(path.join(ws.project, "Pulumi.yaml"), "utf8")) as {
                config: { dags: { value: Record<string, unknown> } };
            };
            assert.equal(doc.getIn(["config", "data-infra:dags"]), undefined, "test sets no dags of its own");
            doc.setIn(["config", "data-infra:dags"], { ...project.config.dags.value, deleteUnmanaged: true });
            fs.writeFileSync(file, doc.toString());
            try {
                const { run, json } = await ws.preview("test");
                assert.equal(run.status, 0, run.stderr);
                // Both manifests: the option is an input of each (plugins/ has nothing to delete).
                assert.deepEqual(changes(json), [`update ${DAGS_URN}`, `update ${PLUGINS_URN}`]);
                assert.deepEqual((json.steps ?? []).find((s) => s.urn === PLUGINS_URN)?.detailedDiff, {
                    deleteUnmanaged: { kind: "update", inputDiff: true },
                });
                assert.deepEqual((json.steps ?? []).find((s) => s.urn === DAGS_URN)?.detailedDiff, {
                    deleteUnmanaged: { kind: "update", inputDiff: true },
                    'unmanaged["dags/by_hand.py"]': { kind: "delete", inputDiff: true },
                });
                gcs!.resetCounts();
                const up = await ws.up("test");
                assert.equal(up.status, 0, up.stdout + up.stderr);
                assert.deepEqual(
                    gcs!.log.filter((l) => l.startsWith("> delete") || l.startsWith("> upload")),
                    [`> delete ${bucket}/dags/by_hand.py`],
                );
                assert.deepEqual(under(await live(), "dags/"), [
                    "dags/gtfs/download_feeds.py",
                    "dags/gtfs/new_feed.py",
                    "dags/transform/run_dbt_daily.py",
                ]);
                assert.deepEqual((await manifestState()).outputs?.unmanaged, {});
            } finally {
                fs.writeFileSync(file, stackFile);
            }
            // Turning the option off again is an update of both manifests too (else their state would keep `true`
            // and turning it on later would not be seen); after it, test previews no change.
            const off = await ws.up("test");
            assert.equal(off.status, 0, off.stdout + off.stderr);
            assert.match(off.stdout, /2 updated/, off.stdout);
            assert.deepEqual(changes((await ws.preview("test")).json), []);
        });
    });

    describe("adoption on a fresh stack (data-infra:adopt, the import resource option)", function () {
        let fresh: EngineWorkspace | undefined;
        let freshGcs: Emulator | undefined;
        after(async function () {
            await freshGcs?.stop();
            if (fresh && !process.env.DATA_INFRA_ENGINE_KEEP) fresh.remove();
        });

        it("imports a live Helm release and the Composer environment, creates the rest, then previews no change", async function () {
            // A second backend and "cloud": the same channel (so the same names and inputs) on a fresh stack, where
            // only what the legacy system runs exists: test's live Composer environment and (below) reports-site release.
            fresh = EngineWorkspace.create(ws.bin);
            const envUrn =
                "urn:pulumi:test::data-infra::data-infra:airflow:ComposerEnvironment$gcp:composer/environment:Environment::composer";
            const relUrn =
                "urn:pulumi:test::data-infra::data-infra:releases:Releases$kubernetes:helm.sh/v3:Release::releases-reports-site";
            const env = "gcp:composer/environment:Environment";
            const rel = "kubernetes:helm.sh/v3:Release";
            const [composer] = new Store(path.join(ws.stores, "test"), "gcp").list(env);
            const release = new Store(path.join(ws.stores, "test"), "kubernetes").read(
                rel,
                "reports/reports-site",
            );
            assert.ok(composer && release, "test's store holds both");
            new Store(path.join(fresh.stores, "test"), "gcp").write(composer);
            // The live environment's bucket exists with it, in this "cloud"'s own GCS.
            freshGcs = await startEmulator();
            fresh.gcsUrl = freshGcs.url;
            const prefix = (composer.outputs.config as { dagGcsPrefix: string }).dagGcsPrefix;
            await freshGcs.createBucket(/^gs:\/\/([^/]+)\//.exec(prefix)![1]);

            const file = path.join(fresh.project, "Pulumi.test.yaml");
            const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
            doc.setIn(["config", "data-infra:adopt"], { releases: ["reports-site"], composer: true });
            fs.writeFileSync(file, doc.toString());
            await fresh.initStack("test");

            // The live release runs other values than the program declares (the legacy system's): the engine
            // imports it as it is and then updates it to the declared inputs (CLI v3.274.1: an `import` step and an
            // `update` step), never a replacement. The Composer environment matches: an import only.
            const k8s = new Store(path.join(fresh.stores, "test"), "kubernetes");
            const legacy = { values: { legacy: true } };
            k8s.write({
                ...release,
                inputs: { ...release.inputs, ...legacy },
                outputs: { ...release.outputs, ...legacy },
            });
            const { run, json } = await fresh.preview("test");
            assert.equal(run.status, 0, run.stdout + run.stderr);
            const opOf = (urn: string) => (json.steps ?? []).filter((s) => s.urn === urn).map((s) => s.op);
            assert.deepEqual(opOf(envUrn), ["import"], changes(json).join("\n"));
            assert.deepEqual(opOf(relUrn), ["import", "update"]);

            const up = await fresh.up("test");
            assert.equal(up.status, 0, up.stdout + up.stderr);
            assert.deepEqual(k8s.read(rel, "reports/reports-site")?.inputs.values, release.inputs.values);
            const again = await fresh.preview("test");
            assert.equal(again.run.status, 0, again.run.stderr);
            assert.deepEqual(changes(again.json), []);
        });
    });

    describe("destroy", function () {
        it("stops at test's protected registry, and after `state unprotect` removes everything from the stand-ins", async function () {
            const first = await ws.pulumi(["destroy", "--stack", "test", "--yes", "--skip-preview"], {
                stack: "test",
            });
            assert.notEqual(first.status, 0);
            assert.match(
                first.stdout + first.stderr,
                /artifactregistry\/repository:Repository::images-repository[\s\S]*protect/,
            );
            await ws.must(["state", "unprotect", "--all", "--yes", "--stack", "test"], { stack: "test" });
            const second = await ws.pulumi(["destroy", "--stack", "test", "--yes", "--skip-preview"], {
                stack: "test",
            });
            assert.equal(second.status, 0, second.stdout + second.stderr);
            assert.deepEqual((await ws.exportState("test")).deployment.resources ?? [], []);
            // Everything is gone from the stand-ins but the two Namespaces, which the program retains on delete.
            const left = fs
                .readdirSync(path.join(ws.stores, "test"), { recursive: true })
                .map(String)
                .filter((f) => f.endsWith(".json"))
                .sort();
            assert.deepEqual(left, [
                path.join("kubernetes", "kubernetes_core_v1_Namespace", "metabase-9bba5f83.json"),
                path.join("kubernetes", "kubernetes_core_v1_Namespace", "reports-6860b973.json"),
            ]);
            // The manifests deleted exactly what they wrote: nothing is left under dags/ or plugins/, and every object
            // outside them is the generation written before the DAG sync scenarios (never rewritten, never deleted)
            // after a rename, a failed and a retried up, a refresh, deleteUnmanaged and this destroy. What test:gcs
            // cannot show: the whole program's destroy through the engine, Composer's stand-in included.
            assert.ok(dagBucket && outside, "the DAG sync scenarios ran before destroy");
            assert.deepEqual(await liveObjects(dagBucket), outside);
        });
    });

    describe("bootstrap project", function () {
        it("previews with its own program (bootstrap/index.ts), not the root's", async function () {
            const cwd = path.join(ws.project, "bootstrap");
            const stack = "transit-data-test";
            await ws.initStack(stack, cwd);
            const { run, json } = await ws.preview(stack, cwd);
            assert.deepEqual(errorsOf(json), []);
            assert.equal(run.status, 0, run.stdout + run.stderr);
            const urns = (json.steps ?? []).map((s) => s.urn);
            assert.ok(urns.length > 1);
            assert.deepEqual(
                urns.filter((u) => !u.startsWith(`urn:pulumi:${stack}::data-infra-bootstrap::`)),
                [],
            );
            assert.ok(
                urns.every((u) => !u.includes("data-infra:airflow")),
                "the root program ran",
            );
        });
    });
});
