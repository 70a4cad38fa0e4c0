/**
 * `pulumi stack export | npm run --silent migrate-dag-state > state.json && pulumi stack import --file state.json`:
 * the one state edit the switch from per-file `BucketObject`s to one manifest resource per prefix needs (issue 22).
 * It forgets the DagSync's per-file resources in state only, so the next `up` does not delete their objects; that
 * `up` then creates the manifest resources, which adopt the objects already there (same MD5: nothing uploaded).
 */

const OBJECT = "gcp:storage/bucketObject:BucketObject";
const DAG_SYNC = "data-infra:airflow:DagSync";

interface ExportedResource {
    readonly urn: string;
    readonly type: string;
    readonly parent?: string;
}
interface Exported {
    readonly deployment?: { readonly resources?: readonly ExportedResource[] };
}

/** The export without the per-file objects of every DagSync; `dropped` lists their URNs. */
export function forgetPerFileObjects<T extends Exported>(exported: T): { state: T; dropped: string[] } {
    const resources = exported.deployment?.resources ?? [];
    const syncs = new Set(resources.filter((r) => r.type === DAG_SYNC).map((r) => r.urn));
    const dropped = resources
        .filter((r) => r.type === OBJECT && r.parent && syncs.has(r.parent))
        .map((r) => r.urn);
    const gone = new Set(dropped);
    const state = {
        ...exported,
        deployment: { ...exported.deployment, resources: resources.filter((r) => !gone.has(r.urn)) },
    };
    return { state, dropped };
}

if (require.main === module) {
    const chunks: Buffer[] = [];
    process.stdin.on("data", (c: Buffer) => chunks.push(c));
    process.stdin.on("end", () => {
        const { state, dropped } = forgetPerFileObjects(
            JSON.parse(Buffer.concat(chunks).toString("utf8")) as Exported,
        );
        process.stdout.write(`${JSON.stringify(state, null, 4)}\n`);
        console.error(
            `forgot ${dropped.length} per-file DAG object(s) in state; no object in the bucket is touched`,
        );
    });
}
