import { byCodeUnit } from "../../lib/order";
/**
 * The manifest of one managed prefix and what to do about it: pure functions, shared by the program (which builds
 * the manifest offline from the files), the provider (diff, sync plan) and the review. No I/O here.
 *
 * An entry is one string, `"<base64 MD5> <size> <content type>"`, keyed by object name: one short string per file
 * keeps the state of 10,000 files under 3 MB, and `pulumi preview --diff` still shows each file's old and new entry.
 */

/** The resource type token: package `gcsmanifest` is served by this folder's plugin (Pulumi.yaml `plugins`). */
export const MANIFEST_TYPE = "gcsmanifest:index:PrefixManifest";

/**
 * Whether a URN names a PrefixManifest. The type is the URN's third `::` part, after the parents' types joined by `$`
 * (`urn:pulumi:test::data-infra::data-infra:airflow:DagSync$gcsmanifest:index:PrefixManifest::dags/`), so a child
 * of a component never has `::<type>::` in it (found by the engine tier: every real preview failed).
 */
export const isManifestUrn = (urn: string): boolean => urn.split("::")[2]?.split("$").pop() === MANIFEST_TYPE;

/** One file as the manifest records it. */
export interface ManifestEntry {
    /** Base64 MD5 of the content, GCS's own format (`md5Hash`). */
    readonly md5: string;
    readonly size: number;
    readonly contentType: string;
}

/** Object name → entry string. */
export type Manifest = Readonly<Record<string, string>>;

/** The resource's inputs. */
export interface ManifestInputs {
    readonly bucket: string;
    /** Object-name prefix ending in `/` (`dags/`); every key of `files` starts with it. */
    readonly prefix: string;
    /** Local folder the files are read from, project-relative (`./airflow/dags`). */
    readonly source: string;
    readonly files: Manifest;
    /**
     * Local path (relative to `source`) of the objects whose name is not prefix + that path.
     * @default none: every object's local path is its name without the prefix
     */
    readonly paths?: Readonly<Record<string, string>>;
    /**
     * Delete objects under the prefix that the manifest does not list (hand-written ones).
     * @default false: they are reported as `unmanaged`, never deleted
     */
    readonly deleteUnmanaged?: boolean;
    /**
     * Uploads in flight at once.
     * @default 16
     */
    readonly parallelUploads?: number;
}

/** The resource's state: its inputs plus what it found and wrote. */
export interface ManifestState extends ManifestInputs {
    /** Object name → generation written (or adopted): the objects this resource manages. */
    readonly generations: Readonly<Record<string, string>>;
    /** Objects under the prefix that it does not manage, as last seen (entry strings). */
    readonly unmanaged: Manifest;
}

export const DEFAULT_PARALLEL_UPLOADS = 16;

export function formatEntry(e: ManifestEntry): string {
    return `${e.md5} ${e.size} ${e.contentType}`;
}

/** Parses an entry string; `undefined` when it is not one. */
export function parseEntry(s: unknown): ManifestEntry | undefined {
    if (typeof s !== "string") return undefined;
    const m = /^(\S+) (\d+) (\S.*)$/.exec(s);
    return m ? { md5: m[1], size: Number(m[2]), contentType: m[3] } : undefined;
}

/** Files added, changed and removed between two manifests, names sorted by code unit. */
export interface ManifestChanges {
    readonly added: readonly string[];
    readonly changed: readonly string[];
    readonly removed: readonly string[];
}

export function diffManifests(olds: Manifest, news: Manifest): ManifestChanges {
    const added: string[] = [];
    const changed: string[] = [];
    const removed: string[] = [];
    for (const [name, entry] of Object.entries(news)) {
        if (!(name in olds)) added.push(name);
        else if (olds[name] !== entry) changed.push(name);
    }
    for (const name of Object.keys(olds)) if (!(name in news)) removed.push(name);
    return {
        added: added.sort(byCodeUnit),
        changed: changed.sort(byCodeUnit),
        removed: removed.sort(byCodeUnit),
    };
}

/** Why `inputs` cannot be synced, one message per problem (`<property>: <what> (got <value>)`). */
export function validateInputs(
    inputs: Record<string, unknown>,
    isUnknown: (v: unknown) => boolean,
): string[] {
    const problems: string[] = [];
    const known = (v: unknown) => v !== undefined && !isUnknown(v);
    const { bucket, prefix, source, files, paths, deleteUnmanaged, parallelUploads } = inputs;
    if (known(bucket) && (typeof bucket !== "string" || bucket === ""))
        problems.push(`bucket: must be a bucket name (got ${JSON.stringify(bucket)})`);
    if (typeof prefix !== "string" || !/^[^/].*\/$/.test(prefix))
        problems.push(
            `prefix: must be non-empty, end in "/" and not start with "/" (got ${JSON.stringify(prefix)})`,
        );
    if (typeof source !== "string" || source === "")
        problems.push(`source: must be a folder (got ${JSON.stringify(source)})`);
    if (typeof files !== "object" || files === null || Array.isArray(files)) {
        problems.push(`files: must map object names to "<md5> <size> <content type>" (got ${typeof files})`);
    } else {
        for (const [name, entry] of Object.entries(files)) {
            if (typeof prefix === "string" && !name.startsWith(prefix))
                problems.push(`files["${name}"]: object name is outside the prefix ${prefix}`);
            if (!parseEntry(entry))
                problems.push(
                    `files["${name}"]: must be "<md5> <size> <content type>" (got ${JSON.stringify(entry)})`,
                );
        }
    }
    if (paths !== undefined && (typeof paths !== "object" || paths === null || Array.isArray(paths)))
        problems.push(`paths: must map object names to local paths (got ${typeof paths})`);
    if (deleteUnmanaged !== undefined && typeof deleteUnmanaged !== "boolean")
        problems.push(`deleteUnmanaged: must be true or false (got ${JSON.stringify(deleteUnmanaged)})`);
    if (
        parallelUploads !== undefined &&
        (typeof parallelUploads !== "number" || !Number.isInteger(parallelUploads) || parallelUploads < 1)
    )
        problems.push(
            `parallelUploads: must be a whole number >= 1 (got ${JSON.stringify(parallelUploads)})`,
        );
    return problems;
}

/** An object as a bucket listing reports it. */
export interface LiveObject {
    readonly name: string;
    readonly md5: string;
    readonly size: number;
    readonly contentType: string;
    readonly generation: string;
}

/** What a create or update does, decided before anything is written. */
export interface SyncPlan {
    /** Manifest entries whose object is missing or differs (MD5 or content type): uploaded. */
    readonly upload: readonly string[];
    /** Entries already in the bucket with the same bytes and type: adopted as they are. */
    readonly keep: readonly string[];
    /** Objects to delete once every upload succeeded: managed before and no longer listed, plus with
     * `deleteUnmanaged` every other object under the prefix. */
    readonly remove: readonly string[];
    /** Objects under the prefix this resource neither manages nor deletes. */
    readonly unmanaged: readonly string[];
}

/**
 * Plans a sync of `desired` over the `live` objects under the prefix. `managed` is the set of names the resource
 * managed before (its state's `generations`); only those, or with `deleteUnmanaged` anything under the prefix, are
 * ever deleted.
 */
export function planSync(
    desired: Manifest,
    live: ReadonlyMap<string, LiveObject>,
    managed: ReadonlySet<string>,
    deleteUnmanaged: boolean,
): SyncPlan {
    const upload: string[] = [];
    const keep: string[] = [];
    for (const [name, entry] of Object.entries(desired)) {
        const want = parseEntry(entry)!;
        const have = live.get(name);
        if (have && have.md5 === want.md5 && have.contentType === want.contentType) keep.push(name);
        else upload.push(name);
    }
    const remove: string[] = [];
    const unmanaged: string[] = [];
    for (const name of managed) if (!(name in desired) && live.has(name)) remove.push(name);
    for (const name of live.keys()) {
        if (name in desired || managed.has(name)) continue;
        (deleteUnmanaged ? remove : unmanaged).push(name);
    }
    return {
        upload: upload.sort(byCodeUnit),
        keep: keep.sort(byCodeUnit),
        remove: remove.sort(byCodeUnit),
        unmanaged: unmanaged.sort(byCodeUnit),
    };
}

/** The property path of one file in `pulumi preview --diff` (`files["dags/a.py"]`). */
export function filePath(property: "files" | "unmanaged", name: string): string {
    return `${property}[${JSON.stringify(name)}]`;
}

export type DiffKind = "add" | "update" | "delete";

/**
 * The provider's diff: olds are the state, news the inputs. Changing the bucket or prefix replaces the resource
 * (a new one syncs the new place, then the old one deletes exactly what it wrote). Each changed file is one entry
 * of `detailed`, keyed by its property path, so the engine shows each file.
 */
export function diffResource(
    olds: Partial<ManifestState>,
    news: ManifestInputs,
    isUnknown: (v: unknown) => boolean,
): { changes: boolean; replaces: string[]; detailed: Record<string, DiffKind> } {
    const replaces = (["bucket", "prefix"] as const).filter(
        (k) => !isUnknown(news[k]) && olds[k] !== undefined && olds[k] !== news[k],
    );
    const files = diffManifests(olds.files ?? {}, news.files);
    const detailed: Record<string, DiffKind> = {};
    for (const n of files.added) detailed[filePath("files", n)] = "add";
    for (const n of files.changed) detailed[filePath("files", n)] = "update";
    for (const n of files.removed) detailed[filePath("files", n)] = "delete";
    if (news.deleteUnmanaged) {
        for (const n of Object.keys(olds.unmanaged ?? {})) detailed[filePath("unmanaged", n)] = "delete";
    }
    // Turning the option on must run an update (it lists the prefix and deletes what nobody manages) even when no
    // refresh recorded drift; turning it off must too, or the old `true` stays in state and turning it on again later
    // would not be seen (the provider's olds are the last outputs, which a step without changes keeps).
    if (
        !isUnknown(news.deleteUnmanaged) &&
        olds.files !== undefined &&
        (olds.deleteUnmanaged ?? false) !== (news.deleteUnmanaged ?? false)
    )
        detailed.deleteUnmanaged = "update";
    for (const k of replaces) detailed[k] = "update";
    return { changes: Object.keys(detailed).length > 0, replaces, detailed };
}
