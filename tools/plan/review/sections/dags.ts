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

/** Bucket object files added, changed and removed, grouped by prefix (prefixes sorted). */
export function dagChanges(diff: PlanDiff): PrefixChanges[] {
    const byPrefix = new Map<string, { added: string[]; changed: string[]; removed: string[] }>();
    for (const r of diff.resources) {
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
            added: e.added.sort(),
            changed: e.changed.sort(),
            removed: e.removed.sort(),
        }));
}

/** Removed files under `dags/`: Airflow stops scheduling them, so they are called out. */
export function removedDags(changes: readonly PrefixChanges[]): string[] {
    return changes.filter((c) => c.prefix === "dags/").flatMap((c) => c.removed);
}
