/**
 * The gcsmanifest provider against a real GCS JSON API (fake-gcs-server, see emulator.ts): the provider methods
 * the engine calls (create, update, read, delete), on a local DAG folder listed by the program's own listDagFiles.
 * Run with `npm run test:gcs` (not part of `npm test`: it builds or starts the emulator).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Storage } from "@google-cloud/storage";
import { listDagFiles } from "../../components/airflow/dag-files";
import { folderManifests } from "../../components/airflow/dag-manifest";
import type { ManifestInputs, ManifestState } from "../../providers/gcs-manifest/manifest";
import { manifestProvider } from "../../providers/gcs-manifest/provider";
import { UPLOAD_ATTEMPTS, storageClient } from "../../providers/gcs-manifest/sync";
import { startEmulator, type Emulator } from "./emulator";

const URN = "urn:pulumi:test::data-infra::data-infra:airflow:DagSync$gcsmanifest:index:PrefixManifest::dags";

describe("gcsmanifest provider against fake-gcs-server", function () {
    let emulator: Emulator;
    let storage: Storage;
    let dir: string;
    let bucketNo = 0;
    let bucket: string;
    const logs: string[] = [];
    const provider = () => manifestProvider(() => storage, { backoffMs: () => 10, log: (m) => logs.push(m) });

    before(async () => {
        emulator = await startEmulator();
        process.env.STORAGE_EMULATOR_HOST = emulator.url;
        storage = storageClient();
    });
    after(async () => emulator?.stop());

    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-gcs-"));
        bucket = `composer-${++bucketNo}`;
        await emulator.createBucket(bucket);
        emulator.resetCounts();
        emulator.failUploads.clear();
        logs.length = 0;
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
    };
    /** The inputs the program would declare for `dir` mirrored under `dags/`. */
    const inputs = (extra: Partial<ManifestInputs> = {}): ManifestInputs => {
        const folders = [{ source: dir, prefix: "dags/" }];
        const list = listDagFiles({ projectDir: dir, folders });
        assert.deepEqual(list.problems, []);
        const [m] = folderManifests(dir, folders, list.files);
        return { ...m, source: dir, bucket, ...extra };
    };
    const objects = async () => {
        const [files] = await storage.bucket(bucket).getFiles();
        return Object.fromEntries(files.map((f) => [f.name, String(f.metadata.generation)]));
    };
    const read = async (name: string) => (await storage.bucket(bucket).file(name).download())[0].toString();
    const put = (name: string, text: string) =>
        storage.bucket(bucket).file(name).save(text, { resumable: false });
    const uploaded = () => [...emulator.uploads.keys()].sort();
    const create = async (i: ManifestInputs) => (await provider().create!(URN, i)).outs as ManifestState;
    const update = async (olds: ManifestState, news: ManifestInputs) =>
        (await provider().update!("id", URN, olds, news)).outs as ManifestState;

    it("first sync uploads every file and records each generation", async () => {
        write("a.py", "a = 1\n");
        write("etl/b.py", "b = 2\n");
        write("etl/feeds.yml", "feeds: []\n");
        const state = await create(inputs());
        assert.deepEqual(uploaded(), ["dags/a.py", "dags/etl/b.py", "dags/etl/feeds.yml"]);
        assert.deepEqual(state.generations, await objects());
        assert.deepEqual(state.unmanaged, {});
        assert.equal(await read("dags/etl/b.py"), "b = 2\n");
        const [meta] = await storage.bucket(bucket).file("dags/etl/feeds.yml").getMetadata();
        assert.equal(meta.contentType, "application/yaml");
    });

    it("one change uploads that file only; one delete removes that object only", async () => {
        write("a.py", "a = 1\n");
        write("b.py", "b = 1\n");
        write("c.py", "c = 1\n");
        const first = await create(inputs());
        const before = await objects();
        emulator.resetCounts();
        write("b.py", "b = 2\n");
        const diff = await provider().diff!("id", URN, first, inputs());
        assert.equal(diff.changes, true);
        const second = await update(first, inputs());
        assert.deepEqual(uploaded(), ["dags/b.py"]);
        const after = await objects();
        assert.equal(after["dags/a.py"], before["dags/a.py"]);
        assert.notEqual(after["dags/b.py"], before["dags/b.py"]);
        assert.equal(await read("dags/b.py"), "b = 2\n");

        emulator.resetCounts();
        fs.rmSync(path.join(dir, "c.py"));
        const third = await update(second, inputs());
        assert.deepEqual(uploaded(), []);
        assert.deepEqual(Object.keys(await objects()), ["dags/a.py", "dags/b.py"]);
        assert.deepEqual(Object.keys(third.generations), ["dags/a.py", "dags/b.py"]);
    });

    it("a rename uploads the new name, then deletes the old one", async () => {
        write("old_name.py", "x = 1\n");
        const first = await create(inputs());
        emulator.resetCounts();
        fs.renameSync(path.join(dir, "old_name.py"), path.join(dir, "new_name.py"));
        await update(first, inputs());
        assert.deepEqual(uploaded(), ["dags/new_name.py"]);
        assert.deepEqual(Object.keys(await objects()), ["dags/new_name.py"]);
    });

    it("reports an object written by hand under the prefix as drift and keeps it, unless configured", async () => {
        write("a.py", "a = 1\n");
        const first = await create(inputs());
        await put("dags/by_hand.py", "print('hi')\n");
        await put("dags/a.py", "a = 'edited in the console'\n");
        const refreshed = (await provider().read!("id", URN, first)).props as ManifestState;
        assert.deepEqual(Object.keys(refreshed.unmanaged), ["dags/by_hand.py"]);
        assert.notEqual(refreshed.files["dags/a.py"], first.files["dags/a.py"]);
        assert.match(logs.join("\n"), /1 object\(s\) under the prefix are not in the manifest/);
        // The next up restores the edited file and keeps the hand-written one.
        const diff = await provider().diff!("id", URN, refreshed, inputs());
        assert.equal(diff.changes, true);
        emulator.resetCounts();
        const second = await update(refreshed, inputs());
        assert.deepEqual(uploaded(), ["dags/a.py"]);
        assert.equal(await read("dags/a.py"), "a = 1\n");
        assert.equal(await read("dags/by_hand.py"), "print('hi')\n");
        assert.deepEqual(Object.keys(second.unmanaged), ["dags/by_hand.py"]);
        // deleteUnmanaged: true removes it.
        await update(second, inputs({ deleteUnmanaged: true }));
        assert.deepEqual(Object.keys(await objects()), ["dags/a.py"]);
    });

    it("never touches objects outside the prefix: not on sync, refresh, delete-unmanaged or destroy", async () => {
        for (const name of ["data/feeds.csv", "logs/run.log", "dags-old/x.py", "airflow.cfg", "dagsx.py"]) {
            await put(name, `${name}\n`);
        }
        const outside = await objects();
        write("a.py", "a = 1\n");
        const first = await create(inputs({ deleteUnmanaged: true }));
        const refreshed = (await provider().read!("id", URN, first)).props as ManifestState;
        assert.deepEqual(refreshed.unmanaged, {});
        fs.rmSync(path.join(dir, "a.py"));
        write("b.py", "b = 1\n");
        const second = await update(refreshed, inputs({ deleteUnmanaged: true }));
        await provider().delete!("id", URN, second);
        assert.deepEqual(await objects(), outside);
    });

    it("a failing upload deletes nothing and fails the update; a retry succeeds", async () => {
        write("a.py", "a = 1\n");
        write("gone.py", "g = 1\n");
        const first = await create(inputs());
        fs.rmSync(path.join(dir, "gone.py"));
        write("a.py", "a = 2\n");
        write("new.py", "n = 1\n");
        emulator.failUploads.set("dags/new.py", UPLOAD_ATTEMPTS);
        await assert.rejects(
            update(first, inputs()),
            /1 of 2 upload\(s\) to gs:\/\/composer-\d+\/dags\/ failed; nothing was deleted:\n {2}dags\/new.py: upload failed after 4 attempt\(s\)/,
        );
        assert.deepEqual(Object.keys(await objects()), ["dags/a.py", "dags/gone.py"]);
        assert.equal(await read("dags/gone.py"), "g = 1\n");

        // A transient failure is retried per file, and the sync completes.
        emulator.resetCounts();
        emulator.failUploads.set("dags/new.py", 1);
        const second = await update(first, inputs());
        assert.equal(emulator.uploads.get("dags/new.py"), 2);
        // a.py was already uploaded by the failed run: its MD5 matches, so it is not uploaded again.
        assert.equal(emulator.uploads.get("dags/a.py"), undefined);
        assert.deepEqual(Object.keys(await objects()), ["dags/a.py", "dags/new.py"]);
        assert.deepEqual(Object.keys(second.generations), ["dags/a.py", "dags/new.py"]);
    });

    it("adopts a prefix that already holds the same bytes: uploads nothing whose MD5 matches", async () => {
        write("a.py", "a = 1\n");
        write("b.py", "b = 1\n");
        // As `gsutil rsync` left it, with b.py out of date.
        await storage
            .bucket(bucket)
            .file("dags/a.py")
            .save("a = 1\n", { resumable: false, contentType: "text/x-python" });
        await put("dags/b.py", "b = 0\n");
        emulator.resetCounts();
        const state = await create(inputs());
        assert.deepEqual(uploaded(), ["dags/b.py"]);
        assert.deepEqual(Object.keys(state.generations), ["dags/a.py", "dags/b.py"]);
    });

    it("destroy deletes exactly what it wrote, and leaves an object replaced by hand since", async () => {
        write("a.py", "a = 1\n");
        write("b.py", "b = 1\n");
        const state = await create(inputs());
        await put("dags/b.py", "b = 'replaced by hand'\n");
        await put("dags/by_hand.py", "x\n");
        await provider().delete!("id", URN, state);
        assert.deepEqual(Object.keys(await objects()), ["dags/b.py", "dags/by_hand.py"]);
        assert.match(
            logs.join("\n"),
            /dags\/b.py: changed by someone else since it was written; left in place/,
        );
    });

    it("syncs 10,000 files, then a one-file change uploads one", async function () {
        const n = 10_000;
        for (let i = 0; i < n; i++)
            write(`team-${Math.floor(i / 250)}/dag_${String(i).padStart(5, "0")}.py`, `x = ${i}\n`);
        let t = Date.now();
        const first = await create(inputs({ parallelUploads: 32 }));
        const firstMs = Date.now() - t;
        assert.equal(Object.keys(first.generations).length, n);
        assert.equal(emulator.uploads.size, n);
        emulator.resetCounts();
        write("team-3/dag_00777.py", "x = 'changed'\n");
        t = Date.now();
        await update(first, inputs({ parallelUploads: 32 }));
        const changeMs = Date.now() - t;
        assert.deepEqual(uploaded(), ["dags/team-3/dag_00777.py"]);
        console.log(
            `      10,000 files: first sync ${(firstMs / 1000).toFixed(1)} s, one-file change ${(changeMs / 1000).toFixed(1)} s`,
        );
    });
});
