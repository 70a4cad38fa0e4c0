import { createHash, createHmac } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    isArchive,
    isAsset,
    isResourceRef,
    isSecret,
    isUnknown,
    secretValue,
    type Wire,
} from "../../../runtime/wire";
import { COMPUTED, COMPUTED_FINGERPRINT, SECRET } from "../../../lib/plan-document";
import { stableStringify } from "../../../lib/stable-json";

function containsUnknown(v: Wire): boolean {
    if (isUnknown(v)) return true;
    if (isSecret(v)) return containsUnknown(secretValue(v));
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v !== null && typeof v === "object") return Object.values(v).some(containsUnknown);
    return false;
}

/** How wire values become plan values. */
export interface RenderContext {
    /** Paths of file assets are shown relative to this directory (the project root). */
    readonly root: string;
    /**
     * Key for secret fingerprints. Without one no fingerprints are made, so the document stays byte-identical
     * across runs; `--base`/`--compare` set one random key for both sides of a comparison.
     */
    readonly fingerprintKey?: Buffer;
    /** Cache of file hashes by absolute path, shared by all resources of a run. */
    readonly fileHashes: Map<string, string>;
}

export interface Rendered {
    readonly value: unknown;
    /** Dotted input path → keyed fingerprint of each secret found (only with a fingerprint key). */
    readonly secrets: Record<string, string>;
}

/**
 * Renders one resource's wire-form inputs for people and JSON: secrets become `[secret]` (with a keyed
 * fingerprint when asked), unknowns `(computed)`, assets `{asset, path, sha256}`, resource references their URN.
 */
export function renderInputs(inputs: Record<string, Wire>, ctx: RenderContext): Rendered {
    const secrets: Record<string, string> = {};
    const value = render(inputs, "", ctx, secrets);
    return { value, secrets };
}

function render(v: Wire, at: string, ctx: RenderContext, secrets: Record<string, string>): unknown {
    if (isUnknown(v)) return COMPUTED;
    if (isSecret(v)) {
        if (ctx.fingerprintKey && containsUnknown(secretValue(v))) {
            // Only the cloud knows this value (a Secret Manager payload): a fingerprint would claim sameness.
            secrets[at] = COMPUTED_FINGERPRINT;
        } else if (ctx.fingerprintKey) {
            secrets[at] = createHmac("sha256", ctx.fingerprintKey)
                .update(stableStringify(secretValue(v), 0))
                .digest("hex")
                .slice(0, 12);
        }
        return SECRET;
    }
    if (isAsset(v)) {
        if (v.path !== undefined)
            return { asset: "file", path: rel(ctx, v.path), sha256: fileSha256(ctx, v.path) };
        if (v.text !== undefined) return { asset: "string", sha256: sha256(v.text), length: v.text.length };
        return { asset: "remote", uri: v.uri };
    }
    if (isArchive(v)) {
        if (v.path !== undefined)
            return { archive: "file", path: rel(ctx, v.path), sha256: treeSha256(ctx, v.path) };
        if (v.assets !== undefined) {
            return {
                archive: "assets",
                assets: Object.fromEntries(
                    Object.entries(v.assets).map(([k, a]) => [k, render(a, join(at, k), ctx, secrets)]),
                ),
            };
        }
        return { archive: "remote", uri: v.uri };
    }
    if (isResourceRef(v)) return { resource: v.urn };
    if (Array.isArray(v)) return v.map((e, i) => render(e, `${at}[${i}]`, ctx, secrets));
    if (v !== null && typeof v === "object") {
        return Object.fromEntries(
            Object.entries(v as Record<string, Wire>).map(([k, e]) => [
                k,
                render(e, join(at, k), ctx, secrets),
            ]),
        );
    }
    return v;
}

const join = (at: string, key: string) => (at ? `${at}.${key}` : key);
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

function abs(ctx: RenderContext, p: string): string {
    return path.resolve(ctx.root, p);
}

function rel(ctx: RenderContext, p: string): string {
    return path.relative(ctx.root, abs(ctx, p)).split(path.sep).join("/");
}

function fileSha256(ctx: RenderContext, p: string): string {
    const file = abs(ctx, p);
    let hash = ctx.fileHashes.get(file);
    if (hash === undefined) {
        hash = fs.existsSync(file) ? sha256(fs.readFileSync(file)) : "(missing)";
        ctx.fileHashes.set(file, hash);
    }
    return hash;
}

/** A folder's hash over its sorted relative paths and file contents. */
function treeSha256(ctx: RenderContext, p: string): string {
    const dir = abs(ctx, p);
    if (!fs.existsSync(dir)) return "(missing)";
    if (fs.statSync(dir).isFile()) return fileSha256(ctx, dir);
    const h = createHash("sha256");
    const files = (fs.readdirSync(dir, { recursive: true }) as string[])
        .map((f) => f.split(path.sep).join("/"))
        .filter((f) => fs.statSync(path.join(dir, f)).isFile())
        .sort();
    for (const f of files) h.update(`${f}\0${fileSha256(ctx, path.join(dir, f))}\0`);
    return h.digest("hex");
}
