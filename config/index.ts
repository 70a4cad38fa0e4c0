import Ajv, { type ErrorObject, type SchemaObject } from "ajv";
import { Problems } from "../lib/problems";
import { NAMESPACE, keyPath, type ConfigContext, type SectionValue } from "./section";
import { sections } from "./sections";
import { closest } from "../lib/suggest";
import { byCodeUnit } from "../lib/order";
import { readEngineConfig } from "../runtime/stack-files";

export { NAMESPACE } from "./section";
export { composerEnvironmentSlots, composerPolicyFacts } from "./sections/composer";

/** The whole, validated, frozen config of one stack (release channel). */
export type StackConfig = { readonly stack: string } & {
    readonly [K in keyof typeof sections]: SectionValue<(typeof sections)[K]>;
};

type SectionKey = keyof typeof sections;
const sectionKeys = Object.keys(sections) as SectionKey[];

const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
const validate = ajv.compile({
    type: "object",
    additionalProperties: false,
    properties: Object.fromEntries(sectionKeys.map((k) => [k, sections[k].schema])),
} satisfies SchemaObject);

/**
 * Turns the engine's config map (`pulumi.runtime.allConfig()`: `"data-infra:composer" → JSON text`) into the typed
 * stack config. Checks every key and throws one {@link ValidationError} listing every problem; keys of other
 * namespaces (`gcp:`, `pulumi:`) are ignored, unknown `data-infra:` keys are errors.
 *
 * @param secretKeys engine keys whose values are secret: their values never appear in messages.
 */
export function parseStackConfig(
    stack: string,
    engineConfig: Readonly<Record<string, string>>,
    secretKeys: ReadonlySet<string> = new Set(),
): StackConfig {
    const problems = new Problems();
    const values: Record<string, unknown> = {};
    const present = new Set<string>();
    for (const [fullKey, text] of Object.entries(engineConfig).sort(([a], [b]) => byCodeUnit(a, b))) {
        if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
        const key = fullKey.slice(NAMESPACE.length + 1);
        if (secretKeys.has(fullKey)) {
            present.add(key);
            // The typed config is plain data: a secret here would reach resource inputs (and state) as plaintext.
            problems.add(
                fullKey,
                "secret values are not supported in data-infra keys (they would reach resources unencrypted); " +
                    "keep secrets in Secret Manager and reference them from releases[].secrets",
                "[secret]",
            );
            continue;
        }
        if (!(key in sections)) {
            const hint = closest(key, sectionKeys);
            problems.add(
                fullKey,
                `unknown config key${hint ? `; did you mean ${keyPath(hint)}?` : ""}`,
                decode(text),
            );
            continue;
        }
        values[key] = decode(text);
    }
    for (const key of sectionKeys) {
        if (sections[key].required && !present.has(key) && values[key] === undefined) {
            problems.add(
                keyPath(key),
                `required key is missing: set it in Pulumi.${stack}.yaml or Pulumi.yaml`,
            );
        }
    }

    const data = structuredClone(values);
    const broken = new Set<string>();
    if (!validate(data)) {
        for (const e of validate.errors ?? []) {
            const p = describe(e);
            if (p) {
                broken.add(p.section);
                problems.add(p.where, p.what, ...(p.hasGot ? [p.got] : []));
            }
        }
    }

    const ctx: ConfigContext = { stack };
    const resolved: Record<string, unknown> = { stack };
    for (const key of sectionKeys) {
        if (broken.has(key) || (sections[key].required && data[key] === undefined)) continue;
        resolved[key] = sections[key].resolve(data[key], ctx, problems);
    }
    problems.throwIfAny(`invalid config for stack "${stack}"`);
    return deepFreeze(resolved) as StackConfig;
}

/**
 * The validated config of one stack, read from `Pulumi.yaml` and `Pulumi.<stack>.yaml` in `projectDir` the way the
 * engine merges them: what every tool that needs a channel's settings outside a Pulumi run uses.
 */
export function loadStackConfig(projectDir: string, stack: string): StackConfig {
    const engine = readEngineConfig(projectDir, stack);
    return parseStackConfig(stack, engine.config, engine.secretKeys);
}

/** Engine config values are strings; structured values arrive as JSON text. */
function decode(text: string): unknown {
    const t = text.trimStart();
    if (t.startsWith("{") || t.startsWith("[")) {
        try {
            return JSON.parse(text);
        } catch {
            return text;
        }
    }
    return text;
}

interface Described {
    section: string;
    where: string;
    what: string;
    hasGot: boolean;
    got?: unknown;
}

/** One ajv error in the user's terms: the config key path and what would be accepted. */
function describe(e: ErrorObject): Described | undefined {
    const segments = e.instancePath
        .split("/")
        .slice(1)
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const section = String(segments[0] ?? "");
    if (!section) return undefined; // the root object itself: unknown top-level keys are reported before ajv runs
    const where = keyPath(section, ...segments.slice(1));
    const params = e.params as Record<string, unknown>;
    const description = (e.parentSchema as { description?: string } | undefined)?.description;
    switch (e.keyword) {
        case "required":
            return {
                section,
                where: `${where}.${params.missingProperty}`,
                what: "required key is missing",
                hasGot: false,
            };
        case "additionalProperties": {
            const extra = String(params.additionalProperty);
            const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
            const hint = closest(extra, known);
            return {
                section,
                where: `${where}.${extra}`,
                what: `unknown key${hint ? `; did you mean ${hint}?` : ""}${known.length ? ` (known: ${known.join(", ")})` : ""}`,
                hasGot: false,
            };
        }
        case "enum":
            return {
                section,
                where,
                what: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
                hasGot: true,
                got: e.data,
            };
        case "pattern":
            return {
                section,
                where,
                what: description ? `must be ${description}` : `must match ${String(params.pattern)}`,
                hasGot: true,
                got: e.data,
            };
        default:
            return { section, where, what: e.message ?? e.keyword, hasGot: true, got: e.data };
    }
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
}

/**
 * The keys of `engineConfig` the engine marked secret (`pulumi config set --secret`). `allConfig()` returns values
 * only; secretness lives in the SDK's config store, read here through its `isConfigSecret` (not in the public
 * typings of the pinned `@pulumi/pulumi`, hence the require).
 */
export function engineSecretKeys(engineConfig: Readonly<Record<string, string>>): Set<string> {
    const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as {
        isConfigSecret(key: string): boolean;
    };
    return new Set(Object.keys(engineConfig).filter((k) => isConfigSecret(k)));
}
