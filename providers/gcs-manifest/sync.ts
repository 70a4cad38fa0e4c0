/**
 * The provider's I/O: lists a prefix, uploads files with a bound and per-file retries, deletes objects by
 * generation. Uses the official client (`@google-cloud/storage`); everything it decides comes from manifest.ts.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Storage, type File } from "@google-cloud/storage";
import {
    DEFAULT_PARALLEL_UPLOADS,
    formatEntry,
    parseEntry,
    planSync,
    type LiveObject,
    type ManifestInputs,
    type ManifestState,
} from "./manifest";

/** Attempts per file (the first try included) before the sync fails. */
export const UPLOAD_ATTEMPTS = 4;

/**
 * A client for the real API, or for an emulator when `STORAGE_EMULATOR_HOST` is set (`http://127.0.0.1:4443`).
 * The client's own handling of that variable uses it as the JSON API's base URL without `/storage/v1`
 * (@google-cloud/storage 7.22 build/cjs/src/storage.js:463-474), which fake-gcs-server does not serve; as
 * `apiEndpoint` both the JSON and the upload paths are right, so the variable is taken over here.
 */
export function storageClient(): Storage {
    const emulator = process.env.STORAGE_EMULATOR_HOST;
    // Retries are ours, per file (uploadWithRetries): the client retries only idempotent requests by default.
    const retryOptions = { autoRetry: false };
    if (!emulator) return new Storage({ retryOptions });
    delete process.env.STORAGE_EMULATOR_HOST;
    return new Storage({ apiEndpoint: emulator, projectId: "emulator", retryOptions });
}

/** Every object under `prefix`, by name. */
export async function listPrefix(
    storage: Storage,
    bucket: string,
    prefix: string,
): Promise<Map<string, LiveObject>> {
    const [files] = await storage.bucket(bucket).getFiles({ prefix, autoPaginate: true });
    const live = new Map<string, LiveObject>();
    for (const f of files) live.set(f.name, liveObject(f));
    return live;
}

function liveObject(f: File): LiveObject {
    const m = f.metadata;
    return {
        name: f.name,
        md5: m.md5Hash ?? "",
        size: Number(m.size ?? 0),
        contentType: m.contentType ?? "application/octet-stream",
        generation: String(m.generation ?? ""),
    };
}

/** Runs `work` over `items`, at most `limit` at once; every item runs, then the first failure (if any) is thrown. */
async function bounded<T>(
    items: readonly T[],
    limit: number,
    work: (item: T) => Promise<void>,
): Promise<Error[]> {
    const errors: Error[] = [];
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const item = items[next++];
            try {
                await work(item);
            } catch (e) {
                errors.push(e as Error);
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return errors;
}

/** HTTP statuses worth another attempt; anything else (403, 404, 412…) fails the file at once. */
function retryable(e: unknown): boolean {
    const code = (e as { code?: unknown }).code;
    return typeof code !== "number" || code === 408 || code === 429 || code >= 500;
}

/** Hooks for tests: the wait between attempts. */
export interface SyncOptions {
    readonly backoffMs?: (attempt: number) => number;
    readonly log?: (message: string) => void;
}

const defaultBackoff = (attempt: number) => 250 * 2 ** attempt * (0.5 + Math.random() / 2);

/**
 * Makes the bucket match `inputs`: uploads what is missing or differs, then — only once every upload succeeded —
 * deletes what `prior` managed and the manifest dropped (and, with `deleteUnmanaged`, anything else under the
 * prefix). Returns the new state. Objects outside the prefix are never listed, written or deleted.
 */
export async function syncPrefix(
    storage: Storage,
    inputs: ManifestInputs,
    prior: Pick<ManifestState, "generations"> | undefined,
    opts: SyncOptions = {},
): Promise<ManifestState> {
    const backoff = opts.backoffMs ?? defaultBackoff;
    const bucket = storage.bucket(inputs.bucket);
    const live = await listPrefix(storage, inputs.bucket, inputs.prefix);
    const managed = new Set(Object.keys(prior?.generations ?? {}));
    const plan = planSync(inputs.files, live, managed, inputs.deleteUnmanaged ?? false);
    const generations: Record<string, string> = {};
    for (const name of plan.keep) generations[name] = live.get(name)!.generation;

    const failures = await bounded(
        plan.upload,
        inputs.parallelUploads ?? DEFAULT_PARALLEL_UPLOADS,
        async (name) => {
            const want = parseEntry(inputs.files[name])!;
            const local = path.resolve(
                inputs.source,
                inputs.paths?.[name] ?? name.slice(inputs.prefix.length),
            );
            const body = fs.readFileSync(local);
            const md5 = createHash("md5").update(body).digest("base64");
            if (md5 !== want.md5) {
                throw new Error(
                    `${name}: ${local} changed since the plan (MD5 ${md5}, manifest ${want.md5}); plan again`,
                );
            }
            for (let attempt = 1; ; attempt++) {
                try {
                    const file = bucket.file(name);
                    // md5Hash in the request makes GCS refuse a body that arrives damaged.
                    await file.save(body, {
                        resumable: false,
                        validation: false,
                        contentType: want.contentType,
                        metadata: { md5Hash: want.md5, contentType: want.contentType },
                    });
                    generations[name] = String(file.metadata.generation);
                    return;
                } catch (e) {
                    if (attempt >= UPLOAD_ATTEMPTS || !retryable(e)) {
                        throw new Error(
                            `${name}: upload failed after ${attempt} attempt(s): ${(e as Error).message}`,
                        );
                    }
                    opts.log?.(`${name}: attempt ${attempt} failed (${(e as Error).message}), retrying`);
                    await new Promise((r) => setTimeout(r, backoff(attempt)));
                }
            }
        },
    );
    if (failures.length) {
        // Nothing is deleted: the previous files stay in place until a sync succeeds.
        throw new Error(
            `${failures.length} of ${plan.upload.length} upload(s) to gs://${inputs.bucket}/${inputs.prefix} failed; ` +
                `nothing was deleted:\n${failures.map((e) => `  ${e.message}`).join("\n")}`,
        );
    }

    const leftOver: string[] = [];
    const deleteErrors = await bounded(
        plan.remove,
        inputs.parallelUploads ?? DEFAULT_PARALLEL_UPLOADS,
        (name) =>
            deleteObject(
                storage,
                inputs.bucket,
                name,
                prior?.generations[name] ?? live.get(name)!.generation,
            ).then((deleted) => {
                if (!deleted) leftOver.push(name);
            }),
    );
    if (deleteErrors.length) {
        throw new Error(
            `deleting from gs://${inputs.bucket}/${inputs.prefix} failed:\n${deleteErrors.map((e) => `  ${e.message}`).join("\n")}`,
        );
    }
    const unmanaged: Record<string, string> = {};
    for (const name of [...plan.unmanaged, ...leftOver].sort())
        unmanaged[name] = formatEntry(live.get(name)!);
    for (const name of leftOver)
        opts.log?.(`${name}: changed by someone else since it was written; left in place`);
    return { ...inputs, generations, unmanaged };
}

/**
 * Deletes `name` if it is still the generation this resource wrote; `false` when someone replaced it since (left in
 * place). A missing object counts as deleted. The request names the generation and sets `ifGenerationMatch`: real
 * GCS answers a replaced object with 412; fake-gcs-server ignores the precondition on delete
 * (fake-gcs-server v1.56.1 fakestorage/object.go:800-830) and answers 404 for the generation, so a 404 is
 * checked against the live object.
 */
export async function deleteObject(
    storage: Storage,
    bucket: string,
    name: string,
    generation: string,
): Promise<boolean> {
    const g = Number(generation);
    try {
        await storage.bucket(bucket).file(name, { generation: g }).delete({ ifGenerationMatch: g });
        return true;
    } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (code === 412) return false;
        if (code === 404) {
            const [exists] = await storage.bucket(bucket).file(name).exists();
            return !exists;
        }
        throw new Error(`${name}: delete failed: ${(e as Error).message}`);
    }
}

/**
 * Refresh: the managed objects as they are in the bucket now (a changed one with its live entry, a missing one
 * dropped, so the next `up` restores them) and every other object under the prefix as `unmanaged` (drift).
 */
export async function readPrefix(storage: Storage, state: ManifestState): Promise<ManifestState> {
    const live = await listPrefix(storage, state.bucket, state.prefix);
    const files: Record<string, string> = {};
    const generations: Record<string, string> = {};
    const unmanaged: Record<string, string> = {};
    for (const name of [...live.keys()].sort()) {
        const obj = live.get(name)!;
        if (name in state.generations) {
            files[name] = formatEntry(obj);
            generations[name] = obj.generation;
        } else {
            unmanaged[name] = formatEntry(obj);
        }
    }
    return { ...state, files, generations, unmanaged };
}

/** Destroy: deletes exactly the objects this resource wrote, each only if still the generation it wrote. */
export async function deleteManaged(storage: Storage, state: ManifestState): Promise<string[]> {
    const leftOver: string[] = [];
    const names = Object.keys(state.generations);
    const errors = await bounded(names, state.parallelUploads ?? DEFAULT_PARALLEL_UPLOADS, async (name) => {
        if (!(await deleteObject(storage, state.bucket, name, state.generations[name]))) leftOver.push(name);
    });
    if (errors.length) throw new Error(errors.map((e) => e.message).join("\n"));
    return leftOver.sort();
}
