/**
 * `pulumi stack export | npm run --silent migrate-dag-state > state.json && pulumi stack import --file state.json`:
 * the one state edit the switch from per-file `BucketObject`s to one manifest resource per prefix needs
 * (docs/dag-sync.md). It forgets the DagSync's per-file resources in state only, so the next `up` does not delete
 * their objects; that `up` then creates the manifest resources, which adopt the objects already there (same MD5:
 * nothing uploaded).
 */
import { exitAfterOutput } from "../runtime/exit";

const OBJECT = "gcp:storage/bucketObject:BucketObject";
const DAG_SYNC = "data-infra:airflow:DagSync";

// The fields of `pulumi stack export` (apitype.UntypedDeployment, DeploymentV3, ResourceV3, OperationV2 in pulumi
// sdk/go/common/apitype/core.go) this tool reads; everything else passes through untouched.
interface ExportedResource {
    readonly urn: string;
    readonly type: string;
    readonly parent?: string;
    readonly dependencies?: readonly string[];
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    readonly deletedWith?: string;
}
interface Exported {
    readonly version?: unknown;
    readonly deployment?: {
        readonly resources?: readonly ExportedResource[];
        readonly pending_operations?: readonly {
            readonly resource?: { readonly urn?: string };
            readonly type?: string;
        }[];
    };
}

export interface Migration<T> {
    /** The export without the per-file objects; `undefined` when there are problems. */
    readonly state: T | undefined;
    /** URNs forgotten, in state order. */
    readonly dropped: readonly string[];
    /** Why the edit is refused, each as `<where>: <what> (got <value>)`; nothing is changed when any. */
    readonly problems: readonly string[];
}

/**
 * The export without the per-file objects of every DagSync. Refused (problems, no state) when the input is not a
 * `pulumi stack export` document of version 3, when an operation on one of those objects is pending (an
 * interrupted `up`: the engine would have to resolve it against a resource no longer in state), or when another
 * resource depends on one of them (`pulumi stack import` would reject the dangling reference).
 */
export function forgetPerFileObjects<T extends Exported>(exported: T): Migration<T> {
    const problems: string[] = [];
    if (exported === null || typeof exported !== "object" || exported.version !== 3)
        problems.push(
            `version: must be 3, the document \`pulumi stack export\` prints (got ${JSON.stringify((exported as Exported | null)?.version)})`,
        );
    const listed: unknown = exported?.deployment?.resources;
    if (!Array.isArray(listed)) {
        problems.push("deployment.resources: must be a list (got none)");
        return { state: undefined, dropped: [], problems };
    }
    const resources = listed as readonly ExportedResource[];
    const syncs = new Set(resources.filter((r) => r.type === DAG_SYNC).map((r) => r.urn));
    const dropped = resources
        .filter((r) => r.type === OBJECT && r.parent !== undefined && syncs.has(r.parent))
        .map((r) => r.urn);
    const gone = new Set(dropped);
    (exported.deployment?.pending_operations ?? []).forEach((op, i) => {
        const urn = op.resource?.urn;
        if (urn !== undefined && gone.has(urn))
            problems.push(
                `deployment.pending_operations[${i}]: a pending ${String(op.type)} of a per-file DAG object; finish or cancel the interrupted update first (pulumi refresh) (got ${urn})`,
            );
    });
    resources.forEach((r, i) => {
        if (gone.has(r.urn)) return;
        const refs: [string, string][] = [
            ...(r.dependencies ?? []).map((u): [string, string] => ["dependencies", u]),
            ...Object.entries(r.propertyDependencies ?? {}).flatMap(([key, us]) =>
                us.map((u): [string, string] => [`propertyDependencies.${key}`, u]),
            ),
            ...(r.deletedWith ? [["deletedWith", r.deletedWith] as [string, string]] : []),
        ];
        for (const [field, urn] of refs)
            if (gone.has(urn))
                problems.push(
                    `deployment.resources[${i}] ${r.urn}: ${field} names a per-file DAG object this edit forgets; remove that dependency from the program and deploy first (got ${urn})`,
                );
    });
    if (problems.length) return { state: undefined, dropped: [], problems };
    const state = {
        ...exported,
        deployment: { ...exported.deployment, resources: resources.filter((r) => !gone.has(r.urn)) },
    };
    return { state, dropped, problems };
}

const HELP = `Usage: pulumi stack export --stack <s> | npm run --silent migrate-dag-state > state.json

Reads a stack's exported state on stdin and prints it without the DAG sync's per-file objects
(gcp:storage/bucketObject:BucketObject children of the DagSync), for \`pulumi stack import --file state.json\`.
No object in the bucket is touched; the next \`pulumi up\` creates one manifest resource per prefix, which adopts
the objects already there. Refuses (exit 1, nothing printed on stdout) when an update on those objects is pending
or another resource depends on one of them. See docs/dag-sync.md.

Example:
  pulumi stack export --stack prod > before.json
  npm run --silent migrate-dag-state < before.json > state.json
  pulumi stack import --stack prod --file state.json`;

async function main(args: string[]): Promise<number> {
    if (args.includes("--help") || args.includes("-h")) {
        console.log(HELP);
        return 0;
    }
    if (args.length) {
        console.error(
            `migrate-dag-state: unexpected argument ${args[0]}; the state comes on stdin\n\n${HELP}`,
        );
        return 2;
    }
    if (process.stdin.isTTY) {
        console.error(`migrate-dag-state: pipe the output of pulumi stack export into it\n\n${HELP}`);
        return 2;
    }
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    let exported: Exported;
    try {
        exported = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Exported;
    } catch (e) {
        console.error(`migrate-dag-state: stdin: not JSON (${e instanceof Error ? e.message : String(e)})`);
        return 1;
    }
    const { state, dropped, problems } = forgetPerFileObjects(exported);
    if (!state) {
        console.error(`migrate-dag-state: ${problems.length} problem(s), nothing changed`);
        for (const p of problems) console.error(`  - ${p}`);
        return 1;
    }
    process.stdout.write(`${JSON.stringify(state, null, 4)}\n`);
    console.error(
        `migrate-dag-state: forgot ${dropped.length} per-file DAG object(s) in state; no object in the bucket is touched`,
    );
    return 0;
}

if (require.main === module) void main(process.argv.slice(2)).then(exitAfterOutput);
