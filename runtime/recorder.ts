import * as pulumi from "@pulumi/pulumi";
import type { Wire } from "./wire";
import {
    offlineInvokeAnswers,
    offlineComputedOutputs,
    type InvokeAnswer,
    type ComputedOutputs,
} from "./offline-answers";

/** One resource registration, as the engine would receive it. */
export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** Parent URN; `null` only for the stack itself. */
    readonly parent: string | null;
    /** `true` for provider-managed resources, `false` for components and the stack. */
    readonly custom: boolean;
    /** URN of the explicit provider (custom resources), without its id. */
    readonly provider: string | null;
    /** Inputs in the engine's wire form (see `wire.ts`): secrets and unknowns stay marked where they are. */
    readonly inputs: Record<string, Wire>;
    /** Resource options that change what the engine does; only the ones that were set. */
    readonly options: RecordedOptions;
    /** `true` when the program only reads an existing resource (`Resource.get`). */
    readonly read: boolean;
}

export interface RecordedOptions {
    protect?: boolean;
    deleteBeforeReplace?: boolean;
    retainOnDelete?: boolean;
    ignoreChanges?: string[];
    replaceOnChanges?: string[];
    additionalSecretOutputs?: string[];
    customTimeouts?: { create?: string; update?: string; delete?: string };
    importId?: string;
    dependsOn?: string[];
    aliases?: number;
}

export interface RecordedInvoke {
    readonly token: string;
    readonly inputs: Record<string, unknown>;
}

export interface RecorderOptions {
    project: string;
    stack: string;
    /**
     * Run as a preview (default): outputs only the cloud knows stay unknown, and applies over them do not run,
     * exactly as in `pulumi preview`.
     */
    preview?: boolean;
    /** Extra or replacement invoke answers (tests), by token. */
    invokes?: Record<string, InvokeAnswer>;
    /** Extra or replacement computed outputs (tests), by resource type. */
    computed?: ComputedOutputs;
    /**
     * Package names whose resources must name an explicit provider. The program disables default providers for
     * these (`pulumi:disable-default-providers`), so the real engine would refuse such a resource.
     */
    explicitProviderPackages?: readonly string[];
}

// Our own registrations are explicit; this is what Pulumi.yaml disables (kubernetes, github) plus gcp and docker,
// which index.ts also always passes explicitly.
const DEFAULT_EXPLICIT = ["kubernetes", "github", "gcp", "docker"];

/**
 * The one recorder of everything a program registers under the SDK's mock runtime, shared by the offline plan and
 * the tests. It answers invokes from an explicit table and refuses the rest, detects duplicate URNs (the mock
 * runtime does not; the engine does) and resources without an explicit provider.
 */
export class Recorder {
    readonly resources: RecordedResource[] = [];
    readonly invokes: RecordedInvoke[] = [];
    /** Problems the real engine would have rejected; the run fails when there are any. */
    readonly errors: string[] = [];
    private readonly urns = new Set<string>();
    private restore?: () => void;

    constructor(private readonly opts: RecorderOptions) {}

    /** Undoes {@link install}'s hook on the SDK's registration failures (the mocks stay until the next install). */
    uninstall(): void {
        this.restore?.();
        this.restore = undefined;
    }

    /** Installs the mocks. Import the program only after this, or its outputs never resolve. */
    install(): void {
        const invokes = { ...offlineInvokeAnswers, ...this.opts.invokes };
        const computed = { ...offlineComputedOutputs, ...this.opts.computed };
        const preview = this.opts.preview ?? true;
        pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    const extra = args.custom ? computed[args.type]?.(args.inputs) : undefined;
                    const isProvider = args.type.startsWith("pulumi:providers:");
                    // A preview of a create knows no ids; providers keep one so references to them stay stable.
                    const id = args.custom && (isProvider || !preview) ? `${args.name}-id` : undefined;
                    return { id, state: { ...args.inputs, ...extra } };
                },
                call: (args) => {
                    this.invokes.push({ token: args.token, inputs: args.inputs });
                    const answer = invokes[args.token];
                    if (!answer) {
                        const msg = `provider function ${args.token} has no offline answer (add one in runtime/offline-answers.ts)`;
                        this.errors.push(msg);
                        throw new Error(msg);
                    }
                    return answer(args.inputs);
                },
            },
            this.opts.project,
            this.opts.stack,
            preview,
        );
        this.wrapMonitor();
        this.watchFailedRegistrations();
    }

    /**
     * A registration whose inputs reject (an `apply` that throws) never reaches the monitor: the SDK fails the
     * resource's outputs, so its dependants vanish too, and its only other trace is an unhandled rejection that may
     * come after the run. Record each such failure with the resource's type and name where the SDK gives up on it
     * (`failPendingRegistration` in the pinned `@pulumi/pulumi`'s runtime/state.js, called from registerResource).
     */
    private watchFailedRegistrations(): void {
        type State = { failPendingRegistration(res: unknown, err: unknown): void };
        const state = require("@pulumi/pulumi/runtime/state") as State;
        const original = state.failPendingRegistration;
        state.failPendingRegistration = (res, err) => {
            const r = res as { __pulumiType?: string; __name?: string };
            const message = err instanceof Error ? err.message : String(err);
            this.errors.push(
                `${r.__pulumiType ?? "resource"} ${r.__name ?? "(unnamed)"}: not registered: ${message}`,
            );
            original(res, err);
        };
        this.restore = () => (state.failPendingRegistration = original);
    }

    /**
     * The mock callbacks see neither parents nor resource options, so record them where the monitor receives the
     * request. Relies on `MockMonitor`'s method names in the pinned `@pulumi/pulumi` (see package.json).
     */
    private wrapMonitor(): void {
        type Callback = (err: unknown, resp: unknown) => void;
        type Monitor = {
            newUrn(parent: string, type: string, name: string): string;
            registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
            readResource(req: ReadRequest, cb: Callback): Promise<void>;
        };
        const monitor = (pulumi.runtime as unknown as { getMonitor(): Monitor }).getMonitor();
        // The mock monitor names children of the stack `pulumi:pulumi:Stack$<type>` and keeps only the parent's last
        // type; the engine's URNs (which --target and import --parent take) do neither.
        monitor.newUrn = (parent, type, name) =>
            engineUrn(this.opts.stack, this.opts.project, parent || undefined, type, name);
        const explicit = new Set(this.opts.explicitProviderPackages ?? DEFAULT_EXPLICIT);
        const register = monitor.registerResource.bind(monitor);
        const read = monitor.readResource.bind(monitor);
        monitor.registerResource = (req, cb) => {
            this.record(monitor.newUrn(req.getParent(), req.getType(), req.getName()), req, false, explicit);
            return register(req, cb);
        };
        monitor.readResource = (req, cb) => {
            this.record(monitor.newUrn(req.getParent(), req.getType(), req.getName()), req, true, explicit);
            return read(req, cb);
        };
    }

    private record(
        urn: string,
        req: RegisterRequest | ReadRequest,
        isRead: boolean,
        explicit: Set<string>,
    ): void {
        if (this.urns.has(urn)) {
            this.errors.push(
                `duplicate URN ${urn}: two resources have the same type and name (the engine rejects this)`,
            );
        }
        this.urns.add(urn);
        const type = req.getType();
        const custom = isRead || (req as RegisterRequest).getCustom();
        const provider = req.getProvider() ? req.getProvider().split("::").slice(0, -1).join("::") : null;
        if (custom && !provider && explicit.has(type.split(":")[0])) {
            this.errors.push(
                `${urn}: no explicit provider (default providers are disabled for ${type.split(":")[0]})`,
            );
        }
        const inputs = ("getObject" in req ? req.getObject() : req.getProperties())?.toJavaScript() ?? {};
        this.resources.push({
            urn,
            type,
            name: req.getName(),
            parent: req.getParent() || null,
            custom,
            provider,
            inputs,
            options: isRead ? {} : options(req as RegisterRequest),
            read: isRead,
        });
    }

    /** The resource with this type and name; throws when there is none or more than one (tests). */
    get(type: string, name: string): RecordedResource {
        const found = this.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
        return found[0];
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }
}

/**
 * A resource's URN as the engine forms it: `urn:pulumi:<stack>::<project>::<type chain>::<name>`, where the type
 * chain is the parent's whole chain, `$`, then the resource's type, and a child of the stack (or a resource without
 * a parent) has its own type only (`urn.New` in pulumi `sdk/go/common/resource/urn/urn.go`, which leaves out
 * `RootStackType`).
 */
export function engineUrn(
    stack: string,
    project: string,
    parent: string | undefined,
    type: string,
    name: string,
): string {
    const parentChain = parent === undefined ? "" : urnTypeChain(parent);
    const chain = parentChain === "" || parentChain === STACK_TYPE ? type : `${parentChain}$${type}`;
    return `urn:pulumi:${stack}::${project}::${chain}::${name}`;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The qualified type (`a$b$c`) of a URN; names may contain `::`, so only the first three separators count. */
function urnTypeChain(urn: string): string {
    return urn.split("::")[2] ?? "";
}

function options(req: RegisterRequest): RecordedOptions {
    const o: RecordedOptions = {};
    if (req.getProtect()) o.protect = true;
    if (req.getDeletebeforereplace()) o.deleteBeforeReplace = true;
    if (req.getRetainondelete()) o.retainOnDelete = true;
    if (req.getIgnorechangesList().length) o.ignoreChanges = [...req.getIgnorechangesList()].sort();
    if (req.getReplaceonchangesList().length) o.replaceOnChanges = [...req.getReplaceonchangesList()].sort();
    if (req.getAdditionalsecretoutputsList().length)
        o.additionalSecretOutputs = [...req.getAdditionalsecretoutputsList()].sort();
    const t = req.getCustomtimeouts();
    if (t && (t.getCreate() || t.getUpdate() || t.getDelete())) {
        o.customTimeouts = {};
        if (t.getCreate()) o.customTimeouts.create = t.getCreate();
        if (t.getUpdate()) o.customTimeouts.update = t.getUpdate();
        if (t.getDelete()) o.customTimeouts.delete = t.getDelete();
    }
    if (req.getImportid()) o.importId = req.getImportid();
    const deps = req.getDependenciesList();
    if (deps.length) o.dependsOn = [...new Set(deps)].sort();
    const aliases = req.getAliasesList().length;
    if (aliases) o.aliases = aliases;
    return o;
}

interface Struct {
    toJavaScript(): Record<string, unknown>;
}
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProvider(): string;
    getObject(): Struct | undefined;
    getProtect(): boolean | undefined;
    getDeletebeforereplace(): boolean;
    getRetainondelete(): boolean | undefined;
    getIgnorechangesList(): string[];
    getReplaceonchangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
    getImportid(): string;
    getDependenciesList(): string[];
    getAliasesList(): unknown[];
}
interface ReadRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getProperties(): Struct | undefined;
}
