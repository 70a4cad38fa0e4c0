/**
 * The releases' inputs, computed from config and files (never the cloud): everything the Releases component
 * derives before creating a resource, and every check it makes first.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Problems } from "../../lib/problems";
import type { HelmReleaseConfig, ReleaseConfig, SecretRef } from "./types";
import { hashTree } from "./tree-hash";
import { fileFaultReason, leavesProject, projectPath, readProjectFile } from "../platform/paths";
import {
    mergeValues,
    parseValues,
    strings,
    jsonPath,
    validateAgainstSchema,
    valueAt,
    valuesAt,
    type Values,
    type ValuesLayer,
} from "./values";

/**
 * The values key that carries a local chart's content hash. Helm only upgrades a local chart when the Release's
 * inputs change, and the provider compares `Chart.yaml`'s version, not templates (pulumi-kubernetes#2118): the
 * hash makes every chart edit a visible input change. In-house charts allow the key in their schema and put it on
 * pod annotations, so pods also roll when templates change.
 */
export const CHART_HASH_KEY = "dataInfraChartHash";

/** Stand-in digest for schema checks at plan time, when the real digest is not known yet. */
const PLACEHOLDER_DIGEST = `sha256:${"0".repeat(64)}`;

/** What a Helm release needs besides image digests, all known at plan time. */
export interface HelmInputs {
    /** Local chart folder as a project path (`./charts/x`), or the chart name in `repo`. */
    readonly chart: string;
    readonly version?: string;
    readonly repo?: string;
    /** Absolute values file paths, in order. */
    readonly valuesFiles: readonly string[];
    /** Inline values plus the chart hash (local charts); image paths are added by the component. */
    readonly values: Values;
    /** `sha256:<hex>` of a local chart folder (honouring `.helmignore`). */
    readonly chartHash?: string;
    /** A local chart declares `dependencies`: fetch them before installing, as the legacy task did. */
    readonly dependencyUpdate?: boolean;
}

const isRemoteKustomization = (dir: string) => /^(https?:\/\/|git@|github\.com\/)/.test(dir);

/** The kustomization to render: a remote one as given, a local one as a project path. */
export function kustomizeDirectory(dir: string, rootDir: string): string {
    return isRemoteKustomization(dir) ? dir : projectPath(rootDir, dir);
}

/**
 * The content hash of a local kustomization (`sha256:<hex>`, the same tree hash as local charts), `undefined` for a
 * remote one (its URL pins the content). The provider renders the directory on every run, so an edit deploys
 * although no input changed; the offline review shows this hash so the edit is a visible change.
 */
export function kustomizeContentHash(dir: string, rootDir: string): string | undefined {
    if (isRemoteKustomization(dir)) return undefined;
    return `sha256:${hashTree(path.resolve(rootDir, dir)).sha256}`;
}

export function helmInputs(r: HelmReleaseConfig, rootDir: string): HelmInputs {
    const valuesFiles = r.valuesFiles.map((f) => projectPath(rootDir, f));
    if (r.repo !== undefined) {
        return { chart: r.chart, version: r.version, repo: r.repo, valuesFiles, values: r.values };
    }
    const dir = path.resolve(rootDir, r.chart);
    const chartHash = `sha256:${hashTree(dir, { ignoreFile: ".helmignore" }).sha256}`;
    return {
        chart: projectPath(rootDir, r.chart),
        valuesFiles,
        chartHash,
        values: { ...r.values, [CHART_HASH_KEY]: chartHash },
        ...(hasDependencies(dir) ? { dependencyUpdate: true } : {}),
    };
}

function hasDependencies(chartDir: string): boolean {
    const file = path.join(chartDir, "Chart.yaml");
    if (!fs.existsSync(file)) return false;
    const chart = parseValues(fs.readFileSync(file, "utf8")).values;
    return Array.isArray(chart?.dependencies) && chart.dependencies.length > 0;
}

/** The Kubernetes namespaces releases use, each once, sorted. */
export function namespacesOf(releases: readonly ReleaseConfig[]): string[] {
    return [...new Set(releases.flatMap((r) => [r.namespace, ...r.secrets.map((s) => s.namespace)]))]
        .filter((n): n is string => n !== undefined)
        .sort();
}

/** One Kubernetes Secret to declare, shared by every release that lists it in the same namespace. */
export interface PlannedSecret {
    /** Stable key for the Pulumi name: `<namespace or release>-<secret id>`. */
    readonly key: string;
    readonly namespace?: string;
    readonly ref: SecretRef;
    /** Releases that need it (they depend on it). */
    readonly releases: readonly string[];
}

/** The Secrets to declare: one per namespace and Secret Manager secret. */
export function plannedSecrets(releases: readonly ReleaseConfig[], problems?: Problems): PlannedSecret[] {
    const byKey = new Map<
        string,
        { namespace?: string; ref: SecretRef; releases: string[]; first: string }
    >();
    for (const r of releases) {
        for (const ref of r.secrets) {
            const namespace = ref.namespace ?? r.namespace;
            // One Kubernetes Secret per namespace and Secret name. "/" and "@" occur in neither namespaces nor
            // Secret names, so two different Secrets can never share a key (and a Pulumi name).
            const key = `${namespace ?? `@${r.name}`}/${ref.name ?? ref.secret}`;
            const seen = byKey.get(key);
            if (!seen) {
                byKey.set(key, { namespace, ref, releases: [r.name], first: r.name });
            } else if (JSON.stringify(seen.ref) !== JSON.stringify(ref)) {
                problems?.add(
                    `${r.name}: secrets ${ref.secret}`,
                    `declares the Kubernetes Secret ${ref.name ?? ref.secret} in namespace ${namespace ?? "(the manifest's)"} ` +
                        `differently from release ${seen.first}; declare it the same way`,
                );
            } else {
                seen.releases.push(r.name);
            }
        }
    }
    return [...byKey.entries()].map(([key, s]) => ({
        key,
        namespace: s.namespace,
        ref: s.ref,
        releases: s.releases,
    }));
}

/** What validation needs to know besides the releases. */
export interface ValidationContext {
    /** Folder that config paths are relative to (the repository root). */
    readonly rootDir: string;
    /** Names of images this program manages (config `images`). */
    readonly managedImages: readonly string[];
}

/**
 * Every problem with the releases, collected: missing charts, values files and kustomize folders, values files
 * that are not YAML maps, values that violate a local chart's `values.schema.json`, unknown image references and
 * hand-written tags for managed images. Messages read `<release>: <file or inline>: <JSON path>: <problem>`.
 */
export function validateReleases(releases: readonly ReleaseConfig[], ctx: ValidationContext): Problems {
    const problems = new Problems();
    for (const r of releases) {
        if (r.driver === "kustomize") {
            if (!isRemoteKustomization(r.kustomizeDir)) {
                const where = `${r.name}: kustomizeDir ${r.kustomizeDir}`;
                if (leavesProject(r.kustomizeDir)) {
                    problems.add(where, "is outside the repository; kustomize folders must be inside it");
                    continue;
                }
                const dir = path.resolve(ctx.rootDir, r.kustomizeDir);
                const fault = folderFault(dir);
                if (fault) {
                    problems.add(where, fault);
                    continue;
                }
                const found = ["kustomization.yaml", "kustomization.yml", "Kustomization"].some((f) =>
                    fs.existsSync(path.join(dir, f)),
                );
                if (!found) problems.add(where, "has no kustomization.yaml");
            }
        } else {
            validateHelm(r, ctx, problems);
        }
    }
    plannedSecrets(releases, problems);
    return problems;
}

/** Why `dir` is not a usable folder (missing, a file, a link loop, a dangling link), or `undefined`. */
function folderFault(dir: string): string | undefined {
    try {
        if (!fs.statSync(dir).isDirectory()) return "is a file, not a folder";
        return undefined;
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") {
            try {
                if (fs.lstatSync(dir).isSymbolicLink())
                    return "is a symbolic link to nothing (dangling link)";
            } catch {
                // not there at all
            }
            return "folder not found";
        }
        return fileFaultReason(e);
    }
}

/** Reads a repository file as Helm reads YAML; every file-system fault becomes a problem string. */
function readYamlFile(rootDir: string, file: string): { values?: Values; problem?: string; missing?: true } {
    let bytes: Buffer | undefined;
    try {
        // Committed links may point elsewhere in the checkout (the legacy layout links charts); the path itself
        // was checked to stay inside, and YAML problems never echo file content.
        bytes = readProjectFile(rootDir, file, { linksMayLeave: true });
    } catch (e) {
        return { problem: fileFaultReason(e) };
    }
    if (bytes === undefined) return { missing: true };
    return parseValues(bytes.toString("utf8").replace(/^\uFEFF/, ""));
}

// Helm's pkg/chart/metadata.go `Validate`: apiVersion v1|v2, name and version required, version SemVer 2,
// type application|library.
const SEMVER =
    /^v?(0|[1-9]\d*)(\.(0|[1-9]\d*))?(\.(0|[1-9]\d*))?(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** What Helm refuses in a local chart's Chart.yaml (`helm install` fails with "chart.metadata…"). */
export function chartMetadataProblems(chart: Values): string[] {
    const out: string[] = [];
    const str = (k: string) => (typeof chart[k] === "string" ? (chart[k] as string) : undefined);
    if (chart.apiVersion === undefined) out.push("apiVersion is required (v2)");
    else if (chart.apiVersion !== "v1" && chart.apiVersion !== "v2") {
        out.push(`apiVersion must be v1 or v2 (got ${JSON.stringify(chart.apiVersion)})`);
    }
    if (!str("name")) out.push("name is required");
    else if (/[/\\]/.test(str("name")!))
        out.push(`name must not contain a path separator (got ${JSON.stringify(chart.name)})`);
    if (chart.version === undefined || chart.version === "") out.push("version is required");
    else if (typeof chart.version !== "string" || !SEMVER.test(chart.version)) {
        // Helm reads `version: 1.0` as the number 1, which is not a SemVer string either.
        out.push(`version must be a SemVer 2 string such as 0.1.0 (got ${JSON.stringify(chart.version)})`);
    }
    if (chart.type !== undefined && chart.type !== "application" && chart.type !== "library") {
        out.push(`type must be application or library (got ${JSON.stringify(chart.type)})`);
    }
    return out;
}

function validateHelm(r: HelmReleaseConfig, ctx: ValidationContext, problems: Problems): void {
    const layers: ValuesLayer[] = [];
    let chartDir: string | undefined;
    if (r.repo === undefined) {
        const where = `${r.name}: chart ${r.chart}`;
        const fault = leavesProject(r.chart)
            ? "is outside the repository; local charts must be inside it"
            : folderFault(path.resolve(ctx.rootDir, r.chart))?.replace(
                  /^folder not found$/,
                  "chart folder not found",
              );
        const chartFile = path.posix.join(r.chart.split(path.sep).join("/"), "Chart.yaml");
        const meta = fault ? undefined : readYamlFile(ctx.rootDir, chartFile);
        if (fault) {
            problems.add(where, fault);
        } else if (meta?.missing) {
            problems.add(where, "has no Chart.yaml");
        } else if (meta?.problem) {
            problems.add(`${r.name}: ${chartFile}`, meta.problem);
        } else {
            const bad = chartMetadataProblems(meta?.values ?? {});
            for (const p of bad) problems.add(`${r.name}: ${chartFile}`, p);
            if (!bad.length) chartDir = path.resolve(ctx.rootDir, r.chart);
        }
        if (chartDir) {
            const defaults = readYamlFile(chartDir, "values.yaml");
            if (defaults.problem) problems.add(`${r.name}: ${r.chart}/values.yaml`, defaults.problem);
            if (defaults.values) layers.push({ label: `${r.chart}/values.yaml`, values: defaults.values });
        }
    }
    let readable = true;
    for (const f of r.valuesFiles) {
        if (leavesProject(f)) {
            problems.add(`${r.name}: ${f}`, "values file is outside the repository");
            readable = false;
            continue;
        }
        const parsed = readYamlFile(ctx.rootDir, f);
        if (parsed.missing) {
            problems.add(`${r.name}: ${f}`, "values file not found");
            readable = false;
        } else if (parsed.problem) {
            problems.add(`${r.name}: ${f}`, parsed.problem);
            readable = false;
        } else {
            layers.push({ label: f, values: parsed.values ?? {} });
        }
    }
    layers.push({ label: "inline values", values: r.values });
    checkImages(r, layers, ctx, problems);
    if (!chartDir || !readable) return;

    const schemaFile = path.join(chartDir, "values.schema.json");
    if (!fs.existsSync(schemaFile)) return;
    let schema: unknown;
    try {
        schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
    } catch (e) {
        problems.add(`${r.name}: ${r.chart}/values.schema.json`, `not valid JSON: ${(e as Error).message}`);
        return;
    }
    let inputs: HelmInputs;
    try {
        inputs = helmInputs(r, ctx.rootDir);
    } catch (e) {
        problems.add(`${r.name}: chart ${r.chart}`, `cannot be read: ${fileFaultReason(e)}`);
        return;
    }
    layers.push({
        label: `chart hash (${CHART_HASH_KEY}, added by data-infra)`,
        values: { [CHART_HASH_KEY]: inputs.chartHash },
    });
    for (const [valuesPath, image] of Object.entries(r.images)) {
        layers.push({
            label: `images.${valuesPath}`,
            values: valuesAt(valuesPath, `registry.invalid/${image}@${PLACEHOLDER_DIGEST}`),
        });
    }
    try {
        for (const v of validateAgainstSchema(schema as object, mergeValues(layers))) {
            problems.add(`${r.name}: ${v.source}: ${v.path}`, v.problem);
        }
    } catch (e) {
        problems.add(
            `${r.name}: ${r.chart}/values.schema.json`,
            `not a usable JSON schema: ${(e as Error).message}`,
        );
    }
}

/**
 * Managed images are wired by digest: a release may reference only images this program manages, and no values
 * layer may pin a managed image by hand (a hand-written tag is exactly what let prod drift from test).
 */
function checkImages(
    r: HelmReleaseConfig,
    layers: readonly ValuesLayer[],
    ctx: ValidationContext,
    problems: Problems,
): void {
    const managed = new Set(ctx.managedImages);
    for (const [valuesPath, image] of Object.entries(r.images)) {
        if (!managed.has(image)) {
            problems.add(
                `${r.name}: images.${valuesPath}`,
                `unknown image; managed images: ${[...managed].join(", ") || "none (config images)"}`,
                image,
            );
        }
        for (const layer of layers) {
            if (layer.label.endsWith("/values.yaml")) continue; // the chart's own default is always overridden
            if (valueAt(layer.values, valuesPath) !== undefined) {
                problems.add(
                    `${r.name}: ${layer.label}: $.${valuesPath}`,
                    `hand-written value for managed image ${image}; remove it, images.${valuesPath} wires the digest`,
                );
            }
        }
    }
    for (const layer of layers) {
        for (const [pointer, s] of strings(layer.values)) {
            const tagged = /(?:^|\/)([a-z0-9]+(?:[._-][a-z0-9]+)*):[\w][\w.-]{0,127}$/.exec(s);
            if (tagged && managed.has(tagged[1]) && !layer.label.endsWith("/values.yaml")) {
                problems.add(
                    `${r.name}: ${layer.label}: ${jsonPath(pointer)}`,
                    `hand-written tag for managed image ${tagged[1]}; reference it in the release's images instead`,
                    s,
                );
            }
        }
    }
}
