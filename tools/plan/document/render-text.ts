import type { PlanDocument, PlanResource } from "../../../lib/plan-document";
import { byCodeUnit } from "../../../lib/order";
import { shorten } from "../../../lib/shorten";
import { renderSummary } from "./summary";

/** How much of each resource the text view shows; the JSON view always has everything. */
export interface TextLimits {
    /** Input lines per resource before the rest is counted. */
    readonly inputLines: number;
    /** Siblings of one type above which they are grouped by name prefix with counts. */
    readonly groupAbove: number;
    /** Characters of one value. */
    readonly valueWidth: number;
}

export const DEFAULT_LIMITS: TextLimits = { inputLines: 8, groupAbove: 12, valueWidth: 90 };
/** `--full`: every input of every resource. */
export const FULL_LIMITS: TextLimits = { ...DEFAULT_LIMITS, inputLines: Number.POSITIVE_INFINITY };

/**
 * The inputs that say what a resource of this type is, shown first (in this order, by path prefix); the others
 * follow alphabetically up to the limit.
 */
export const KEY_INPUTS: Readonly<Record<string, readonly string[]>> = {
    "gcp:composer/environment:Environment": [
        "name",
        "config.softwareConfig.imageVersion",
        "config.environmentSize",
        "config.softwareConfig.pypiPackages",
        "config.nodeConfig.serviceAccount",
        "config.softwareConfig.envVariables",
    ],
    "kubernetes:helm.sh/v3:Release": [
        "namespace",
        "name",
        "chart",
        "version",
        "repositoryOpts",
        "valueYamlFiles",
        "values",
    ],
    "kubernetes:core/v1:Secret": ["metadata.namespace", "metadata.name", "type"],
    "kubernetes:core/v1:Namespace": ["metadata.name"],
    "gcp:storage/bucketObject:BucketObject": ["name", "source", "sourceMd5hash"],
    "gcsmanifest:index:PrefixManifest": ["prefix", "source", "bucket"],
    "docker:index/image:Image": ["imageName", "build.context", "build.dockerfile"],
    "gcp:artifactregistry/repository:Repository": ["repositoryId", "location", "project"],
    "github:index/branchProtection:BranchProtection": [
        "pattern",
        "requiredStatusChecks",
        "requiredPullRequestReviews",
    ],
    "github:index/repositoryEnvironment:RepositoryEnvironment": [
        "environment",
        "reviewers",
        "deploymentBranchPolicy",
    ],
};

// Inputs every resource of a kind carries; they say nothing about this resource.
const BORING = new Set(["apiVersion", "kind"]);

/** The plan as a tree (component → children) with each resource's key inputs. */
export function renderText(doc: PlanDocument, limits: TextLimits = DEFAULT_LIMITS): string {
    const children = new Map<string | null, PlanResource[]>();
    for (const r of doc.resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const summary = renderSummary(doc);
    const out: string[] = [
        `Stack ${doc.stack} (project ${doc.project}): ${doc.resources.length} resources`,
        `  ${doc.note}`,
        "",
        ...(summary.length ? [...summary, ""] : []),
    ];
    const walk = (r: PlanResource, prefix: string, last: boolean, root: boolean) => {
        const branch = root ? "" : last ? "└─ " : "├─ ";
        const flags = optionFlags(r);
        out.push(`${prefix}${branch}${r.type} ${r.name}${flags ? `  [${flags}]` : ""}`);
        const childPrefix = root ? "" : prefix + (last ? "   " : "│  ");
        const kids = children.get(r.urn) ?? [];
        const detailPrefix = childPrefix + (kids.length ? "│    " : "     ");
        for (const line of inputLines(r.inputs, limits, KEY_INPUTS[r.type])) out.push(detailPrefix + line);
        const items = groupSiblings(kids, limits);
        items.forEach((item, i) => {
            const isLast = i === items.length - 1;
            if ("group" in item) {
                out.push(
                    `${childPrefix}${isLast ? "└─ " : "├─ "}${item.type} × ${item.group.length} (grouped; --format json lists each)`,
                );
                const counts = prefixCounts(item.group);
                out.push(`${childPrefix}${isLast ? "   " : "│  "}     ${counts}`);
            } else {
                walk(item, childPrefix, isLast, false);
            }
        });
    };
    for (const top of children.get(null) ?? []) walk(top, "", true, true);
    return out.join("\n");
}

function optionFlags(r: PlanResource): string {
    const o = r.options;
    const flags: string[] = [];
    if (o.protect) flags.push("protected");
    if (o.retainOnDelete) flags.push("retain on delete");
    if (o.deleteBeforeReplace) flags.push("delete before replace");
    if (o.importId) flags.push(`import ${o.importId}`);
    if (o.customTimeouts) {
        const t = o.customTimeouts;
        flags.push(
            `timeouts ${[t.create && `create ${t.create}`, t.update && `update ${t.update}`, t.delete && `delete ${t.delete}`].filter(Boolean).join(", ")}`,
        );
    }
    if (o.ignoreChanges) flags.push(`ignore changes to ${o.ignoreChanges.join(", ")}`);
    return flags.join("; ");
}

type Item = PlanResource | { type: string; group: PlanResource[] };

/** Siblings of one type beyond the limit collapse into one line, so thousands of DAG files stay readable. */
function groupSiblings(kids: PlanResource[], limits: TextLimits): Item[] {
    const byType = new Map<string, PlanResource[]>();
    for (const k of kids) byType.set(k.type, [...(byType.get(k.type) ?? []), k]);
    const items: Item[] = [];
    const grouped = new Set<string>();
    for (const k of kids) {
        const same = byType.get(k.type)!;
        if (same.length > limits.groupAbove) {
            if (!grouped.has(k.type)) {
                grouped.add(k.type);
                items.push({ type: k.type, group: same });
            }
        } else {
            items.push(k);
        }
    }
    return items;
}

/** `dags/: 1,200  plugins/: 34` — counts by the first segment of the resource name. */
function prefixCounts(group: PlanResource[]): string {
    const counts = new Map<string, number>();
    for (const r of group) {
        const slash = r.name.indexOf("/");
        const key = slash > 0 ? r.name.slice(0, slash + 1) : "(other)";
        counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts.entries()]
        .sort(([a], [b]) => byCodeUnit(a, b))
        .map(([k, n]) => `${k}: ${n.toLocaleString("en-US")}`)
        .join("   ");
}

/** `path: value` lines; maps of many scalars are counted instead of listed. */
export function inputLines(
    inputs: Record<string, unknown>,
    limits: TextLimits,
    keyInputs: readonly string[] = [],
): string[] {
    let lines: string[] = [];
    const visit = (v: unknown, at: string) => {
        if (v !== null && typeof v === "object" && !Array.isArray(v) && !isLeafObject(v)) {
            const entries = Object.entries(v as Record<string, unknown>);
            if (entries.length > 6 && entries.every(([, e]) => e === null || typeof e !== "object")) {
                lines.push(`${at}: {${entries.length} entries}`);
                return;
            }
            for (const [k, e] of entries) if (!(at === "" && BORING.has(k))) visit(e, at ? `${at}.${k}` : k);
            return;
        }
        lines.push(`${at}: ${short(v, limits.valueWidth)}`);
    };
    visit(inputs, "");
    const rank = (line: string) => {
        const i = keyInputs.findIndex((k) => line.startsWith(`${k}:`) || line.startsWith(`${k}.`));
        return i < 0 ? keyInputs.length : i;
    };
    lines = lines
        .map((l, i) => ({ l, i, r: rank(l) }))
        .sort((a, b) => a.r - b.r || a.i - b.i)
        .map((x) => x.l);
    if (lines.length > limits.inputLines) {
        const rest = lines.length - limits.inputLines;
        return [...lines.slice(0, limits.inputLines), `… ${rest} more input${rest === 1 ? "" : "s"}`];
    }
    return lines;
}

function isLeafObject(v: object): boolean {
    return "asset" in v || "archive" in v || "resource" in v;
}

function short(v: unknown, width: number): string {
    const text = typeof v === "string" ? v : JSON.stringify(v);
    return shorten((text ?? "undefined").replace(/\n/g, "\\n"), width);
}
