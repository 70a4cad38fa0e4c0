/**
 * The desired-state diff of two plan documents (base → head): what reviewers read instead of a cloud preview.
 * It reads only the document fields the kernel's `DiffableDocument` names, so it accepts any plan document of the
 * CLI contract (`npm run plan -- --format json`).
 */
import {
    COMPUTED_FINGERPRINT,
    SECRET,
    TYPES,
    flatten,
    isProviderType,
    isUnder,
    type DiffableDocument,
    type DiffableResource,
    type InputChange,
    type PlanDiff,
    type ProviderCascade,
    type ResourceDiff,
    type SecretStatus,
} from "../../../lib/plan-document";
import { byCodeUnit } from "../../../lib/order";

export interface DiffLabels {
    /** What the base side is (a git ref, a stack name). */
    readonly base: string;
    readonly head: string;
}

/**
 * The desired-state diff of two plan documents: resources added and removed (by URN) and, for resources on both
 * sides, each changed input path with old → new. Secrets are compared by their keyed fingerprints only; their
 * values never reach the diff (the documents carry none).
 *
 * @param base the base side, or `undefined` when the stack did not exist there (everything is added).
 */
export function diffPlans(
    base: DiffableDocument | undefined,
    head: DiffableDocument,
    labels: DiffLabels,
): PlanDiff {
    // Outputs carry no fingerprints: a secret output on both sides is reported only when it appears or goes.
    const outputs = compareValues(base?.outputs ?? {}, head.outputs ?? {}, {}, {}).filter(
        (c) =>
            !(
                c.kind === "secret" &&
                (c.secret === "unchanged" || (c.secret === "changed" && !c.oldFingerprint))
            ),
    );
    const before = new Map((base?.resources ?? []).filter(diffable).map((r) => [r.urn, r]));
    const after = new Map(head.resources.filter(diffable).map((r) => [r.urn, r]));
    const resources: ResourceDiff[] = [];
    let unchanged = 0;
    for (const urn of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        const b = before.get(urn);
        const h = after.get(urn);
        if (b && h) {
            const changes = computedSecretsFollowInputs(
                compareValues(b.inputs, h.inputs, b.secrets ?? {}, h.secrets ?? {}),
            );
            const optionChanges = compareValues(b.options ?? {}, h.options ?? {}, {}, {});
            const inputChanges = changes.filter((c) => !(c.kind === "secret" && c.secret === "unchanged"));
            if (inputChanges.length === 0 && optionChanges.length === 0) {
                unchanged++;
                continue;
            }
            resources.push({
                urn,
                type: h.type,
                name: h.name,
                kind: "change",
                group: groupOf(urn),
                changes: inputChanges,
                optionChanges,
                secrets: secretStatuses(changes),
                base: b,
                head: h,
            });
        } else {
            const r = (b ?? h)!;
            const side = b ? "removed" : "added";
            const fingerprints = r.secrets ?? {};
            resources.push({
                urn,
                type: r.type,
                name: r.name,
                kind: b ? "remove" : "add",
                group: groupOf(urn),
                changes: [],
                optionChanges: [],
                secrets: secretPaths(r.inputs).map((path) => ({
                    path,
                    status: side,
                    ...(b ? { oldFingerprint: fingerprints[path] } : { newFingerprint: fingerprints[path] }),
                })),
                base: b,
                head: h,
            });
        }
    }
    const cascades = providerCascades(resources, head);
    return {
        project: head.project,
        stack: head.stack,
        baseLabel: labels.base,
        headLabel: labels.head,
        resources,
        unchanged,
        ...(cascades.length ? { cascades } : {}),
        ...(outputs.length ? { outputs } : {}),
    };
}

/** Every provider whose inputs changed, with the head resources it manages (changed or not). */
function providerCascades(resources: readonly ResourceDiff[], head: DiffableDocument): ProviderCascade[] {
    return resources
        .filter((r) => isProviderType(r.type) && r.kind === "change" && r.changes.length)
        .map((p) => ({
            provider: p.urn,
            inputs: [...new Set(p.changes.map((c) => c.path))],
            resources: head.resources
                .filter((r) => r.provider === p.urn)
                .map((r) => r.urn)
                .sort(),
        }));
}

/**
 * A secret only the cloud knows (a Secret Manager payload) has no fingerprint offline; it is read at deploy time
 * from the resource's known inputs (e.g. a version pin in `data-infra/secret-source`), so it counts as changed
 * exactly when some of those changed.
 */
function computedSecretsFollowInputs(changes: InputChange[]): InputChange[] {
    const inputsChanged = changes.some((c) => c.kind !== "secret");
    return changes.map((c) =>
        c.kind === "secret" &&
        c.oldFingerprint === COMPUTED_FINGERPRINT &&
        c.newFingerprint === COMPUTED_FINGERPRINT
            ? { ...c, secret: inputsChanged ? "changed" : "unchanged" }
            : c,
    );
}

/**
 * Components and the stack carry no inputs; their children carry every change. A kustomize directory is a component
 * the provider expands at deploy time, so its own inputs (path, namespace, content hash) are its only change.
 */
const diffable = (r: DiffableResource) =>
    (r.custom !== false || r.type === TYPES.kustomize) && r.type !== TYPES.stack;

/**
 * The group a resource is counted under in summaries: the component it belongs to without the project prefix
 * (`data-infra:airflow:DagSync` → `airflow:DagSync`), or `stack` for resources directly in the stack (providers).
 */
export function groupOf(urn: string): string {
    const [, project, chain = ""] = urn.split("::");
    const types = chain.split("$").filter((t) => t !== TYPES.stack);
    const parts = types[0].split(":");
    return types.length > 1 && parts.length === 3 && parts[0] === project
        ? `${parts[1]}:${parts[2]}`
        : "stack";
}

/** Paths of every secret leaf of a value. */
export function secretPaths(value: unknown): string[] {
    return [...flatten(value)].filter(([, v]) => v === SECRET).map(([p]) => p);
}

/**
 * Every leaf that differs between two values, plus one `secret` entry for every secret leaf on either side
 * (`unchanged` ones included, so callers can list them). Leaves below a path that is a secret on the other side
 * are folded into that secret's entry, so no plaintext that turned secret is shown.
 */
export function compareValues(
    oldValue: unknown,
    newValue: unknown,
    oldSecrets: Record<string, string>,
    newSecrets: Record<string, string>,
): InputChange[] {
    const before = flatten(oldValue);
    const after = flatten(newValue);
    const secretRoots = [...before, ...after].filter(([, v]) => v === SECRET).map(([p]) => p);
    const changes: InputChange[] = [];
    for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        const o = before.get(path);
        const n = after.get(path);
        const hadOld = before.has(path);
        const hasNew = after.has(path);
        if (o === SECRET || n === SECRET) {
            // A side with plaintext below this path (a map that became a secret as a whole) counts as present.
            const present = (side: Map<string, unknown>, has: boolean, v: unknown) =>
                has ? v : [...side.keys()].some((p) => isUnder(p, path)) ? "(plaintext)" : undefined;
            changes.push(
                secretChange(
                    path,
                    present(before, hadOld, o),
                    present(after, hasNew, n),
                    oldSecrets,
                    newSecrets,
                ),
            );
            continue;
        }
        if (secretRoots.some((s) => s !== path && isUnder(path, s))) continue;
        if (!hadOld) changes.push({ path, kind: "added", new: n });
        else if (!hasNew) changes.push({ path, kind: "removed", old: o });
        else if (!sameLeaf(o, n)) changes.push({ path, kind: "changed", old: o, new: n });
    }
    return changes;
}

function sameLeaf(a: unknown, b: unknown): boolean {
    if (typeof a === "object" && typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
    return a === b;
}

function secretChange(
    path: string,
    o: unknown,
    n: unknown,
    oldSecrets: Record<string, string>,
    newSecrets: Record<string, string>,
): InputChange {
    const oldFingerprint = o === SECRET ? oldSecrets[path] : undefined;
    const newFingerprint = n === SECRET ? newSecrets[path] : undefined;
    const prints = {
        ...(oldFingerprint ? { oldFingerprint } : {}),
        ...(newFingerprint ? { newFingerprint } : {}),
    };
    let secret: SecretStatus["status"];
    if (o === SECRET && n === SECRET) {
        // Without fingerprints (no key given) nothing can be said; report a change rather than hide one.
        secret = oldFingerprint && oldFingerprint === newFingerprint ? "unchanged" : "changed";
    } else if (o === SECRET) {
        secret = n === undefined ? "removed" : "no-longer-secret";
    } else {
        secret = o === undefined ? "added" : "now-secret";
    }
    return { path, kind: "secret", secret, ...prints };
}

function secretStatuses(changes: readonly InputChange[]): SecretStatus[] {
    return changes.flatMap((c) =>
        c.kind === "secret"
            ? [
                  {
                      path: c.path,
                      status: c.secret,
                      ...(c.oldFingerprint ? { oldFingerprint: c.oldFingerprint } : {}),
                      ...(c.newFingerprint ? { newFingerprint: c.newFingerprint } : {}),
                  },
              ]
            : [],
    );
}

/** Counts of a diff by group and change kind, groups sorted. */
export function summarize(
    diff: PlanDiff,
): Array<{ group: string; add: number; change: number; remove: number }> {
    const rows = new Map<string, { group: string; add: number; change: number; remove: number }>();
    for (const r of diff.resources) {
        const row = rows.get(r.group) ?? { group: r.group, add: 0, change: 0, remove: 0 };
        row[r.kind]++;
        rows.set(r.group, row);
    }
    return [...rows.values()].sort((a, b) => byCodeUnit(a.group, b.group));
}
