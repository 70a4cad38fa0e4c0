/** The lines renderers share: one changed input, one secret's status, one resource's change. */
import {
    COMPUTED_FINGERPRINT,
    SECRET,
    leaves,
    type InputChange,
    type ResourceDiff,
    type SecretStatus,
} from "../../../../lib/plan-document";
import { shortJson } from "../../../../lib/shorten";
import { lastKey, redactCredentials } from "../../../../lib/credentials";

/** A value as printed: credential-named leaves and key material redacted, URL userinfo stripped. */
const shown = (path: string, v: unknown, max: number) => shortJson(redactCredentials(v, lastKey(path)), max);

const fingerprint = (f?: string) => (f ? ` (fingerprint ${f})` : "");

/** `data: secret changed (fingerprint a → b)` — a secret's status, never its value. */
export function describeSecret(s: SecretStatus): string {
    if (s.oldFingerprint === COMPUTED_FINGERPRINT && s.newFingerprint === COMPUTED_FINGERPRINT) {
        return s.status === "changed"
            ? `${s.path}: secret changed (read at deploy from changed inputs; unknown offline)`
            : `${s.path}: secret unchanged inputs (read at deploy; unknown offline)`;
    }
    if (s.status === "changed" && s.oldFingerprint && s.newFingerprint)
        return `${s.path}: secret changed (fingerprint ${s.oldFingerprint} → ${s.newFingerprint})`;
    return `${s.path}: secret ${s.status.replace(/-/g, " ")}${fingerprint(s.newFingerprint ?? s.oldFingerprint)}`;
}

/** One changed input as a line: `path: old → new`, or `path: secret changed (fingerprint a → b)`. */
export function describeChange(c: InputChange, max = 100): string {
    switch (c.kind) {
        case "added":
            return `${c.path}: added ${shown(c.path, c.new, max)}`;
        case "removed":
            return `${c.path}: removed (was ${shown(c.path, c.old, max)})`;
        case "changed":
            return `${c.path}: ${shown(c.path, c.old, max)} → ${shown(c.path, c.new, max)}`;
        case "secret":
            return describeSecret({ ...c, status: c.secret });
    }
}

/** The lines that describe one resource's change (inputs, options, unchanged secrets). */
export function resourceLines(r: ResourceDiff, max = 100): string[] {
    const lines = [
        ...r.changes.map((c) => describeChange(c, max)),
        ...r.optionChanges.map((c) => `(options) ${describeChange(c, max)}`),
        ...declaredInputs(r, max),
    ];
    for (const s of r.secrets) {
        if (r.kind === "change" && s.status !== "unchanged") continue; // already listed as a change
        lines.push(describeSecret(s));
    }
    return lines;
}

// Inputs shown for an added or removed resource; the JSON view has all of them.
const DECLARED_LINES = 12;

/** The inputs of an added or removed resource (secrets are listed separately), the first few. */
function declaredInputs(r: ResourceDiff, max: number): string[] {
    if (r.kind === "change") return [];
    const inputs = leaves((r.head ?? r.base)?.inputs).filter(([, , v]) => v !== SECRET);
    const lines = inputs.slice(0, DECLARED_LINES).map(([path, , v]) => `${path}: ${shown(path, v, max)}`);
    if (inputs.length > DECLARED_LINES) lines.push(`… ${inputs.length - DECLARED_LINES} more inputs`);
    return lines;
}

export const KIND_MARK: Readonly<Record<ResourceDiff["kind"], string>> = {
    add: "+",
    remove: "-",
    change: "~",
};
export const KIND_WORD: Readonly<Record<ResourceDiff["kind"], string>> = {
    add: "added",
    remove: "removed",
    change: "changed",
};
