import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

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
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` and merges them the way the Pulumi engine does: a stack value wins
 * over the project's `value`/`default`; unnamespaced project keys belong to the project's namespace.
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

    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        const full = key.includes(":") ? key : `${project.name}:${key}`;
        const isDecl =
            decl !== null &&
            typeof decl === "object" &&
            !Array.isArray(decl) &&
            Object.keys(decl).every((k) => DECLARATION_KEYS.has(k));
        const value = isDecl
            ? ((decl as { value?: unknown; default?: unknown }).value ??
              (decl as { default?: unknown }).default)
            : decl;
        if (value !== undefined) config[full] = toEngineString(value);
    }
    for (const [key, raw] of Object.entries(stackDoc?.config ?? {})) {
        const full = key.includes(":") ? key : `${project.name}:${key}`;
        const { value, secret } = stripSecure(raw);
        config[full] = toEngineString(value);
        if (secret) secretKeys.add(full);
    }
    return { project: project.name, config, secretKeys };
}

function readYaml(file: string): unknown {
    try {
        return parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`${file}: ${(e as Error).message}`);
    }
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
