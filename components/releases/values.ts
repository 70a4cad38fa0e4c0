import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { readYaml } from "../../runtime/yaml-readers";
import type { RegExpEngine } from "ajv/dist/types";
import { RE2JS } from "re2js";
import { lastKey, redactCredentials } from "../../lib/credentials";

/** Helm values: a YAML/JSON map. */
export type Values = Record<string, unknown>;

/** One layer of values, named the way a user finds it: a file path, `inline`, `images.<path>`. */
export interface ValuesLayer {
    readonly label: string;
    readonly values: Values;
}

/** Merged values and, per JSON pointer, the layer that last set it (or deleted it with `null`). */
export interface MergedValues {
    readonly values: Values;
    readonly origin: ReadonlyMap<string, string>;
    /** Pointers a layer deleted with `null` (and no later layer set again), with that layer. */
    readonly deleted: ReadonlyMap<string, string>;
}

export const isMap = (v: unknown): v is Values => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Parses a values file's text as Helm reads it (YAML 1.1 scalars, merge keys: see `readYaml`'s `helm` dialect): a
 * map, or nothing (an empty file is an empty map, as in Helm).
 */
export function parseValues(text: string): { values?: Values; problem?: string } {
    const read = readYaml(text, "helm");
    if ("problem" in read) return { problem: read.problem };
    const doc = read.value;
    if (doc === null || doc === undefined) return { values: {} };
    if (!isMap(doc))
        return { problem: `must be a YAML map of values, not ${Array.isArray(doc) ? "a list" : typeof doc}` };
    return { values: doc };
}

/**
 * Merges layers the way Helm coalesces `-f a.yaml -f b.yaml --set …`: maps merge key by key, anything else
 * replaces, `null` deletes the key. Remembers which layer set each value, so errors can name the file.
 */
export function mergeValues(layers: readonly ValuesLayer[]): MergedValues {
    const origin = new Map<string, string>();
    const deleted = new Map<string, string>();
    const values: Values = {};
    const merge = (into: Values, from: Values, at: string, label: string) => {
        origin.set(at || "", label);
        for (const [k, v] of Object.entries(from)) {
            const p = `${at}/${escape(k)}`;
            if (v === null) {
                delete into[k];
                forget(origin, p);
                forget(deleted, p);
                deleted.set(p, label);
                continue;
            }
            deleted.delete(p);
            if (isMap(v)) {
                if (!isMap(into[k])) {
                    forget(origin, p);
                    into[k] = {};
                }
                merge(into[k] as Values, v, p, label);
            } else {
                forget(origin, p);
                into[k] = structuredClone(v);
                origin.set(p, label);
            }
        }
    };
    for (const layer of layers) merge(values, layer.values, "", layer.label);
    return { values, origin, deleted };
}

function forget(origin: Map<string, string>, pointer: string): void {
    for (const k of [...origin.keys()]) if (k === pointer || k.startsWith(`${pointer}/`)) origin.delete(k);
}

const escape = (k: string) => k.replace(/~/g, "~0").replace(/\//g, "~1");

/** `/backup/schedule` → `$.backup.schedule`; array indexes as `[0]`. */
export function jsonPath(pointer: string): string {
    let out = "$";
    for (const seg of pointer.split("/").slice(1)) {
        const key = seg.replace(/~1/g, "/").replace(/~0/g, "~");
        out += /^\d+$/.test(key)
            ? `[${key}]`
            : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)
              ? `.${key}`
              : `[${JSON.stringify(key)}]`;
    }
    return out;
}

/** The layer that set `pointer`, or the nearest enclosing value. */
export function originOf(merged: MergedValues, pointer: string): string {
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf("/"))) {
        const o = merged.origin.get(p);
        if (o !== undefined) return o;
        if (p === "") return "merged values";
    }
}

/** One schema violation, in the user's terms. */
export interface SchemaViolation {
    /** The layer that set the offending value. */
    readonly source: string;
    readonly path: string;
    readonly problem: string;
}

/**
 * ajv's pattern engine for charts' schemas: RE2 (re2js, linear time) instead of JavaScript's backtracking `RegExp`.
 * It is what helm itself evaluates: helm v3.19.5 validates values with santhosh-tekuri/jsonschema/v6
 * (`pkg/chartutil/jsonschema.go:136`, `jsonschema.NewCompiler()` with no other engine), whose default engine is Go's
 * `regexp` (jsonschema v6.0.2 `compiler.go:141-150,330-331`), i.e. RE2, matched unanchored (`MatchString`). So a
 * hostile `pattern` such as `^(a+)+$` cannot hang the plan (security review L1: 34 characters took 104 s), and a
 * pattern helm refuses (lookaround, backreferences) is refused here too instead of passing with JavaScript's rules.
 *
 * ajv keys its compiled patterns by `String(engine(pattern))` (ajv `lib/vocabularies/code.ts:95-105`): the object
 * returned must print as its pattern, or every pattern of a schema would share the first one's matcher.
 */
export const re2Engine: RegExpEngine = Object.assign(
    (pattern: string) => {
        const re = RE2JS.compile(pattern);
        return { test: (s: string) => re.matcher(s).find(), toString: () => `re2:${pattern}` };
    },
    { code: 'require("re2js").RE2JS.compile' },
);

// `addUsedSchema: false`: a compiled schema is not kept under its `$id` (ajv's default, which refuses a second schema
// with the same `$id`: ajv lib/core.ts `_addSchema` → `_checkUnique`). A chart is validated once per release, per
// stack and per side of a review in one process, each time from its file; helm validates each chart on its own.
const chartAjv = new Ajv({
    allErrors: true,
    strict: false,
    verbose: true,
    addUsedSchema: false,
    code: { regExp: re2Engine },
});

/**
 * Each chart schema compiled once per process, by its JSON text: a chart is read again for every release, stack
 * and side of a review, and compiling its schema cost 25 ms per plan of this repository's charts.
 */
const compiled = new Map<string, ValidateFunction>();

/** Validates merged values against a chart's `values.schema.json` (JSON Schema, as `helm install` does). */
export function validateAgainstSchema(schema: object, merged: MergedValues): SchemaViolation[] {
    const text = JSON.stringify(schema);
    let validate = compiled.get(text);
    if (validate === undefined) compiled.set(text, (validate = chartAjv.compile(schema)));
    if (validate(merged.values)) return [];
    return (validate.errors ?? []).map((e) => violation(e, merged));
}

function violation(e: ErrorObject, merged: MergedValues): SchemaViolation {
    const params = e.params as Record<string, unknown>;
    if (e.keyword === "additionalProperties") {
        const p = `${e.instancePath}/${escape(String(params.additionalProperty))}`;
        return {
            source: originOf(merged, p),
            path: jsonPath(p),
            problem: "unknown key (the chart's schema does not allow it)",
        };
    }
    if (e.keyword === "required") {
        const missing = `${e.instancePath}/${escape(String(params.missingProperty))}`;
        const deletedBy = merged.deleted.get(missing);
        if (deletedBy !== undefined) {
            // Blame the layer whose `null` removed the key, not the last layer that touched the parent map.
            return {
                source: deletedBy,
                path: jsonPath(missing),
                problem: `deletes required key ${String(params.missingProperty)} (null removes it from the merged values)`,
            };
        }
        return {
            source: originOf(merged, e.instancePath),
            path: jsonPath(e.instancePath),
            problem: `missing required key ${String(params.missingProperty)}`,
        };
    }
    const shown =
        e.keyword === "enum"
            ? ` ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`
            : "";
    return {
        source: originOf(merged, e.instancePath),
        path: jsonPath(e.instancePath),
        problem: `${e.message ?? e.keyword}${shown} (got ${JSON.stringify(redactCredentials(e.data, lastKey(e.instancePath)))})`,
    };
}

/** `a.b.c` → `{a: {b: {c: value}}}`. */
export function valuesAt(dotPath: string, value: unknown): Values {
    return dotPath
        .split(".")
        .reverse()
        .reduce<unknown>((acc, key) => ({ [key]: acc }), value) as Values;
}

/** The value at `a.b.c`, or `undefined`. */
export function valueAt(values: Values, dotPath: string): unknown {
    let cur: unknown = values;
    for (const key of dotPath.split(".")) {
        if (!isMap(cur)) return undefined;
        cur = cur[key];
    }
    return cur;
}

/** Every string in a values tree with its JSON pointer. */
export function* strings(v: unknown, at = ""): Generator<[string, string]> {
    if (typeof v === "string") yield [at, v];
    else if (Array.isArray(v)) for (const [i, x] of v.entries()) yield* strings(x, `${at}/${i}`);
    else if (isMap(v)) for (const [k, x] of Object.entries(v)) yield* strings(x, `${at}/${escape(k)}`);
}
