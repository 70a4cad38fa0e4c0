import { strict as assert } from "node:assert";
import { forgetPerFileObjects } from "../tools/migrate-dag-state";

describe("migrate-dag-state", () => {
    it("forgets exactly the DagSync's per-file objects, keeping everything else", () => {
        const sync = "urn:pulumi:prod::data-infra::data-infra:airflow:DagSync::dags";
        const obj = (name: string, parent: string) => ({
            urn: `${parent}$gcp:storage/bucketObject:BucketObject::${name}`,
            type: "gcp:storage/bucketObject:BucketObject",
            parent,
        });
        const other = obj(
            "data/seed.csv",
            "urn:pulumi:prod::data-infra::pulumi:pulumi:Stack::data-infra-prod",
        );
        const exported = {
            version: 3,
            deployment: {
                manifest: { time: "t" },
                resources: [
                    { urn: sync, type: "data-infra:airflow:DagSync" },
                    obj("dags/a.py", sync),
                    obj("plugins/p.py", sync),
                    other,
                ],
            },
        };
        const { state, dropped } = forgetPerFileObjects(exported);
        assert.deepEqual(dropped, [obj("dags/a.py", sync).urn, obj("plugins/p.py", sync).urn]);
        assert.deepEqual(state, {
            version: 3,
            deployment: {
                manifest: { time: "t" },
                resources: [{ urn: sync, type: "data-infra:airflow:DagSync" }, other],
            },
        });
    });
});
