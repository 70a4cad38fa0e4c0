import { TYPES, valueAt, type PlanDiff, type ResourceDiff } from "../../../../lib/plan-document";
import { byCodeUnit } from "../../../../lib/order";

/** Bucket object changes under one prefix (`dags/`, `plugins/`, …), object names sorted. */
export interface PrefixChanges {
    readonly prefix: string;
    readonly added: readonly string[];
    readonly changed: readonly string[];
    readonly removed: readonly string[];
}

/** The object name of a bucket object (`dags/etl/load.py`): its `name` input, else its resource name. */
export function objectName(r: ResourceDiff): string {
    const n = valueAt(r.head?.inputs ?? r.base?.inputs, "name");
    return typeof n === "string" ? n : r.name;
}

/** The first path segment with its slash (`dags/`), or `(root)` for objects at the bucket root. */
export function prefixOf(objectPath: string): string {
    const i = objectPath.indexOf("/");
    return i < 0 ? "(root)" : objectPath.slice(0, i + 1);
}

/**
 * The `files` of a manifest resource's inputs (object name → `"<md5> <size> <content type>"`); read directly,
 * since object names hold dots that a dotted path would split.
 */
export function manifestFiles(inputs: unknown): Readonly<Record<string, string>> {
    const files = (inputs as { files?: unknown } | undefined)?.files;
    return files !== null && typeof files === "object" && !Array.isArray(files)
        ? (files as Record<string, string>)
        : {};
}

/** Files added, changed and removed between a manifest resource's base and head, names sorted by code unit. */
export function manifestChanges(r: ResourceDiff): { added: string[]; changed: string[]; removed: string[] } {
    const base = manifestFiles(r.base?.inputs);
    const head = manifestFiles(r.head?.inputs);
    const added: string[] = [];
    const changed: string[] = [];
    for (const [name, entry] of Object.entries(head)) {
        if (!(name in base)) added.push(name);
        else if (base[name] !== entry) changed.push(name);
    }
    const removed = Object.keys(base).filter((name) => !(name in head));
    return {
        added: added.sort(byCodeUnit),
        changed: changed.sort(byCodeUnit),
        removed: removed.sort(byCodeUnit),
    };
}

/**
 * Files added, changed and removed, grouped by prefix (prefixes sorted): each file of a manifest resource
 * (one per prefix), and each per-file bucket object (the design before issue 22, so a review across the switch
 * still names files).
 */
export function dagChanges(diff: PlanDiff): PrefixChanges[] {
    const byPrefix = new Map<string, { added: string[]; changed: string[]; removed: string[] }>();
    for (const r of diff.resources) {
        if (r.type === TYPES.prefixManifest) {
            const c = manifestChanges(r);
            for (const [kind, names] of Object.entries(c) as [keyof typeof c, string[]][]) {
                for (const name of names) {
                    const prefix = prefixOf(name);
                    const entry = byPrefix.get(prefix) ?? { added: [], changed: [], removed: [] };
                    entry[kind].push(name);
                    byPrefix.set(prefix, entry);
                }
            }
            continue;
        }
        if (r.type !== TYPES.bucketObject) continue;
        const name = objectName(r);
        const prefix = prefixOf(name);
        const entry = byPrefix.get(prefix) ?? { added: [], changed: [], removed: [] };
        const list = r.kind === "add" ? entry.added : r.kind === "remove" ? entry.removed : entry.changed;
        list.push(name);
        byPrefix.set(prefix, entry);
    }
    return [...byPrefix.entries()]
        .sort(([a], [b]) => byCodeUnit(a, b))
        .map(([prefix, e]) => ({
            prefix,
            added: e.added.sort(byCodeUnit),
            changed: e.changed.sort(byCodeUnit),
            removed: e.removed.sort(byCodeUnit),
        }));
}

/** Removed files under `dags/`: Airflow stops scheduling them, so they are called out. */
export function removedDags(changes: readonly PrefixChanges[]): string[] {
    return changes.filter((c) => c.prefix === "dags/").flatMap((c) => c.removed);
}
