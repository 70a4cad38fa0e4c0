/**
 * The `gcsmanifest` resource provider: one `PrefixManifest` resource per managed prefix. Served over gRPC by the
 * SDK's provider server (main.ts); each method here is what the engine calls.
 *
 * - check/diff run in `preview` and never touch the bucket (the engine calls create/update in preview only for
 *   providers that say they support it, and the SDK's server does not: provider/server.js `configure`).
 * - create/update sync the prefix (sync.ts): uploads first, deletes after.
 * - read (refresh) reports drift; delete removes exactly what the resource wrote.
 */
import type * as provider from "@pulumi/pulumi/provider";
import type { Storage } from "@google-cloud/storage";
import {
    isManifestUrn,
    diffResource,
    validateInputs,
    type ManifestInputs,
    type ManifestState,
} from "./manifest";
import { deleteManaged, readPrefix, syncPrefix, type SyncOptions } from "./sync";

/** How the SDK's server (runtime/rpc) hands the engine's unknown values to a provider. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const isUnknown = (v: unknown) => v === UNKNOWN;

export const VERSION = "0.1.0";

const idOf = (s: { bucket: string; prefix: string }) => `gs://${s.bucket}/${s.prefix}`;

/** The provider, on a given client (the real API or an emulator). */
export function manifestProvider(storage: () => Storage, opts: SyncOptions = {}): provider.Provider {
    const log = opts.log ?? ((m: string) => console.error(m));
    return {
        version: VERSION,

        async check(urn, _olds, news) {
            if (!isManifestUrn(urn)) {
                return { failures: [{ property: "", reason: `unknown resource type in ${urn}` }] };
            }
            const failures = validateInputs(news, isUnknown).map((reason) => ({
                property: reason.slice(0, reason.indexOf(":")),
                reason,
            }));
            return { inputs: news, failures };
        },

        async diff(_id, _urn, olds: ManifestState, news: ManifestInputs) {
            const d = diffResource(olds, news, isUnknown);
            return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false };
        },

        async create(_urn, inputs: ManifestInputs) {
            const state = await syncPrefix(storage(), inputs, undefined, { ...opts, log });
            return { id: idOf(inputs), outs: state };
        },

        async update(_id, _urn, olds: ManifestState, news: ManifestInputs) {
            const state = await syncPrefix(storage(), news, olds, { ...opts, log });
            return { outs: state };
        },

        async read(id, _urn, props?: ManifestState) {
            if (!props?.bucket) return { id, props };
            const state = await readPrefix(storage(), props);
            const drift = Object.keys(state.unmanaged).length;
            if (drift)
                log(
                    `${id}: ${drift} object(s) under the prefix are not in the manifest (kept; see unmanaged)`,
                );
            return { id, props: state };
        },

        async delete(_id, _urn, props: ManifestState) {
            const leftOver = await deleteManaged(storage(), props);
            for (const name of leftOver)
                log(`${name}: changed by someone else since it was written; left in place`);
        },
    };
}
