/**
 * Entry point of the `gcsmanifest` plugin (bin/pulumi-resource-gcsmanifest runs it): serves the provider with the
 * SDK's provider server and prints the port for the engine.
 */
import * as path from "node:path";
import { main } from "@pulumi/pulumi/provider";
import { diffResource, type ManifestInputs, type ManifestState } from "./manifest";
import { UNKNOWN, manifestProvider } from "./provider";
import { storageClient } from "./sync";

// As in tools/plan.ts: tsx's source-mapped stack traces cost the SDK dearly (issue 22).
process.setSourceMapsEnabled(false);

type Message = { toJavaScript(): unknown };
type DiffRequest = { getOlds(): Message; getNews(): Message };
type Callback = (err: unknown, resp?: DiffResponse) => void;
interface DiffResponse {
    setHasdetaileddiff(v: boolean): void;
    setDiffsList(v: string[]): void;
    getDetaileddiffMap(): { set(k: string, v: unknown): void };
}

/**
 * The SDK's provider server forwards only `changes`, `replaces` and `deleteBeforeReplace` of a diff
 * (@pulumi/pulumi 3.270 provider/server.js:189-218), so the engine would not know which file changed. This wraps
 * its `diff` handler to add the per-file detailed diff (`files["dags/a.py"]`: add/update/delete), which
 * `pulumi preview --diff` prints one line per file.
 */
function addDetailedDiff(): void {
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdk] })) as {
        Server: { prototype: { addService(service: unknown, impl: Record<string, unknown>): void } };
    };
    const rpc = require("@pulumi/pulumi/proto/provider_grpc_pb") as { ResourceProviderService: unknown };
    const proto = require("@pulumi/pulumi/proto/provider_pb") as {
        PropertyDiff: {
            new (): { setKind(k: number): void; setInputdiff(v: boolean): void };
            Kind: Record<string, number>;
        };
    };
    const kinds = {
        add: proto.PropertyDiff.Kind.ADD,
        update: proto.PropertyDiff.Kind.UPDATE,
        delete: proto.PropertyDiff.Kind.DELETE,
    };
    const original = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (service, impl) {
        if (service === rpc.ResourceProviderService) {
            const diff = (impl.diff as (call: unknown, cb: Callback) => void).bind(impl);
            impl.diff = (call: { request: DiffRequest }, callback: Callback) =>
                diff(call, (err, resp) => {
                    if (!err && resp) {
                        const d = diffResource(
                            call.request.getOlds().toJavaScript() as ManifestState,
                            call.request.getNews().toJavaScript() as ManifestInputs,
                            (v) => v === UNKNOWN,
                        );
                        const map = resp.getDetaileddiffMap();
                        for (const [key, kind] of Object.entries(d.detailed)) {
                            const pd = new proto.PropertyDiff();
                            pd.setKind(d.replaces.includes(key) ? kinds[kind] + 1 : kinds[kind]);
                            pd.setInputdiff(true);
                            map.set(key, pd);
                        }
                        resp.setHasdetaileddiff(true);
                        resp.setDiffsList([
                            ...new Set(Object.keys(d.detailed).map((k) => k.replace(/\[.*$/, ""))),
                        ]);
                    }
                    callback(err, resp);
                });
        }
        if (service === rpc.ResourceProviderService && process.env.GCSMANIFEST_TIMING_LOG)
            timeHandlers(impl, process.env.GCSMANIFEST_TIMING_LOG);
        return original.call(this, service, impl);
    };
}

/**
 * With GCSMANIFEST_TIMING_LOG set (`npm run bench -- engine-gcs` sets it), appends `<method> <ms>` per gRPC call to
 * that file: the time this plugin spends per call, including the SDK server's (de)serialization of the manifest,
 * so the rest of an `up` can be told apart as the engine's and the program's.
 */
function timeHandlers(impl: Record<string, unknown>, file: string): void {
    const fs = require("node:fs") as typeof import("node:fs");
    // The SDK's server is a class instance: its handlers live on the prototype (diff is an own property by now).
    const names = new Set<string>();
    for (
        let o: object | null = impl;
        o && o !== Object.prototype;
        o = Object.getPrototypeOf(o) as object | null
    )
        for (const n of Object.getOwnPropertyNames(o)) if (n !== "constructor") names.add(n);
    for (const name of names) {
        const handler = impl[name];
        if (typeof handler !== "function") continue;
        const bound = (handler as (call: unknown, cb: Callback) => void).bind(impl);
        impl[name] = (call: unknown, callback: Callback) => {
            const start = process.hrtime.bigint();
            bound(call, (err, resp) => {
                fs.appendFileSync(file, `${name} ${Number(process.hrtime.bigint() - start) / 1e6}\n`);
                callback(err, resp);
            });
        };
    }
}

addDetailedDiff();
let client: ReturnType<typeof storageClient> | undefined;
main(
    manifestProvider(() => (client ??= storageClient())),
    process.argv.slice(2),
).catch((e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
});
