/**
 * Stand-in resource provider plugin for the engine tier: serves one package (gcp, github, docker or kubernetes)
 * through the SDK's provider server, so the real Pulumi engine drives it with check/diff/create/read/update/delete
 * and invoke. It keeps "live" resources as JSON files in a local store (one file per resource, so several plugin
 * processes can share it), diffs by inputs with the replacement rules of `rules.ts`, and answers invokes from the
 * offline plan's answers (`runtime/offline-answers.ts`) with concrete stand-in values where the plan has unknowns.
 *
 * Started as `provider.ts <package> <version> <engine address>` by the `pulumi-resource-<package>` script that
 * test/engine/harness.ts installs into a test PULUMI_HOME. It refuses to run unless DATA_INFRA_ENGINE_TIER=1 and
 * DATA_INFRA_STANDIN_STORE are set, so it can never be mistaken for the real provider.
 */
import * as path from "node:path";
import * as provider from "@pulumi/pulumi/provider";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { offlineInvokeAnswers } from "../../../runtime/offline-answers";
import { RULES, diffInputs, getPath, shortHash } from "./rules";
import { Store, type Live } from "./store";

const [pkg, version, ...serverArgs] = process.argv.slice(2);
if (process.env.DATA_INFRA_ENGINE_TIER !== "1" || !process.env.DATA_INFRA_STANDIN_STORE) {
    console.error(
        `pulumi-resource-${pkg ?? "?"} here is the data-infra engine tier's stand-in, not the real provider: it runs ` +
            "only under `npm run test:engine` (DATA_INFRA_ENGINE_TIER=1 and DATA_INFRA_STANDIN_STORE unset here). " +
            "Remove this plugin from your PULUMI_HOME and install the real one.",
    );
    process.exit(1);
}
const STORE = process.env.DATA_INFRA_STANDIN_STORE;
const UNKNOWN = rpc.unknownValue;

type Props = Record<string, unknown>;
const store = new Store(STORE, pkg);
const typeOf = (urn: string): string => urn.split("::")[2].split("$").pop() ?? "";

function ruleFor(urn: string) {
    const type = typeOf(urn);
    const rule = RULES[type];
    if (!rule)
        throw new Error(
            `stand-in ${pkg}: no rules for resource type ${type}; add them to test/engine/standin/rules.ts`,
        );
    return { type, rule };
}

/**
 * The provider's own configuration that a resource falls back to when it leaves the field unset (gcp's `project` and
 * `region`: a Composer environment declared without them lives in the provider's project and region, and its id
 * says so). Set by Configure.
 */
const providerDefaults: Props = {};
const PROVIDER_DEFAULT_KEYS = ["project", "region"];
const withDefaults = (inputs: Props): Props => ({ ...providerDefaults, ...inputs });

function apply(urn: string, inputs: Props, id?: string): Live {
    const { type, rule } = ruleFor(urn);
    const realId = id ?? rule.id(withDefaults(inputs));
    const outputs = { ...inputs, ...(rule.outputs?.(withDefaults(inputs), realId) ?? {}) };
    const live: Live = { type, id: realId, inputs, outputs };
    store.write(live);
    return live;
}

/**
 * Composer creates its environment's bucket: so does the stand-in, in the GCS emulator the gcsmanifest provider syncs
 * the DAG files into (STORAGE_EMULATOR_HOST, set by the engine tier). One that exists already is kept.
 */
async function createBucket(outputs: Props): Promise<void> {
    const host = process.env.STORAGE_EMULATOR_HOST;
    const prefix = (outputs.config as Props | undefined)?.dagGcsPrefix;
    if (!host || typeof prefix !== "string") return;
    const name = /^gs:\/\/([^/]+)\//.exec(prefix)?.[1];
    const r = await fetch(`${host}/storage/v1/b?project=standin`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name }),
    });
    if (!r.ok && r.status !== 409)
        throw new Error(`stand-in ${pkg}: creating bucket ${name}: ${r.status} ${await r.text()}`);
}

/** Replaces the offline plan's unknowns with concrete, deterministic stand-in values. */
function concrete(v: unknown, key: string, token: string): unknown {
    if (v === UNKNOWN) {
        const fixed: Record<string, unknown> = {
            endpoint: "203.0.113.10",
            masterAuths: [{ clusterCaCertificate: Buffer.from("stand-in CA").toString("base64") }],
            number: "123456789012",
            accessToken: "stand-in-access-token",
        };
        return key in fixed ? fixed[key] : `stand-in-${key}-${shortHash([token, key]).slice(0, 8)}`;
    }
    if (Array.isArray(v)) return v.map((e) => concrete(e, key, token));
    if (v !== null && typeof v === "object")
        return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, concrete(e, k, token)]));
    return v;
}

const standin: provider.Provider = {
    version,
    async check(_urn, _olds, news) {
        return { inputs: news };
    },
    async diff(_id, urn, olds, news) {
        const { rule } = ruleFor(urn);
        const d = diffInputs(rule, olds as Props, news as Props, UNKNOWN);
        return { changes: d.changed.length > 0, replaces: d.replaces };
    },
    async create(urn, inputs) {
        const { type, rule } = ruleFor(urn);
        const id = rule.id(withDefaults(inputs as Props));
        if (store.read(type, id)) {
            // What the real APIs answer for a name that is taken (409 from Google APIs, AlreadyExists from
            // Kubernetes, "cannot re-use a name that is still in use" from Helm): adoption needs `import`.
            throw new Error(
                `stand-in ${pkg}: ${type} ${id} already exists (409 AlreadyExists); import it instead`,
            );
        }
        const live = apply(urn, inputs as Props, id);
        if (type === "gcp:composer/environment:Environment") await createBucket(live.outputs);
        return { id: live.id, outs: live.outputs };
    },
    async read(id, urn) {
        const { type } = ruleFor(urn);
        // A missing resource never gets here: the Read wrapper below answers it with no properties.
        const live = store.read(type, id)!;
        return { id: live.id, props: live.outputs, inputs: live.inputs };
    },
    async update(id, urn, _olds, news) {
        const live = apply(urn, news as Props, id);
        return { outs: live.outputs };
    },
    async delete(id, urn) {
        store.remove(ruleFor(urn).type, id);
    },
    async invoke(token, inputs) {
        const answer = offlineInvokeAnswers[token];
        if (!answer) {
            throw new Error(
                `stand-in ${pkg}: no offline answer for invoke ${token} (runtime/offline-answers.ts)`,
            );
        }
        return { outputs: concrete(answer(inputs as Props), "", token) as Props };
    },
};

/**
 * The SDK's provider server does not support previews (its Configure never sets supportsPreview), so the engine would
 * use a new resource's inputs as its outputs in a preview, and the program would read a *known* Composer `config`
 * without dagGcsPrefix. The real bridged providers answer Create/Update with preview=true with every computed output
 * unknown (or, on update, as it was), and the program relies on that. This wraps the server's handlers so the
 * stand-ins do the same: Configure says supportsPreview, and Create/Update previews answer without touching the store.
 */
function previewOutputs(urn: string, news: Props, olds?: Props): Props {
    const out = JSON.parse(JSON.stringify(news)) as Props;
    // A type without rules previews with its inputs only (the bootstrap project's); creating it is refused.
    for (const p of RULES[typeOf(urn)]?.computed ?? []) {
        const parts = p.split(".");
        let cur = out;
        for (const part of parts.slice(0, -1)) {
            if (cur[part] === null || typeof cur[part] !== "object") cur[part] = {};
            cur = cur[part] as Props;
        }
        const old = olds ? getPath(olds, p) : undefined;
        cur[parts[parts.length - 1]] = old ?? UNKNOWN;
    }
    return out;
}

type Callback = (err: unknown, resp?: unknown) => void;
interface Call {
    request: {
        getPreview(): boolean;
        getUrn(): string;
        getProperties(): { toJavaScript(): Props };
        getOlds(): { toJavaScript(): Props };
        getNews(): { toJavaScript(): Props };
        getId(): string;
        getArgs(): { toJavaScript(): Props } | undefined;
        getVariablesMap(): { get(key: string): string | undefined };
    };
}
const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdkDir] }));
const structproto = require(
    require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdkDir] }),
);
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const addService = grpc.Server.prototype.addService;
grpc.Server.prototype.addService = function (
    service: unknown,
    impl: Record<string, (call: Call, cb: Callback) => void>,
) {
    impl.configure = (call, cb) => {
        const args = call.request.getArgs()?.toJavaScript() ?? {};
        const vars = call.request.getVariablesMap();
        for (const key of PROVIDER_DEFAULT_KEYS) {
            const v = args[key] ?? vars.get(`${pkg}:config:${key}`);
            if (typeof v === "string" && v !== "") providerDefaults[key] = v;
        }
        const resp = new provproto.ConfigureResponse();
        resp.setAcceptsecrets(true);
        resp.setAcceptresources(true);
        resp.setAcceptoutputs(true);
        resp.setSupportspreview(true);
        cb(undefined, resp);
    };
    // A resource that is not in the store: a Read response without properties, which the engine takes as "gone"
    // (refresh drops it from state; an import fails with "resource '<id>' does not exist"), as real providers answer
    // a 404. The SDK's server cannot say that: it always sets properties.
    const read = impl.read.bind(impl);
    impl.read = (call, cb) => {
        try {
            if (store.read(ruleFor(call.request.getUrn()).type, call.request.getId())) return read(call, cb);
            cb(undefined, new provproto.ReadResponse());
        } catch (e) {
            cb(e);
        }
    };
    const create = impl.create.bind(impl);
    impl.create = (call, cb) => {
        if (!call.request.getPreview()) return create(call, cb);
        try {
            const resp = new provproto.CreateResponse();
            resp.setId("");
            const outs = previewOutputs(call.request.getUrn(), call.request.getProperties().toJavaScript());
            resp.setProperties(structproto.Struct.fromJavaScript(outs));
            cb(undefined, resp);
        } catch (e) {
            cb(e);
        }
    };
    const update = impl.update.bind(impl);
    impl.update = (call, cb) => {
        if (!call.request.getPreview()) return update(call, cb);
        try {
            const resp = new provproto.UpdateResponse();
            const r = call.request;
            resp.setProperties(
                structproto.Struct.fromJavaScript(
                    previewOutputs(r.getUrn(), r.getNews().toJavaScript(), r.getOlds().toJavaScript()),
                ),
            );
            cb(undefined, resp);
        } catch (e) {
            cb(e);
        }
    };
    return addService.call(this, service, impl);
};

provider.main(standin, serverArgs).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
});
