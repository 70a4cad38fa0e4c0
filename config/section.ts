import type { SchemaObject } from "ajv";
import type { Problems } from "../lib/problems";

/** The project's config namespace: every key users write is `data-infra:<key>`. */
export const NAMESPACE = "data-infra";

/** What a section's rules may depend on besides its own value. */
export interface ConfigContext {
    /** The stack (release channel) name, e.g. `test` or `prod`. */
    readonly stack: string;
}

/**
 * One top-level config key (`data-infra:<key>`). Sections are listed in `sections/index.ts`; the loader validates
 * all of them together so one run reports every problem.
 */
export interface ConfigSection<T> {
    /** One-line description; `Pulumi.yaml` declares the key with the same text (a test keeps them in sync). */
    readonly description: string;
    /** Whether the stack (or `Pulumi.yaml`) must set the key. */
    readonly required: boolean;
    /**
     * JSON Schema (ajv, draft-07) of the value. `default` keywords are applied before `resolve` runs;
     * `additionalProperties: false` everywhere, so typos are errors.
     */
    readonly schema: SchemaObject;
    /**
     * Turns the schema-valid value (defaults applied; `undefined` when an optional key is absent) into the typed
     * value, adding a problem for every rule the schema cannot express. Runs only when the schema found no problem
     * in this key. Must not throw, read files or the environment.
     */
    resolve(value: unknown, ctx: ConfigContext, problems: Problems): T;
}

/** The type a section resolves to. */
export type SectionValue<S> = S extends ConfigSection<infer T> ? T : never;

/** `data-infra:composer` + `["workloads", "worker", "count"]` → `data-infra:composer.workloads.worker.count`; numbers index arrays. */
export function keyPath(key: string, ...segments: ReadonlyArray<string | number>): string {
    let path = `${NAMESPACE}:${key}`;
    for (const s of segments) path += typeof s === "number" ? `[${s}]` : `.${s}`;
    return path;
}
