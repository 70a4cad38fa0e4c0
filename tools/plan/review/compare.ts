import * as path from "node:path";
import type { DiffableDocument, DiffableResource, PlanDiff } from "../../../lib/plan-document";
import { diffPlans } from "./diff";

/** How a channel's own name is written after normalization, so two channels' resources line up. */
export const CHANNEL_TOKEN = "<channel>";

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Replaces the channel name where it stands as a word (`data-infra-test`, `releases/test`, not `pytest`). */
export function channelNormalizer(channel: string): (s: string) => string {
    const word = new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(channel)}(?![A-Za-z0-9])`, "g");
    return (s) => s.replace(word, CHANNEL_TOKEN);
}

/**
 * `v` with `norm` applied to every string and object key; a part in which nothing changes is returned as it is,
 * not copied (a review's documents are read, never written: a 1,000-file manifest is then not rebuilt).
 */
function normalizeValue(v: unknown, norm: (s: string) => string): unknown {
    if (typeof v === "string") return norm(v);
    if (Array.isArray(v)) {
        let out: unknown[] | undefined;
        for (let i = 0; i < v.length; i++) {
            const e = normalizeValue(v[i], norm);
            if (e !== v[i]) (out ??= v.slice())[i] = e;
        }
        return out ?? v;
    }
    if (v !== null && typeof v === "object") {
        const entries = Object.entries(v);
        let changed = false;
        const out = entries.map(([k, e]): [string, unknown] => {
            const nk = norm(k);
            const ne = normalizeValue(e, norm);
            if (nk !== k || ne !== e) changed = true;
            return [nk, ne];
        });
        return changed ? Object.fromEntries(out) : v;
    }
    return v;
}

/**
 * A plan document with absolute paths under `dir` (a local chart's path, from the program's `__dirname`) made
 * relative, so a base planned in a temporary checkout and the working tree compare equal.
 */
export function relativeTo(doc: DiffableDocument, dir: string): DiffableDocument {
    const root = path.resolve(dir);
    const prefix = new RegExp(`${escapeRegExp(root)}(?:/|$)`, "g");
    return mapStrings(doc, (s) => (s.includes(root) ? s.replace(prefix, "") : s));
}

function mapStrings(doc: DiffableDocument, norm: (s: string) => string): DiffableDocument {
    return {
        ...doc,
        resources: doc.resources.map((r) => ({
            ...r,
            inputs: normalizeValue(r.inputs, norm) as Record<string, unknown>,
        })),
    };
}

/** A plan document with its channel's name replaced by {@link CHANNEL_TOKEN} in URNs, names, inputs and keys. */
export function normalizeForChannel(doc: DiffableDocument): DiffableDocument {
    const norm = channelNormalizer(doc.stack);
    return {
        project: doc.project,
        stack: CHANNEL_TOKEN,
        resources: doc.resources.map((r): DiffableResource => ({
            urn: norm(r.urn),
            type: r.type,
            name: norm(r.name),
            parent: r.parent === null ? null : norm(r.parent),
            inputs: normalizeValue(r.inputs, norm) as Record<string, unknown>,
            ...(r.options ? { options: normalizeValue(r.options, norm) as DiffableResource["options"] } : {}),
            ...(r.secrets ? { secrets: normalizeValue(r.secrets, norm) as Record<string, string> } : {}),
        })),
    };
}

/**
 * `--compare <a> <b>`: what `b` declares that `a` does not (added), what only `a` declares (removed), and the input
 * differences of resources both declare, after normalizing each channel's own name. Secrets compare by
 * fingerprint, which works when both documents were planned with the same key.
 */
export function compareChannels(a: DiffableDocument, b: DiffableDocument): PlanDiff {
    const diff = diffPlans(normalizeForChannel(a), normalizeForChannel(b), { base: a.stack, head: b.stack });
    return { ...diff, stack: `${a.stack}..${b.stack}` };
}
