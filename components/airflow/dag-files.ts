/**
 * The DAG sync's file list: which local files become which bucket objects, with content hashes. No Pulumi here,
 * so it is tested (and benchmarked) on its own.
 */
import { createHash, hash as hashOnce } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import picomatch from "picomatch";
import type { Problem } from "../../lib/problems";
import { byCodeUnit } from "../../lib/order";

/** One local folder mirrored under one object-name prefix. */
export interface DagFolder {
    /** Folder, relative to `projectDir` (or absolute). */
    readonly source: string;
    /** Object-name prefix ending in `/`, e.g. `dags/`. */
    readonly prefix: string;
}

export interface DagFileListArgs {
    /** Repository root: sources resolve against it, and messages name paths relative to it. */
    readonly projectDir: string;
    readonly folders: readonly DagFolder[];
    /** Globs (picomatch, dotfiles included) on folder-relative paths; default: every file. */
    readonly include?: readonly string[];
    /** Globs; a matching file or folder (with everything under it) is skipped. Default: none. */
    readonly exclude?: readonly string[];
    /** Larger files are errors. Default 100 MiB. */
    readonly maxFileSizeBytes?: number;
}

export interface DagFile {
    /** Object name in the bucket: prefix + folder-relative POSIX path. Also the Pulumi resource name. */
    readonly objectName: string;
    /** Absolute local path. */
    readonly path: string;
    /** Path relative to `projectDir`, for messages and docs. */
    readonly displayPath: string;
    readonly sizeBytes: number;
    /** Base64 MD5 of the content, GCS's own hash format (`sourceMd5hash`). */
    readonly md5: string;
    readonly contentType: string;
}

export interface DagFileList {
    /** Sorted by object name. */
    readonly files: readonly DagFile[];
    readonly problems: readonly Problem[];
}

export const DEFAULT_MAX_FILE_SIZE_BYTES = 100 * 1024 * 1024;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
    ".py": "text/x-python",
    ".sql": "application/sql",
    ".yml": "application/yaml",
    ".yaml": "application/yaml",
    ".json": "application/json",
    ".md": "text/markdown",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".sh": "text/x-shellscript",
    ".cfg": "text/plain",
    ".ini": "text/plain",
    ".j2": "text/plain",
    ".html": "text/html",
    ".jar": "application/java-archive",
    ".zip": "application/zip",
};

/** Content type by extension; `application/octet-stream` for unknown ones. */
export function contentTypeOf(file: string): string {
    return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

/**
 * Why `name` is not a usable GCS object name, or `undefined`. Beyond GCS's hard rules (1-1024 UTF-8 bytes, no
 * CR/LF or control characters) it refuses the characters GCS tells you to avoid because `gcloud storage` and
 * `gsutil` treat them as wildcards or URL fragments (`#`, `[`, `]`, `*`, `?`).
 * @see https://cloud.google.com/storage/docs/objects#naming
 */
export function gcsObjectNameProblem(name: string): string | undefined {
    if (name.includes("\uFFFD")) return "file name is not valid UTF-8";
    if (Buffer.byteLength(name, "utf8") > 1024) return "object name is longer than 1024 bytes";
    if (/[\u0000-\u001f\u007f-\u0084]/.test(name)) return "object name contains a control character or newline";
    if (/[#[\]*?]/.test(name)) return "object name contains #, [, ], * or ?, which gcloud storage treats as wildcards";
    if (name.startsWith(".well-known/acme-challenge/")) return "object name is reserved by GCS";
    return undefined;
}

/**
 * Why `glob` is not a usable picomatch pattern, or `undefined`. picomatch quietly reads an unbalanced `[` as a
 * literal, so a typo'd glob would match nothing and be ignored; strict mode refuses it instead.
 */
export function globProblem(glob: string): string | undefined {
    try {
        picomatch.makeRe(glob, { dot: true, strictBrackets: true });
        return undefined;
    } catch (e) {
        return `not a valid glob: ${(e as Error).message.split("\n")[0]}`;
    }
}

/** The file Airflow reads to skip files in the DAG and plugin folders. */
export const AIRFLOW_IGNORE = ".airflowignore";

/**
 * Lists, filters, checks and hashes the files of every folder. Collects every problem (missing folder, symlink
 * out of the folder, oversized file, bad object name, two files for one object) instead of stopping.
 */
export function listDagFiles(args: DagFileListArgs): DagFileList {
    const includeAll = !args.include || args.include.includes("**");
    const include = includeAll ? () => true : picomatch([...args.include!], { dot: true });
    const exclude = args.exclude?.length ? picomatch([...args.exclude], { dot: true }) : () => false;
    // Which exclude glob matched, for the one file whose exclusion changes what Airflow parses.
    const excludedBy = (rel: string) => {
        const globs = (args.exclude ?? []).filter((g) => picomatch(g, { dot: true })(rel));
        return globs.some((g) => g.endsWith(AIRFLOW_IGNORE)) ? "" : (globs[0] ?? "");
    };
    const normalized = new Map<string, string>();
    const maxBytes = args.maxFileSizeBytes ?? DEFAULT_MAX_FILE_SIZE_BYTES;
    const display = (p: string) => path.relative(args.projectDir, p).split(path.sep).join("/") || ".";
    const files: DagFile[] = [];
    const problems: Problem[] = [];
    const owners = new Map<string, string>();

    for (const folder of args.folders) {
        const root = path.resolve(args.projectDir, folder.source);
        if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
            problems.push({ where: display(root), what: "source folder does not exist" });
            continue;
        }
        const rootReal = fs.realpathSync(root);
        // A concatenation per file: path.relative() per file showed up in profiles of large trees.
        const displayRoot = display(root);
        const inside = (real: string) => real === rootReal || real.startsWith(rootReal + path.sep);
        const addFile = (abs: string, rel: string): void => {
            const objectName = folder.prefix + rel;
            const where = displayRoot === "." ? rel : `${displayRoot}/${rel}`;
            const bad = gcsObjectNameProblem(objectName);
            const owner = owners.get(objectName);
            if (bad) return void problems.push({ where, what: bad, got: objectName });
            if (owner) return void problems.push({ where, what: `same object ${objectName} as ${owner}` });
            // GCS keeps both spellings; Airflow's DAG folder (a FUSE mount of the bucket) and the humans reading
            // it see one name, so two files that differ only by Unicode normalization are one file twice.
            const nfc = objectName.normalize("NFC");
            const twin = normalized.get(nfc);
            if (twin) {
                return void problems.push({
                    where,
                    what: `same name as ${twin} after Unicode normalization (NFC); rename one of them`,
                    got: objectName,
                });
            }
            normalized.set(nfc, where);
            const { size, md5 } = hashFile(abs, maxBytes);
            if (md5 === undefined) {
                return void problems.push({
                    where,
                    what: `file is larger than the limit of ${maxBytes} bytes (maxFileSizeMiB)`,
                    got: size,
                });
            }
            owners.set(objectName, where);
            files.push({ objectName, path: abs, displayPath: where, sizeBytes: size, md5, contentType: contentTypeOf(rel) });
        };
        const walk = (dir: string, relDir: string, seen: ReadonlySet<string>) => {
            const entries = fs
                .readdirSync(dir, { withFileTypes: true })
                .sort((a, b) => byCodeUnit(a.name, b.name));
            for (const entry of entries) {
                const abs = path.join(dir, entry.name);
                const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
                if (exclude(rel)) {
                    const glob = entry.name === AIRFLOW_IGNORE ? excludedBy(rel) : "";
                    // Excluding it by name is a decision; a generic glob dropping it is a trap.
                    if (glob) {
                        problems.push({
                            where: display(abs),
                            what: `is excluded by ${JSON.stringify(glob)}, so Composer never receives it and Airflow parses the files it lists as DAGs; keep it (exclude "**/.!(airflowignore)" instead) or exclude "${AIRFLOW_IGNORE}" by name`,
                        });
                    }
                    continue;
                }
                let stat: fs.Stats | undefined;
                if (entry.isSymbolicLink()) {
                    let real: string;
                    try {
                        real = fs.realpathSync(abs);
                    } catch {
                        problems.push({ where: display(abs), what: "symlink target does not exist" });
                        continue;
                    }
                    if (!inside(real)) {
                        problems.push({
                            where: display(abs),
                            what: "symlink leaves the source folder",
                            got: display(real),
                        });
                        continue;
                    }
                    stat = fs.statSync(real);
                    if (stat.isDirectory()) {
                        // A link to an enclosing folder would recurse forever.
                        if (!seen.has(real)) walk(abs, rel, new Set([...seen, real]));
                        continue;
                    }
                } else if (entry.isDirectory()) {
                    walk(abs, rel, new Set([...seen, path.join(rootReal, rel)]));
                    continue;
                }
                if (!(stat ?? entry).isFile()) {
                    problems.push({ where: display(abs), what: "not a regular file" });
                } else if (include(rel) || /[\u0000-\u001f]/.test(rel)) {
                    // Globs never match control characters; such names must still be reported, not skipped.
                    addFile(abs, rel);
                }
            }
        };
        walk(root, "", new Set([rootReal]));
    }
    files.sort((a, b) => byCodeUnit(a.objectName, b.objectName));
    return { files, problems };
}

// One read buffer for every file: the sync hashes thousands of small files, and allocation would dominate.
const CHUNK = Buffer.allocUnsafe(1024 * 1024);

/** Size and base64 MD5 of a file, reading it once; no MD5 when it is larger than `maxBytes`. */
function hashFile(file: string, maxBytes: number): { size: number; md5?: string } {
    const fd = fs.openSync(file, "r");
    try {
        const size = fs.fstatSync(fd).size;
        if (size > maxBytes) return { size };
        if (size <= CHUNK.length) {
            // The common case (a DAG file): one read, one-shot hash without a Hash object.
            let n = 0;
            while (n < size) {
                const read = fs.readSync(fd, CHUNK, n, size - n, null);
                if (read === 0) break;
                n += read;
            }
            return { size, md5: hashOnce("md5", CHUNK.subarray(0, n), "base64") };
        }
        const hash = createHash("md5");
        for (let total = 0; total < size; ) {
            const n = fs.readSync(fd, CHUNK, 0, CHUNK.length, null);
            if (n === 0) break;
            hash.update(CHUNK.subarray(0, n));
            total += n;
        }
        return { size, md5: hash.digest("base64") };
    } finally {
        fs.closeSync(fd);
    }
}
