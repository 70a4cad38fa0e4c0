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

function normalizeValue(v: unknown, norm: (s: string) => string): unknown {
    if (typeof v === "string") return norm(v);
    if (Array.isArray(v)) return v.map((e) => normalizeValue(e, norm));
    if (v !== null && typeof v === "object")
        return Object.fromEntries(Object.entries(v).map(([k, e]) => [norm(k), normalizeValue(e, norm)]));
    return v;
}

/**
 * A plan document with absolute paths under `dir` (a local chart's path, from the program's `__dirname`) made
 * relative, so a base planned in a temporary checkout and the working tree compare equal.
 */
export function relativeTo(doc: DiffableDocument, dir: string): DiffableDocument {
    const prefix = new RegExp(`${escapeRegExp(path.resolve(dir))}(?:/|$)`, "g");
    return mapStrings(doc, (s) => s.replace(prefix, ""));
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
