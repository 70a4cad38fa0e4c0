import * as fs from "node:fs";
import * as path from "node:path";
import { readYaml as readYamlAs } from "./yaml-readers";

/** A stack's config as the engine hands it to the program: every value a string, structured values as JSON. */
export interface EngineConfig {
    readonly project: string;
    readonly config: Readonly<Record<string, string>>;
    /** Keys set with `--secret` (`secure:` in the stack file); their values are not known offline. */
    readonly secretKeys: ReadonlySet<string>;
}

/** Placeholder for a secret config value, which the offline plan cannot (and must not) decrypt. */
export const SECRET_PLACEHOLDER = "[secret]";

/** Stack names that have a `Pulumi.<stack>.yaml` next to `Pulumi.yaml`, sorted. */
export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

const DECLARATION_KEYS = new Set(["type", "description", "default", "value", "secret", "items"]);

/**
 * The Pulumi CLI's refusal of a stack that leaves required project config unset, word for word: keys as written in
 * `Pulumi.yaml`, sorted (Go `sort.Strings`, code-unit order), all of them in one message.
 * Upstream: pulumi/pulumi `pkg/workspace/config.go` (`sdk/go/common/workspace/config.go` in older releases),
 * `formatMissingKeys` and `missingStackConfigurationKeysError`; tests `config_project_test.go`
 * ("Stack 'dev' is missing configuration values 'hello', 'values' and 'world'").
 */
export function missingConfigMessage(stack: string, keys: readonly string[]): string {
    const sorted = [...keys].sort();
    const quoted = sorted.map((k) => `'${k}'`);
    const list =
        quoted.length === 1
            ? quoted[0]
            : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
    return `Stack '${stack}' is missing configuration ${keys.length === 1 ? "value" : "values"} ${list}`;
}

/** A project or stack file the Pulumi CLI would refuse before the program starts. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/** One `config:` entry of `Pulumi.yaml`, after the CLI's shorthand rewrite. */
interface Declaration {
    readonly value?: unknown;
    readonly default?: unknown;
}

/**
 * The CLI's reading of a `config:` entry (`RewriteShorthandConfigValues` in pulumi
 * `sdk/go/common/workspace/project.go`): a scalar or list is a `default` for a project key and a `value` for
 * another namespace's key; a map is a declaration. Maps that are not declarations stay values (our older reading).
 */
function declaration(project: string, key: string, decl: unknown): Declaration {
    const isMap = decl !== null && typeof decl === "object" && !Array.isArray(decl);
    if (isMap && Object.keys(decl).every((k) => DECLARATION_KEYS.has(k))) return decl as Declaration;
    if (isMap) return { value: decl };
    return isProjectKey(project, key) ? { default: decl } : { value: decl };
}

/** `configKeyIsNamespacedByProject` in pulumi `sdk/go/common/workspace/project.go`. */
function isProjectKey(project: string, key: string): boolean {
    return !key.includes(":") || key.startsWith(`${project}:`);
}

/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` and merges them the way the Pulumi CLI does before it starts the
 * program (`mergeConfig` in pulumi `pkg/workspace/config.go`): a stack value wins over the project's
 * `value`/`default`; unnamespaced project keys belong to the project's namespace; and a project key declared with
 * neither `value` nor `default` that the stack does not set fails the stack with the CLI's own message.
 */
export function readEngineConfig(projectDir: string, stack: string): EngineConfig {
    const projectFile = path.join(projectDir, "Pulumi.yaml");
    const project = readYaml(projectFile) as { name?: string; config?: Record<string, unknown> } | null;
    if (!project?.name) throw new Error(`${projectFile}: no project name`);
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        const known = listStacks(projectDir);
        throw new Error(
            `no stack "${stack}": ${stackFile} does not exist (stacks here: ${known.join(", ") || "none"})`,
        );
    }
    const stackDoc = readYaml(stackFile) as { config?: Record<string, unknown> } | null;

    const declarations = Object.entries(project.config ?? {}).map(
        ([key, decl]) => [key, declaration(project.name!, key, decl)] as const,
    );
    for (const [key, decl] of declarations) {
        // `Project.Validate` in pulumi sdk/go/common/workspace/project.go, which stops at the first such key.
        if (decl.default !== undefined && decl.value !== undefined)
            throw new StackFileError(
                `${projectFile}: project config '${key}' cannot have both a 'default' and 'value' attribute`,
            );
    }

    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [key, raw] of Object.entries(stackDoc?.config ?? {})) {
        // `config.ParseKey` (pulumi sdk/go/common/resource/config/key.go): stack keys are always namespaced.
        if (!/^[^:]+:(config:)?[^:]+$/.test(key))
            throw new StackFileError(
                `${stackFile}: could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`,
            );
        const full = key.replace(/^([^:]+):config:/, "$1:");
        const { value, secret } = stripSecure(raw);
        config[full] = toEngineString(value);
        if (secret) secretKeys.add(full);
    }
    const missing: string[] = [];
    for (const [key, decl] of declarations) {
        const full = key.includes(":") ? key : `${project.name}:${key}`;
        if (full in config) continue;
        const value = decl.value ?? decl.default;
        if (value !== undefined) config[full] = toEngineString(value);
        else if (isProjectKey(project.name, key)) missing.push(key);
    }
    if (missing.length) {
        throw new StackFileError(
            `${missingConfigMessage(stack, missing)}\n` +
                `(${path.basename(projectFile)} declares ${missing.length === 1 ? "it" : "them"} with neither ` +
                `'value' nor 'default'; set ${missing.length === 1 ? "it" : "them"} in ${stackFile})`,
        );
    }
    return { project: project.name, config, secretKeys };
}

/**
 * A project or stack file as the Pulumi CLI reads it: go-yaml v3 (merge keys expanded, `0644` octal, only
 * true/false booleans, duplicate keys an error); see `readYaml`'s `pulumi` dialect.
 */
function readYaml(file: string): unknown {
    const read = readYamlAs(fs.readFileSync(file, "utf8"), "pulumi");
    if ("problem" in read) throw new Error(`${file}: ${read.problem}`);
    return read.value;
}

function toEngineString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** Replaces every `{secure: …}` leaf by a placeholder and reports whether there was one. */
function stripSecure(value: unknown): { value: unknown; secret: boolean } {
    if (value === null || typeof value !== "object") return { value, secret: false };
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "secure") return { value: SECRET_PLACEHOLDER, secret: true };
    let secret = false;
    const map = (v: unknown) => {
        const r = stripSecure(v);
        secret ||= r.secret;
        return r.value;
    };
    const out = Array.isArray(value)
        ? value.map(map)
        : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, map(v)]));
    return { value: out, secret };
}

/**
 * The CLI's secrets provider for a stack deployed from CI, or why it would ask for a passphrase. With a DIY
 * (`gs://`) backend and neither `secretsprovider` nor a passphrase's `encryptionsalt` in the stack file, the CLI
 * falls back to the passphrase provider, which fails without `PULUMI_CONFIG_PASSPHRASE` ("passphrase must be set").
 * A stack file that says `secretsprovider: passphrase` (or carries `encryptionsalt`) declares passphrase use on
 * purpose; otherwise it must name a cloud KMS key (`gcpkms://…`, written by `bootstrap/write-config.ts`).
 */
export function secretsProviderProblem(projectDir: string, stack: string): string | undefined {
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    const doc = (readYaml(stackFile) ?? {}) as { secretsprovider?: unknown; encryptionsalt?: unknown };
    const provider = doc.secretsprovider;
    if (typeof provider === "string" && /^(gcpkms|awskms|azurekeyvault|hashivault):\/\/./.test(provider))
        return undefined;
    if (provider === "passphrase" || typeof doc.encryptionsalt === "string") return undefined;
    return (
        `${stackFile}: no secrets provider (got ${provider === undefined ? "none" : JSON.stringify(provider)}): ` +
        "a workflow deploys this stack, and without one the CLI falls back to a passphrase, which CI does not have. " +
        "Set secretsprovider: gcpkms://projects/<state project>/locations/<region>/keyRings/pulumi/cryptoKeys/" +
        `pulumi-secrets-${stack} (bootstrap/write-config.ts writes it), or declare passphrase use on purpose ` +
        "(secretsprovider: passphrase, with PULUMI_CONFIG_PASSPHRASE set in CI)"
    );
}
