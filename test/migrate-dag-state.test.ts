import { strict as assert } from "node:assert";
import { forgetPerFileObjects } from "../tools/migrate-dag-state";

const STACK = "urn:pulumi:prod::data-infra::pulumi:pulumi:Stack::data-infra-prod";
const SYNC = "urn:pulumi:prod::data-infra::data-infra:airflow:DagSync::dags";
const obj = (name: string, parent: string) => ({
    urn: `${parent}$gcp:storage/bucketObject:BucketObject::${name}`,
    type: "gcp:storage/bucketObject:BucketObject",
    parent,
});
const exportOf = (resources: { urn: string; type: string }[], extra: object = {}) => ({
    version: 3,
    deployment: { manifest: { time: "t" }, resources, ...extra },
});

describe("migrate-dag-state", () => {
    it("forgets exactly the DagSync's per-file objects, keeping everything else as exported", () => {
        // GIVEN a stack with the DagSync's objects, an object of the stack's own, and an encrypted secret elsewhere
        const other = obj("data/seed.csv", STACK);
        const secret = { urn: `${STACK}$x:y:Z::s`, type: "x:y:Z", outputs: { v: { ciphertext: "abc" } } };
        const exported = exportOf(
            [
                { urn: SYNC, type: "data-infra:airflow:DagSync" },
                obj("dags/a.py", SYNC),
                obj("plugins/p.py", SYNC),
                other,
                secret,
            ],
            { secrets_providers: { type: "cloudkms" } },
        );
        // WHEN migrated
        const { state, dropped, problems } = forgetPerFileObjects(exported);
        // THEN the two DAG objects are gone, all else is identical
        assert.deepEqual(problems, []);
        assert.deepEqual(dropped, [obj("dags/a.py", SYNC).urn, obj("plugins/p.py", SYNC).urn]);
        assert.deepEqual(
            state,
            exportOf([{ urn: SYNC, type: "data-infra:airflow:DagSync" }, other, secret], {
                secrets_providers: { type: "cloudkms" },
            }),
        );
        // AND a second run forgets nothing
        const again = forgetPerFileObjects(state!);
        assert.deepEqual([again.dropped, again.problems, again.state], [[], [], state]);
    });

    it("refuses a document that is not a version-3 stack export", () => {
        assert.deepEqual(forgetPerFileObjects({ version: 2, deployment: { resources: [] } }).problems, [
            "version: must be 3, the document `pulumi stack export` prints (got 2)",
        ]);
        assert.deepEqual(forgetPerFileObjects({ version: 3 }), {
            state: undefined,
            dropped: [],
            problems: ["deployment.resources: must be a list (got none)"],
        });
    });

    it("refuses, changing nothing, when an operation on a per-file object is pending", () => {
        const a = obj("dags/a.py", SYNC);
        const r = forgetPerFileObjects(
            exportOf([{ urn: SYNC, type: "data-infra:airflow:DagSync" }, a], {
                pending_operations: [{ resource: { urn: a.urn }, type: "creating" }],
            }),
        );
        assert.equal(r.state, undefined);
        assert.deepEqual(r.dropped, []);
        assert.deepEqual(r.problems, [
            `deployment.pending_operations[0]: a pending creating of a per-file DAG object; finish or cancel the interrupted update first (pulumi refresh) (got ${a.urn})`,
        ]);
    });

    it("refuses when another resource depends on a per-file object, naming each reference", () => {
        const a = obj("dags/a.py", SYNC);
        const user = {
            urn: `${STACK}$x:y:Z::user`,
            type: "x:y:Z",
            dependencies: [a.urn],
            propertyDependencies: { source: [a.urn] },
            deletedWith: a.urn,
        };
        const r = forgetPerFileObjects(
            exportOf([{ urn: SYNC, type: "data-infra:airflow:DagSync" }, a, user]),
        );
        assert.equal(r.state, undefined);
        assert.deepEqual(
            r.problems,
            ["dependencies", "propertyDependencies.source", "deletedWith"].map(
                (field) =>
                    `deployment.resources[2] ${user.urn}: ${field} names a per-file DAG object this edit forgets; remove that dependency from the program and deploy first (got ${a.urn})`,
            ),
        );
    });
});
