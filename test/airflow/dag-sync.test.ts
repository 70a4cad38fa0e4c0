import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { plan, REPO_ROOT } from "../harness";
import type { ProgramRun } from "../../runtime/run-program";
import { UNKNOWN, isAsset } from "../../runtime/wire";

const OBJECT = "gcp:storage/bucketObject:BucketObject";
const TREE = path.join(".tmp", `dag-sync-test-${process.pid}`);

function write(rel: string, content: string): void {
    fs.mkdirSync(path.dirname(path.join(REPO_ROOT, TREE, rel)), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, TREE, rel), content);
}

/** Plans the test stack with the DAG sync pointed at the temporary tree. */
function planTree(extra: Record<string, unknown> = {}): Promise<ProgramRun> {
    return plan("test", {
        dags: {
            folders: [
                { source: `${TREE}/dags`, prefix: "dags/" },
                { source: `${TREE}/plugins`, prefix: "plugins/" },
            ],
            ...extra,
        },
    });
}

const objects = (run: ProgramRun) =>
    Object.fromEntries(run.recorder.ofType(OBJECT).map((r) => [r.name, r] as const));

describe("DagSync", () => {
    after(() => fs.rmSync(path.join(REPO_ROOT, TREE), { recursive: true, force: true }));

    it("creates one object per file of the example airflow/ folder, named by its object name", async () => {
        const run = await plan("test");
        const sync = run.recorder.get("data-infra:airflow:DagSync", "dags");
        const found = run.recorder.ofType(OBJECT);
        assert.deepEqual(
            found.map((r) => r.name),
            [
                "dags/gtfs/download_feeds.py",
                "dags/gtfs/feeds.yml",
                "dags/transform/run_dbt.py",
                "plugins/transit/__init__.py",
                "plugins/transit/service_date.py",
                "plugins/transit_plugin.py",
            ],
        );
        for (const r of found) {
            assert.equal(r.parent, sync.urn, `${r.name} is a child of the DagSync`);
            assert.equal(r.provider, run.recorder.get("pulumi:providers:gcp", "gcp").urn);
            assert.deepEqual(r.options.deleteBeforeReplace, true);
        }
        const feeds = run.recorder.get(OBJECT, "dags/gtfs/feeds.yml");
        const file = path.join(REPO_ROOT, "airflow/dags/gtfs/feeds.yml");
        const { source, ...inputs } = feeds.inputs;
        assert.deepEqual(inputs, {
            // The environment's bucket: known once Composer created it.
            bucket: UNKNOWN,
            name: "dags/gtfs/feeds.yml",
            contentType: "application/yaml",
            sourceMd5hash: createHash("md5").update(fs.readFileSync(file)).digest("base64"),
        });
        // Project-relative, so state does not depend on where the repository is checked out.
        assert.ok(
            isAsset(source) && source.path === "./airflow/dags/gtfs/feeds.yml",
            "source is a file asset of the local file, relative to the project",
        );
    });

    it("removes exactly a removed file's object and changes only a changed file's hash", async () => {
        // GIVEN a tree with three DAG files and a plugin
        write("dags/a.py", "a = 1\n");
        write("dags/b/b.py", "b = 1\n");
        write("dags/c.yml", "c: 1\n");
        write("plugins/p.py", "p = 1\n");
        const before = objects(await planTree());
        // WHEN one file is removed and another changed
        fs.rmSync(path.join(REPO_ROOT, TREE, "dags/c.yml"));
        write("dags/a.py", "a = 2\n");
        const after = objects(await planTree());
        // THEN the removed file's object is gone, the changed one differs only in its hash, the rest is identical
        assert.deepEqual(Object.keys(before), ["dags/a.py", "dags/b/b.py", "dags/c.yml", "plugins/p.py"]);
        assert.deepEqual(Object.keys(after), ["dags/a.py", "dags/b/b.py", "plugins/p.py"]);
        const { sourceMd5hash: newHash, ...aAfter } = after["dags/a.py"].inputs;
        const { sourceMd5hash: oldHash, ...aBefore } = before["dags/a.py"].inputs;
        assert.notEqual(newHash, oldHash);
        assert.deepEqual(aAfter, aBefore);
        for (const name of ["dags/b/b.py", "plugins/p.py"]) {
            assert.deepEqual(after[name].inputs, before[name].inputs, `${name} is unchanged`);
            assert.equal(after[name].urn, before[name].urn);
        }
    });

    it("applies the configured excludes", async () => {
        write("dags/__pycache__/a.cpython-311.pyc", "");
        write("dags/.airflowignore", "");
        write("dags/tests/test_a.py", "");
        const run = await planTree({ exclude: ["**/__pycache__", "**/.*", "tests", "**/.airflowignore"] });
        assert.deepEqual(
            run.recorder.ofType(OBJECT).map((r) => r.name),
            ["dags/a.py", "dags/b/b.py", "plugins/p.py"],
        );
    });

    it("fails the plan before creating any object when the input is bad", async () => {
        write("dags/big.csv", "x".repeat(2 * 1024 * 1024));
        await assert.rejects(
            plan("test", {
                dags: {
                    folders: [
                        { source: `${TREE}/dags`, prefix: "dags/" },
                        { source: `${TREE}/missing`, prefix: "plugins/" },
                    ],
                    exclude: ["**/__pycache__", "**/.!(airflowignore)", "tests"],
                    maxFileSizeMiB: 1,
                },
            }),
            (e: Error) => {
                assert.equal(
                    e.message,
                    [
                        "DagSync dags: 2 problems",
                        `  - ${TREE}/dags/big.csv: file is larger than the limit of 1048576 bytes (maxFileSizeMiB) (got 2097152)`,
                        `  - ${TREE}/missing: source folder does not exist`,
                    ].join("\n"),
                );
                return true;
            },
        );
    });
});
