import {
    TYPES,
    chartRef,
    isContentHashKey,
    isRemoteChart,
    leaves,
    valueAt,
    type DiffableDocument,
    type DiffableResource,
} from "../../../lib/plan-document";
import { parse as parseYamlText } from "yaml";

function parseYaml(text: string): unknown {
    try {
        return parseYamlText(text);
    } catch {
        return undefined;
    }
}
import { shorten } from "../../../lib/shorten";
import { manifestFiles } from "./sections/dags";

export type ArtifactKind =
    | "chart version"
    | "chart content"
    | "image digest"
    | "image reference"
    | "requirements"
    | "composer image"
    | "dag content";

/** Reads a values file the plan names (repository-relative path); `undefined` when it cannot be read. */
export type ReadValuesFile = (path: string) => string | undefined;

/** An artifact the target channel would deploy that the source channel does not run. */
export interface PromotionFinding {
    readonly kind: ArtifactKind;
    /** Where the target declares it (`Release postgresql-backup`, `dags/gtfs.py`). */
    readonly subject: string;
    readonly artifact: string;
}

export interface PromotionResult {
    readonly from: string;
    readonly to: string;
    readonly findings: readonly PromotionFinding[];
}

const DIGEST = /sha256:[0-9a-f]{64}/g;

/**
 * Image references in resolved Helm values: a string `image: repo:tag|repo@digest`, or an object with `repository`
 * and `tag`/`digest`. Values files are read through `readValues` (issue 15, H6c: an image set only in a prod values
 * file must count, not only the inline values).
 */
export function imageReferences(values: unknown): string[] {
    const out: string[] = [];
    const walk = (v: unknown, key: string): void => {
        if (Array.isArray(v)) v.forEach((x) => walk(x, key));
        else if (v !== null && typeof v === "object") {
            const o = v as Record<string, unknown>;
            if (key === "image" && typeof o.repository === "string") {
                const ref =
                    typeof o.digest === "string"
                        ? `@${o.digest}`
                        : typeof o.tag === "string"
                          ? `:${o.tag}`
                          : "";
                out.push(`${o.repository}${ref}`);
            }
            for (const [k, x] of Object.entries(o)) walk(x, k);
        } else if (key === "image" && typeof v === "string" && /[:@]/.test(v)) out.push(v);
    };
    walk(values, "");
    return out;
}

/** Each artifact a channel deploys, by kind, with the resource that declares it. */
export function artifacts(
    doc: DiffableDocument,
    readValues: ReadValuesFile = () => undefined,
): Array<{ kind: ArtifactKind; artifact: string; subject: string }> {
    const out: Array<{ kind: ArtifactKind; artifact: string; subject: string }> = [];
    for (const r of doc.resources) {
        const subject = `${r.type.split(":").pop()} ${r.name}`;
        if (r.type === TYPES.release) {
            if (isRemoteChart(r.inputs))
                out.push({ kind: "chart version", artifact: chartRef(r.inputs) ?? "?", subject });
            const files =
                (valueAt(r.inputs, "valueYamlFiles") as Array<{ path?: unknown }> | undefined) ?? [];
            const layers = [
                ...files.map((f) => (typeof f.path === "string" ? readValues(f.path) : undefined)),
            ].map((text) => (text === undefined ? undefined : parseYaml(text)));
            for (const values of [...layers, valueAt(r.inputs, "values")])
                for (const ref of imageReferences(values))
                    // A digest anywhere in the inputs is already an "image digest"; count a tag once.
                    if (!/sha256:[0-9a-f]{64}/.test(ref))
                        out.push({ kind: "image reference", artifact: ref, subject });
            for (const [, key, v] of leaves(r.inputs))
                if (isContentHashKey(key) && typeof v === "string")
                    out.push({
                        kind: "chart content",
                        artifact: `${String(valueAt(r.inputs, "chart"))} ${v}`,
                        subject,
                    });
        }
        if (r.type === TYPES.composer) {
            const pypi = valueAt(r.inputs, "config.softwareConfig.pypiPackages");
            out.push({ kind: "requirements", artifact: JSON.stringify(sorted(pypi ?? {})), subject });
            const image = valueAt(r.inputs, "config.softwareConfig.imageVersion");
            if (typeof image === "string") out.push({ kind: "composer image", artifact: image, subject });
        }
        if (r.type === TYPES.bucketObject)
            out.push({ kind: "dag content", artifact: objectContent(r), subject });
        if (r.type === TYPES.prefixManifest)
            for (const [name, entry] of Object.entries(manifestFiles(r.inputs)))
                // Each file is an artifact of its own, named by its object name (the manifest holds thousands).
                out.push({
                    kind: "dag content",
                    artifact: `${name} md5:${entry.split(" ")[0]}`,
                    subject: name,
                });
        // A local chart's content hash (`dataInfraChartHash: sha256:…`) is a chart artifact, counted above.
        for (const [, key, v] of leaves(r.inputs))
            if (typeof v === "string" && !isContentHashKey(key))
                for (const m of v.match(DIGEST) ?? [])
                    out.push({ kind: "image digest", artifact: m, subject });
    }
    return out;
}

function sorted(v: unknown): unknown {
    return v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(
              Object.keys(v)
                  .sort()
                  .map((k) => [k, (v as Record<string, unknown>)[k]]),
          )
        : v;
}

/** `dags/etl.py sha256:<hex>`: the object name with its content hash. */
function objectContent(r: DiffableResource): string {
    const name = valueAt(r.inputs, "name") ?? r.name;
    const hashes = leaves(r.inputs)
        .filter(([, key]) => /^(sha256|md5hash|sourceMd5hash|detectMd5hash|content.*hash)$/i.test(key))
        .map(([, , v]) => String(v));
    return `${String(name)} ${hashes.join(",") || JSON.stringify(valueAt(r.inputs, "content") ?? null)}`;
}

/**
 * The promotion check (`--promotion <from> <to>`): every chart version, local chart content hash, image digest,
 * requirements set, Composer image and DAG file content that `to` would deploy and `from` does not run. Channel
 * parameters (names, namespaces, sizes, replicas) are not artifacts, so they never count. Empty = safe to promote.
 */
export function checkPromotion(
    from: DiffableDocument,
    to: DiffableDocument,
    readValues?: ReadValuesFile,
): PromotionResult {
    const tested = new Set(artifacts(from, readValues).map((a) => `${a.kind}\0${a.artifact}`));
    const seen = new Set<string>();
    const findings = artifacts(to, readValues).filter((a) => {
        const key = `${a.kind}\0${a.artifact}\0${a.subject}`;
        if (tested.has(`${a.kind}\0${a.artifact}`) || seen.has(key)) return false;
        seen.add(key);
        return true;
    });
    return { from: from.stack, to: to.stack, findings };
}

/** The result as text that also reads as markdown (the promote workflow uses it as the pull request body). */
export function renderPromotionText(result: PromotionResult): string {
    if (!result.findings.length)
        return `Promotion ${result.from} → ${result.to}: OK — ${result.to} deploys nothing that ${result.from} does not run.`;
    return [
        `Promotion ${result.from} → ${result.to}: ${result.findings.length} artifact(s) in ${result.to} that ${result.from} does not run:`,
        "",
        ...result.findings.map((f) => `- ${f.kind}: ${f.subject}: ${shorten(f.artifact, 160)}`),
        "",
        `Deploy them to ${result.from} first (or make ${result.to} use what ${result.from} runs).`,
    ].join("\n");
}

/** The result as a markdown section (`--promotion … --format markdown`): a heading and a table of findings. */
export function renderPromotionMarkdown(result: PromotionResult): string {
    const title = `### Promotion \`${result.from}\` → \`${result.to}\``;
    if (!result.findings.length)
        return `${title}\n\n✅ \`${result.to}\` deploys nothing that \`${result.from}\` does not run.`;
    const cell = (s: string) =>
        (s.length > 160 ? `${s.slice(0, 159)}…` : s).replace(/\|/g, "\\|").replace(/`/g, "'");
    return [
        title,
        "",
        `❌ ${result.findings.length} artifact(s) in \`${result.to}\` that \`${result.from}\` does not run:`,
        "",
        "| kind | where | artifact |",
        "|---|---|---|",
        ...result.findings.map((f) => `| ${f.kind} | ${cell(f.subject)} | \`${cell(f.artifact)}\` |`),
        "",
        `Deploy them to \`${result.from}\` first (or make \`${result.to}\` use what \`${result.from}\` runs).`,
    ].join("\n");
}
