/**
 * Rendered Kubernetes manifests of changed local charts and local kustomize directories, both sides, diffed per
 * object: what `helm upgrade` or the kustomize Directory would apply, not only which inputs changed. Rendering needs
 * `helm` for charts and `kustomize` (or `kubectl kustomize`) for kustomize directories on PATH: GitHub's hosted
 * runners ship helm and kubectl; our CI builds helm v3.19.5 and kustomize v5.5.0 from their Go modules
 * (`.ci/install-helm.sh`, `.ci/install-kustomize.sh`). Without them the review says so in one line. Secret values
 * and credential-named values are masked before anything is compared or shown.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import {
    KUSTOMIZE_HASH_KEY,
    TYPES,
    type DiffableDocument,
    type PlanDiff,
} from "../../../../lib/plan-document";
import { sortKeys } from "../../../../lib/stable-json";
import { redactCredentials } from "../../../../lib/credentials";

/** What one changed object looks like on both sides, as a unified diff of its YAML. */
export interface ObjectDiff {
    /** `Kind namespace/name` (`Deployment reports/reports-site`); cluster-scoped objects have no namespace. */
    readonly object: string;
    readonly kind: "added" | "removed" | "changed";
    /** Unified diff lines (`-`, `+`, ` `), without file headers. */
    readonly diff: string;
}

/** The rendered-manifest diff of one Helm release or kustomize directory. */
export interface ReleaseManifests {
    /** `<namespace>/<release name>` of a Helm release; `kustomize <directory>` of a kustomize directory. */
    readonly release: string;
    readonly objects: readonly ObjectDiff[];
    /** Why a side could not be rendered (helm's own message, first line). */
    readonly error?: string;
}

/** The review's rendered-manifest section: the releases rendered, or why nothing was rendered. */
export interface ManifestReview {
    /** `false` when no candidate could be rendered for want of a tool; `releases` is then empty. */
    readonly rendered: boolean;
    /** Changed releases of local charts and changed local kustomize directories (what would be rendered). */
    readonly candidates: number;
    /** The tools that were needed and not on PATH (`helm`, `kustomize or kubectl`), with their candidates. */
    readonly missing: ReadonlyArray<{ readonly tool: string; readonly candidates: number }>;
    /** Releases whose rendering differs (or failed), sorted by release. */
    readonly releases: readonly ReleaseManifests[];
}

/** One side's rendering of a release. */
export interface Rendered {
    readonly manifest?: string;
    readonly error?: string;
}

/** The renderers found on PATH: `helm` for charts, `kustomize` (or `kubectl kustomize`) for kustomize directories. */
export interface Renderers {
    readonly helm?: string;
    /** The command that renders a kustomization folder given as its last argument. */
    readonly kustomize?: readonly string[];
}

/** The renderers on a PATH: kustomize's own binary first, then kubectl's embedded kustomize. */
export function findRenderers(envPath = process.env.PATH ?? ""): Renderers {
    const helm = onPath("helm", envPath);
    const kustomize = onPath("kustomize", envPath);
    const kubectl = onPath("kubectl", envPath);
    return {
        ...(helm ? { helm } : {}),
        ...(kustomize
            ? { kustomize: [kustomize, "build"] }
            : kubectl
              ? { kustomize: [kubectl, "kustomize"] }
              : {}),
    };
}

/** What one rendered thing needs: a local chart's template input, or a local kustomize directory. */
type RenderInput =
    | { readonly tool: "helm"; readonly label: string; readonly namespace: string; readonly t: TemplateInput }
    | {
          readonly tool: "kustomize";
          readonly label: string;
          readonly namespace: string;
          readonly dir: string;
      };

/** A Release of a local chart or a Directory of a local kustomization, as something to render; else `undefined`. */
export function renderInput(
    type: string,
    inputs: Record<string, unknown>,
    projectDir: string,
): RenderInput | undefined {
    if (type === TYPES.release) {
        const t = templateInput(inputs, projectDir);
        return t && { tool: "helm", label: `${t.namespace}/${t.name}`, namespace: t.namespace, t };
    }
    if (type === TYPES.kustomize) {
        const dir = inputs.directory;
        // Only a local folder: the plan document gives it a content hash; a remote kustomization is pinned by its URL.
        if (typeof dir !== "string" || inputs[KUSTOMIZE_HASH_KEY] === undefined) return undefined;
        return {
            tool: "kustomize",
            label: `kustomize ${dir}`,
            namespace: typeof inputs.namespace === "string" ? inputs.namespace : "default",
            dir: path.resolve(projectDir, dir),
        };
    }
    return undefined;
}

function renderOne(tools: Renderers, input: RenderInput): Rendered | undefined {
    if (input.tool === "helm") return tools.helm ? helmTemplate(tools.helm, input.t) : undefined;
    return tools.kustomize ? kustomizeBuild(tools.kustomize, input.dir) : undefined;
}

/** Every local chart and local kustomization of a plan document rendered, by URN (`projectDir`: the side's project). */
export function renderReleases(
    tools: Renderers,
    doc: DiffableDocument,
    projectDir: string,
): Map<string, Rendered> {
    const out = new Map<string, Rendered>();
    for (const r of doc.resources) {
        const input = renderInput(r.type, r.inputs, projectDir);
        const rendered = input && renderOne(tools, input);
        if (rendered) out.set(r.urn, rendered);
    }
    return out;
}

/**
 * The rendered-manifest diff of every changed local-chart Release and local kustomize Directory: base side from
 * `base` (rendered while the base revision's tree existed), head side rendered now from `headDir`. A candidate
 * whose tool is missing is counted in `missing`.
 */
export function reviewManifests(
    diff: PlanDiff,
    tools: Renderers,
    base: ReadonlyMap<string, Rendered>,
    headDir: string,
): ManifestReview {
    const changed = diff.resources.flatMap((r) => {
        if (r.kind !== "change" || !r.base || !r.head) return [];
        const before = renderInput(r.type, r.base.inputs, headDir);
        const after = renderInput(r.type, r.head.inputs, headDir);
        return before && after ? [{ urn: r.urn, input: after }] : [];
    });
    const missing = (["helm", "kustomize"] as const)
        .map((tool) => ({
            tool: tool === "helm" ? "helm" : "kustomize or kubectl",
            candidates: changed.filter((c) => c.input.tool === tool && !tools[tool]).length,
        }))
        .filter((m) => m.candidates > 0);
    const releases: ReleaseManifests[] = [];
    for (const { urn, input } of changed) {
        const after = renderOne(tools, input);
        if (!after) continue;
        const before = base.get(urn) ?? { error: "the base side was not rendered" };
        const error = before.error
            ? `base: ${before.error}`
            : after.error
              ? `head: ${after.error}`
              : undefined;
        if (error) {
            releases.push({ release: input.label, objects: [], error });
            continue;
        }
        const objects = diffManifests(before.manifest ?? "", after.manifest ?? "", input.namespace);
        if (objects.length) releases.push({ release: input.label, objects });
    }
    releases.sort((a, b) => (a.release < b.release ? -1 : a.release > b.release ? 1 : 0));
    const rendered = changed.length === 0 || changed.some((c) => tools[c.input.tool]);
    return { rendered, candidates: changed.length, missing, releases };
}

/** The value every Secret's `data`/`stringData` entry is shown as. */
export const MASKED = "[masked]";

/** A Secret with every `data` and `stringData` value masked (keys kept, so a new key still shows). */
export function maskSecrets(doc: unknown): unknown {
    if (doc === null || typeof doc !== "object") return doc;
    const o = doc as Record<string, unknown>;
    if (o.kind !== "Secret") return doc;
    const mask = (m: unknown) =>
        m !== null && typeof m === "object"
            ? Object.fromEntries(Object.keys(m as object).map((k) => [k, MASKED]))
            : m;
    return {
        ...o,
        ...(o.data !== undefined ? { data: mask(o.data) } : {}),
        ...(o.stringData !== undefined ? { stringData: mask(o.stringData) } : {}),
    };
}

/**
 * The objects of a multi-document manifest by `Kind namespace/name`, each as YAML lines with keys sorted, Secret
 * values masked and credential-named values redacted (an `env` entry `DB_PASSWORD` included).
 */
export function manifestObjects(text: string, defaultNamespace: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const d of parseAllDocuments(text)) {
        const doc = redactCredentials(maskSecrets(d.toJS())) as Record<string, unknown> | null;
        if (doc === null || typeof doc !== "object") continue;
        const meta = (doc.metadata ?? {}) as Record<string, unknown>;
        const ns = typeof meta.namespace === "string" ? meta.namespace : defaultNamespace;
        const id = `${String(doc.kind)} ${ns ? `${ns}/` : ""}${String(meta.name)}`;
        out.set(id, stringify(sortKeys(doc), { lineWidth: 0 }).trimEnd().split("\n"));
    }
    return out;
}

/**
 * A unified diff of two line lists with `context` lines around each change, hunks headed `@@ -a,b +c,d @@`.
 * Longest-common-subsequence based; quadratic, which is fine for one object's manifest.
 */
export function unifiedDiff(a: readonly string[], b: readonly string[], context = 3): string {
    const n = a.length;
    const m = b.length;
    const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--)
        for (let j = m - 1; j >= 0; j--)
            lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    const ops: Array<{ t: " " | "-" | "+"; line: string; ai: number; bi: number }> = [];
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[i] === b[j]) ops.push({ t: " ", line: a[i], ai: i++, bi: j++ });
        // Deletions before insertions, as diff(1) writes them.
        else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1]))
            ops.push({ t: "-", line: a[i], ai: i++, bi: j });
        else ops.push({ t: "+", line: b[j], ai: i, bi: j++ });
    }
    const hunks: string[] = [];
    let k = 0;
    while (k < ops.length) {
        if (ops[k].t === " ") {
            k++;
            continue;
        }
        let start = Math.max(0, k - context);
        let end = k;
        // Extend the hunk while the next change is within 2 × context unchanged lines.
        for (;;) {
            while (end < ops.length && ops[end].t !== " ") end++;
            let next = end;
            while (next < ops.length && ops[next].t === " ") next++;
            if (next < ops.length && next - end <= 2 * context) end = next;
            else break;
        }
        const stop = Math.min(ops.length, end + context);
        const slice = ops.slice(start, stop);
        const aLen = slice.filter((o) => o.t !== "+").length;
        const bLen = slice.filter((o) => o.t !== "-").length;
        const aStart = (slice[0]?.ai ?? 0) + (aLen ? 1 : 0);
        const bStart = (slice[0]?.bi ?? 0) + (bLen ? 1 : 0);
        hunks.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`, ...slice.map((o) => `${o.t}${o.line}`));
        k = stop;
        start = stop;
    }
    return hunks.join("\n");
}

/** Per-object changes between two renderings, objects sorted (code units). */
export function diffManifests(before: string, after: string, namespace: string): ObjectDiff[] {
    const a = manifestObjects(before, namespace);
    const b = manifestObjects(after, namespace);
    const ids = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const out: ObjectDiff[] = [];
    for (const id of ids) {
        const x = a.get(id);
        const y = b.get(id);
        if (x && y && x.join("\n") === y.join("\n")) continue;
        out.push({
            object: id,
            kind: !x ? "added" : !y ? "removed" : "changed",
            diff: unifiedDiff(x ?? [], y ?? []),
        });
    }
    return out;
}

/** The absolute path of an executable on PATH, if any. */
export function onPath(name: string, envPath = process.env.PATH ?? ""): string | undefined {
    for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
        const file = path.join(dir, name);
        try {
            fs.accessSync(file, fs.constants.X_OK);
            if (fs.statSync(file).isFile()) return file;
        } catch {
            // not here
        }
    }
    return undefined;
}

/** What `helm template` needs of a Release's plan-document inputs, resolved against its project folder. */
export interface TemplateInput {
    readonly name: string;
    readonly namespace: string;
    readonly chartDir: string;
    readonly valuesFiles: readonly string[];
    readonly values: unknown;
}

/** The Release's template input from its plan-document inputs, or `undefined` for a remote chart. */
export function templateInput(
    inputs: Record<string, unknown>,
    projectDir: string,
): TemplateInput | undefined {
    const chart = inputs.chart;
    if (typeof chart !== "string" || inputs.repositoryOpts !== undefined || /^(oci|https?):\/\//.test(chart))
        return undefined;
    const files = Array.isArray(inputs.valueYamlFiles) ? inputs.valueYamlFiles : [];
    return {
        name: String(inputs.name),
        namespace: String(inputs.namespace ?? "default"),
        chartDir: path.resolve(projectDir, chart),
        valuesFiles: files.flatMap((f) => {
            const p = (f as { path?: unknown } | null)?.path;
            return typeof p === "string" ? [path.resolve(projectDir, p)] : [];
        }),
        values: inputs.values ?? {},
    };
}

/**
 * `helm template` of one release (values files in order, inline values last, as the provider merges them): the
 * manifest text, or the error's first line. Inline values are passed as a file, never on the command line.
 */
export function helmTemplate(helm: string, t: TemplateInput): { manifest?: string; error?: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-template-"));
    try {
        const inline = path.join(dir, "values.json");
        fs.writeFileSync(inline, JSON.stringify(t.values));
        const r = spawnSync(
            helm,
            [
                "template",
                t.name,
                t.chartDir,
                "--namespace",
                t.namespace,
                ...t.valuesFiles.flatMap((f) => ["--values", f]),
                "--values",
                inline,
            ],
            { encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, HELM_CACHE_HOME: dir } },
        );
        if (r.status === 0) return { manifest: r.stdout };
        return { error: (r.stderr || r.error?.message || "helm template failed").trim().split("\n")[0] };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** `kustomize build <dir>` (or `kubectl kustomize <dir>`): the manifest text, or the error's first line. */
export function kustomizeBuild(command: readonly string[], dir: string): Rendered {
    const [bin, ...args] = command;
    const r = spawnSync(bin, [...args, dir], { encoding: "utf8", maxBuffer: 1 << 28 });
    if (r.status === 0) return { manifest: r.stdout };
    return { error: (r.stderr || r.error?.message || "kustomize build failed").trim().split("\n")[0] };
}
