import type { PlanDocument, PlanResource } from "../../../lib/plan-document";
import { byCodeUnit } from "../../../lib/order";
import { shorten } from "../../../lib/shorten";

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
    const out: string[] = [
        `Stack ${doc.stack} (project ${doc.project}): ${doc.resources.length} resources`,
        `  ${doc.note}`,
        "",
    ];
    const walk = (r: PlanResource, prefix: string, last: boolean, root: boolean) => {
        const branch = root ? "" : last ? "└─ " : "├─ ";
        const flags = optionFlags(r);
        out.push(`${prefix}${branch}${r.type} ${r.name}${flags ? `  [${flags}]` : ""}`);
        const childPrefix = root ? "" : prefix + (last ? "   " : "│  ");
        const kids = children.get(r.urn) ?? [];
        const detailPrefix = childPrefix + (kids.length ? "│    " : "     ");
        for (const line of inputLines(r.inputs, limits)) out.push(detailPrefix + line);
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
export function inputLines(inputs: Record<string, unknown>, limits: TextLimits): string[] {
    const lines: string[] = [];
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
