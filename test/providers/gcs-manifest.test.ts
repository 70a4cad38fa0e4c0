import { strict as assert } from "node:assert";
import {
    diffManifests,
    diffResource,
    formatEntry,
    isManifestUrn,
    parseEntry,
    planSync,
    validateInputs,
    type LiveObject,
    type ManifestState,
} from "../../providers/gcs-manifest/manifest";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const isUnknown = (v: unknown) => v === UNKNOWN;
const e = (md5: string, size = 1, type = "text/x-python") => formatEntry({ md5, size, contentType: type });
const live = (
    name: string,
    md5: string,
    generation = "1",
    contentType = "text/x-python",
): [string, LiveObject] => [name, { name, md5, size: 1, contentType, generation }];

describe("gcsmanifest manifest", () => {
    it("knows its type in a URN, with or without parent types before it", () => {
        assert.ok(isManifestUrn("urn:pulumi:test::data-infra::gcsmanifest:index:PrefixManifest::dags/"));
        assert.ok(
            isManifestUrn(
                "urn:pulumi:test::data-infra::data-infra:airflow:DagSync$gcsmanifest:index:PrefixManifest::dags/",
            ),
        );
        assert.ok(
            !isManifestUrn("urn:pulumi:test::data-infra::gcp:storage/bucketObject:BucketObject::dags/a.py"),
        );
        assert.ok(
            !isManifestUrn("urn:pulumi:test::data-infra::gcsmanifest:index:PrefixManifest$x:y:Z::dags/"),
        );
    });

    it("formats and parses entries, content types with spaces included", () => {
        assert.equal(e("AAA==", 12), "AAA== 12 text/x-python");
        assert.deepEqual(parseEntry("AAA== 12 text/plain; charset=utf-8"), {
            md5: "AAA==",
            size: 12,
            contentType: "text/plain; charset=utf-8",
        });
        assert.equal(parseEntry("AAA== twelve text/plain"), undefined);
        assert.equal(parseEntry(12), undefined);
    });

    it("diffs manifests into added, changed and removed names, by code unit", () => {
        const olds = { "dags/b.py": e("1"), "dags/a.py": e("1"), "dags/Z.py": e("1") };
        const news = { "dags/a.py": e("2"), "dags/c.py": e("1"), "dags/Z.py": e("1") };
        assert.deepEqual(diffManifests(olds, news), {
            added: ["dags/c.py"],
            changed: ["dags/a.py"],
            removed: ["dags/b.py"],
        });
    });

    it("plans uploads of missing or different objects, keeps matching ones, deletes only what it managed", () => {
        const desired = {
            "dags/same.py": e("S"),
            "dags/edited.py": e("NEW"),
            "dags/new.py": e("N"),
            "dags/type.py": e("T"),
        };
        const objects = new Map([
            live("dags/same.py", "S"),
            live("dags/edited.py", "OLD"),
            live("dags/type.py", "T", "1", "text/plain"),
            live("dags/dropped.py", "D"),
            live("dags/by_hand.py", "H"),
        ]);
        const managed = new Set(["dags/same.py", "dags/dropped.py", "dags/gone.py"]);
        assert.deepEqual(planSync(desired, objects, managed, false), {
            upload: ["dags/edited.py", "dags/new.py", "dags/type.py"],
            keep: ["dags/same.py"],
            remove: ["dags/dropped.py"],
            unmanaged: ["dags/by_hand.py"],
        });
        assert.deepEqual(planSync(desired, objects, managed, true).remove, [
            "dags/by_hand.py",
            "dags/dropped.py",
        ]);
    });

    it("diffs the resource per file, and replaces it only when the bucket or prefix changes", () => {
        const olds = {
            bucket: "b",
            prefix: "dags/",
            source: "./airflow/dags",
            files: { "dags/a.py": e("1"), "dags/b.py": e("1") },
            generations: { "dags/a.py": "1", "dags/b.py": "1" },
            unmanaged: { "dags/h.py": e("H") },
        } satisfies ManifestState;
        const news = { ...olds, files: { "dags/a.py": e("2"), "dags/c.py": e("1") } };
        assert.deepEqual(diffResource(olds, news, isUnknown), {
            changes: true,
            replaces: [],
            detailed: {
                'files["dags/c.py"]': "add",
                'files["dags/a.py"]': "update",
                'files["dags/b.py"]': "delete",
            },
        });
        assert.deepEqual(diffResource(olds, { ...olds }, isUnknown), {
            changes: false,
            replaces: [],
            detailed: {},
        });
        assert.deepEqual(diffResource(olds, { ...olds, deleteUnmanaged: true }, isUnknown).detailed, {
            'unmanaged["dags/h.py"]': "delete",
            deleteUnmanaged: "update",
        });
        // Turning deleteUnmanaged on is an update even with no drift recorded (the update lists the prefix), and
        // turning it off is one too (so the state records it); absent and false are the same.
        assert.deepEqual(
            diffResource({ ...olds, unmanaged: {} }, { ...olds, deleteUnmanaged: true }, isUnknown),
            {
                changes: true,
                replaces: [],
                detailed: { deleteUnmanaged: "update" },
            },
        );
        assert.deepEqual(
            diffResource({ ...olds, deleteUnmanaged: true }, { ...olds, deleteUnmanaged: false }, isUnknown)
                .detailed,
            { deleteUnmanaged: "update" },
        );
        assert.equal(diffResource(olds, { ...olds, deleteUnmanaged: false }, isUnknown).changes, false);
        assert.deepEqual(diffResource(olds, { ...olds, bucket: "other" }, isUnknown).replaces, ["bucket"]);
        // In a preview where the bucket is not known yet, the resource is not shown as replaced.
        assert.deepEqual(diffResource(olds, { ...olds, bucket: UNKNOWN }, isUnknown).replaces, []);
    });

    it("validates inputs, collecting every problem", () => {
        assert.deepEqual(
            validateInputs(
                {
                    bucket: "",
                    prefix: "/dags",
                    source: "",
                    files: { "plugins/x.py": "nope" },
                    deleteUnmanaged: "yes",
                    parallelUploads: 0,
                },
                isUnknown,
            ),
            [
                'bucket: must be a bucket name (got "")',
                'prefix: must be non-empty, end in "/" and not start with "/" (got "/dags")',
                'source: must be a folder (got "")',
                'files["plugins/x.py"]: object name is outside the prefix /dags',
                'files["plugins/x.py"]: must be "<md5> <size> <content type>" (got "nope")',
                'deleteUnmanaged: must be true or false (got "yes")',
                "parallelUploads: must be a whole number >= 1 (got 0)",
            ],
        );
        assert.deepEqual(
            validateInputs(
                { bucket: UNKNOWN, prefix: "dags/", source: "./d", files: { "dags/a.py": e("1") } },
                isUnknown,
            ),
            [],
        );
    });
});
