import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { plan, REPO_ROOT } from "../harness";
import type { ProgramRun } from "../../runtime/run-program";
import { UNKNOWN } from "../../runtime/wire";

const MANIFEST = "gcsmanifest:index:PrefixManifest";
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

/** Object name → manifest entry, over every manifest resource of the run. */
const objects = (run: ProgramRun): Record<string, string> => {
    const all: Record<string, string> = Object.assign(
        {},
        ...run.recorder.ofType(MANIFEST).map((r) => r.inputs.files as Record<string, string>),
    );
    return Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]]));
};

const md5 = (file: string) => createHash("md5").update(fs.readFileSync(file)).digest("base64");

describe("DagSync", () => {
    after(() => fs.rmSync(path.join(REPO_ROOT, TREE), { recursive: true, force: true }));

    it("declares one manifest resource per prefix of the example airflow/ folder, listing each file", async () => {
        const run = await plan("test");
        const sync = run.recorder.get("data-infra:airflow:DagSync", "dags");
        assert.deepEqual(run.recorder.ofType("gcp:storage/bucketObject:BucketObject"), []);
        const found = run.recorder.ofType(MANIFEST);
        assert.deepEqual(
            found.map((r) => r.name),
            ["dags/", "plugins/"],
        );
        for (const r of found) assert.equal(r.parent, sync.urn, `${r.name} is a child of the DagSync`);
        const dags = run.recorder.get(MANIFEST, "dags/");
        const file = (rel: string) => path.join(REPO_ROOT, "airflow/dags", rel);
        const size = (rel: string) => fs.statSync(file(rel)).size;
        assert.deepEqual(dags.inputs, {
            // The environment's bucket: known once Composer created it.
            bucket: UNKNOWN,
            prefix: "dags/",
            // Project-relative, so state does not depend on where the repository is checked out.
            source: "./airflow/dags",
            files: {
                "dags/gtfs/download_feeds.py": `${md5(file("gtfs/download_feeds.py"))} ${size("gtfs/download_feeds.py")} text/x-python`,
                "dags/gtfs/feeds.yml": `${md5(file("gtfs/feeds.yml"))} ${size("gtfs/feeds.yml")} application/yaml`,
                "dags/transform/run_dbt.py": `${md5(file("transform/run_dbt.py"))} ${size("transform/run_dbt.py")} text/x-python`,
            },
        });
        assert.deepEqual(Object.keys(run.recorder.get(MANIFEST, "plugins/").inputs.files as object), [
            "plugins/transit/__init__.py",
            "plugins/transit/service_date.py",
            "plugins/transit_plugin.py",
        ]);
    });

    it("drops exactly a removed file's entry and changes only a changed file's entry", async () => {
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
        // THEN the removed file's entry is gone, the changed one differs only in its hash, the rest is identical
        assert.deepEqual(Object.keys(before), ["dags/a.py", "dags/b/b.py", "dags/c.yml", "plugins/p.py"]);
        assert.deepEqual(Object.keys(after), ["dags/a.py", "dags/b/b.py", "plugins/p.py"]);
        assert.equal(before["dags/a.py"], `${createHash("md5").update("a = 1\n").digest("base64")} 6 text/x-python`);
        assert.equal(after["dags/a.py"], `${createHash("md5").update("a = 2\n").digest("base64")} 6 text/x-python`);
        for (const name of ["dags/b/b.py", "plugins/p.py"]) assert.equal(after[name], before[name], `${name} is unchanged`);
    });

    it("applies the configured excludes", async () => {
        write("dags/__pycache__/a.cpython-311.pyc", "");
        write("dags/.airflowignore", "");
        write("dags/tests/test_a.py", "");
        const run = await planTree({ exclude: ["**/__pycache__", "**/.*", "tests", "**/.airflowignore"] });
        assert.deepEqual(Object.keys(objects(run)), ["dags/a.py", "dags/b/b.py", "plugins/p.py"]);
    });

    it("passes dags.deleteUnmanaged to every manifest only when it is set (the first test: absent by default)", async () => {
        const run = await planTree({ deleteUnmanaged: true });
        assert.deepEqual(
            run.recorder
                .ofType(MANIFEST)
                .map((r) => [r.name, r.inputs.deleteUnmanaged])
                .sort(),
            [
                ["dags/", true],
                ["plugins/", true],
            ],
        );
        const off = await planTree({ deleteUnmanaged: false });
        assert.deepEqual(
            off.recorder.ofType(MANIFEST).map((r) => "deleteUnmanaged" in r.inputs),
            [false, false],
        );
    });

    it("refuses folders whose prefixes overlap (each manifest would see the other's objects)", async () => {
        await assert.rejects(
            plan("test", {
                dags: {
                    folders: [
                        { source: `${TREE}/dags`, prefix: "dags/" },
                        { source: `${TREE}/plugins`, prefix: "dags/plugins/" },
                    ],
                },
            }),
            /folders\[1\]\.prefix: overlaps folders\[0\]\.prefix "dags\/"/,
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
