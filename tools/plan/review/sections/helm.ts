import { readYaml } from "../../../../runtime/yaml-readers";
import {
    TYPES,
    chartRef,
    flatten,
    isContentHashKey,
    valueAt,
    type InputChange,
    type PlanDiff,
    type ResourceDiff,
} from "../../../../lib/plan-document";
import { shortJson } from "../../../../lib/shorten";
import { lastKey, redactCredentials, stripUserinfo } from "../../../../lib/credentials";

const mapDefined = <T, U>(v: T | undefined, f: (v: T) => U): U | undefined =>
    v === undefined ? undefined : f(v);

export interface HelmChange {
    readonly urn: string;
    /** `<namespace>/<release name>` as Helm knows it. */
    readonly release: string;
    readonly kind: ResourceDiff["kind"];
    /** Chart reference or version change (`chart`, `version`, `repositoryOpts.repo`). */
    readonly chart?: { readonly old?: string; readonly new?: string };
    /** Whether the major version of a remote chart went up (`1.4.0` → `2.0.0`). */
    readonly majorBump: boolean;
    /** A content hash of a local chart changed (the chart's files changed without a version bump). */
    readonly contentHashChanged: boolean;
    /** Values keys that changed (dotted, below `values`), with their change kind. */
    readonly values: ReadonlyArray<{ readonly key: string; readonly kind: string }>;
    /** Values files (repo-relative) whose content changed, were added or removed. */
    readonly valuesFiles: readonly string[];
}

/**
 * Reads a values file (project-relative path) as it is on one side of the diff; `undefined` when unreadable. The
 * plan document only carries a values file's hash, so naming the keys that changed needs both texts.
 */
export type ValuesFileReader = (side: "base" | "head", file: string) => string | undefined;

/** Per Helm release: chart (version or content) change and the values keys that changed. */
export function helmChanges(diff: PlanDiff, readValuesFile?: ValuesFileReader): HelmChange[] {
    return diff.resources.filter((r) => r.type === TYPES.release).map((r) => helmChange(r, readValuesFile));
}

/**
 * The keys that differ between two versions of a values file, each as `old → new`. A credential-named key's value
 * (and key material, URL userinfo) is redacted: a password committed by mistake must not reach the PR comment too.
 */
export function valuesFileKeyChanges(
    file: string,
    before: string,
    after: string,
): Array<{ key: string; kind: string }> {
    // Compare what Helm sees (YAML 1.1: `on` is true, `0644` is 420, merge keys expanded), not the text.
    const ra = readYaml(before, "helm");
    const rb = readYaml(after, "helm");
    if ("problem" in ra || "problem" in rb) return [];
    const a = flatten(ra.value ?? {});
    const b = flatten(rb.value ?? {});
    const show = (k: string, v: unknown) => shortJson(redactCredentials(v, lastKey(k)), 60);
    return [...new Set([...a.keys(), ...b.keys()])]
        .sort()
        .filter((k) => a.get(k) !== b.get(k))
        .map((k) => ({
            key: k,
            kind: !a.has(k)
                ? `added ${show(k, b.get(k))} in ${file}`
                : !b.has(k)
                  ? `removed from ${file}`
                  : `${show(k, a.get(k))} → ${show(k, b.get(k))} in ${file}`,
        }));
}

function helmChange(r: ResourceDiff, readValuesFile?: ValuesFileReader): HelmChange {
    const inputs = r.head?.inputs ?? r.base?.inputs;
    const release = `${String(valueAt(inputs, "namespace") ?? "default")}/${String(valueAt(inputs, "name") ?? r.name)}`;
    // A chart repository URL may carry a login (`https://user:token@…`): the review never prints it.
    const oldChart = mapDefined(chartRef(r.base?.inputs), stripUserinfo);
    const newChart = mapDefined(chartRef(r.head?.inputs), stripUserinfo);
    const values: Array<{ key: string; kind: string }> = [];
    const files = new Set<string>();
    let contentHashChanged = false;
    for (const c of r.changes) {
        const last =
            c.path
                .split(/[.[\]]/)
                .filter(Boolean)
                .pop() ?? "";
        if (c.path.startsWith("valueYamlFiles")) {
            const index = /^valueYamlFiles\[(\d+)\]/.exec(c.path)?.[1];
            const file = index !== undefined ? valuesFilePath(r, Number(index), c) : undefined;
            if (file && c.kind === "changed" && c.path.endsWith(".sha256") && readValuesFile) {
                const before = readValuesFile("base", file);
                const after = readValuesFile("head", file);
                if (before !== undefined && after !== undefined)
                    values.push(...valuesFileKeyChanges(file, before, after));
            }
            files.add(file ?? c.path);
        } else if (isContentHashKey(last)) {
            contentHashChanged = true;
        } else if (c.path.startsWith("values.")) {
            values.push({
                key: c.path.slice("values.".length),
                kind: c.kind === "secret" ? `secret ${c.secret}` : c.kind,
            });
        }
    }
    return {
        urn: r.urn,
        release,
        kind: r.kind,
        ...(r.kind === "change" && oldChart !== newChart ? { chart: { old: oldChart, new: newChart } } : {}),
        majorBump:
            r.kind === "change" &&
            isMajorBump(valueAt(r.base?.inputs, "version"), valueAt(r.head?.inputs, "version")),
        contentHashChanged,
        values,
        valuesFiles: [...files].sort(),
    };
}

function valuesFilePath(r: ResourceDiff, index: number, c: InputChange): string | undefined {
    const side = c.kind === "removed" ? r.base : r.head;
    const p = valueAt(side?.inputs, "valueYamlFiles");
    const entry = Array.isArray(p) ? (p[index] as { path?: unknown } | undefined) : undefined;
    return typeof entry?.path === "string" ? entry.path : undefined;
}

/** Whether `after`'s semver major is greater than `before`'s (`v` prefixes allowed). */
export function isMajorBump(before: unknown, after: unknown): boolean {
    const major = (v: unknown) => (typeof v === "string" ? /^v?(\d+)\./.exec(v)?.[1] : undefined);
    const a = major(before);
    const b = major(after);
    return a !== undefined && b !== undefined && Number(b) > Number(a);
}
