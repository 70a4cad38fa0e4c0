/**
 * The packages a Composer image ships with, per image version: what the PyPI preflight resolves against. A set is
 * read from the live environment or from the image itself (see docs/composer-and-dags.md, "PyPI preflight"), stored
 * once per image version in the tool cache, and read back by every review with its source and age.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** One image version's Python, platform and preinstalled packages. */
export interface ImageSet {
    /** `composer-2.14.2-airflow-2.9.3`. */
    readonly imageVersion: string;
    /** The image's Python, `major.minor` (`3.11`). */
    readonly python: string;
    /** pip platform tags the image's interpreter accepts, most specific first (`manylinux_2_31_x86_64`, …). */
    readonly platforms: readonly string[];
    /** Preinstalled distributions: normalized name → version. */
    readonly packages: Readonly<Record<string, string>>;
    /** Where the set was read: `live environment <name>`, `image <ref>`, `fixture <file>`. */
    readonly source: string;
    /** When it was read (ISO 8601). */
    readonly readAt: string;
}

/** The tool cache's folder of image sets (`${XDG_CACHE_HOME:-~/.cache}/data-infra/composer-images`). */
export function imageSetCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    return path.join(
        env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"),
        "data-infra",
        "composer-images",
    );
}

const FILE = /^composer-[0-9][0-9A-Za-z.-]*$/;

/** The cached set of an image version; `undefined` when none is stored or the file is not a set. */
export function readImageSet(dir: string, imageVersion: string): ImageSet | undefined {
    if (!FILE.test(imageVersion)) return undefined;
    let raw: unknown;
    try {
        raw = JSON.parse(fs.readFileSync(path.join(dir, `${imageVersion}.json`), "utf8"));
    } catch {
        return undefined;
    }
    return isImageSet(raw) && raw.imageVersion === imageVersion ? raw : undefined;
}

/** Stores a set under its image version (one file each, keys sorted). */
export function writeImageSet(dir: string, set: ImageSet): string {
    if (!FILE.test(set.imageVersion))
        throw new Error(`not a Composer image version (got ${set.imageVersion})`);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${set.imageVersion}.json`);
    const packages = Object.fromEntries(Object.entries(set.packages).sort(([a], [b]) => (a < b ? -1 : 1)));
    fs.writeFileSync(file, `${JSON.stringify({ ...set, packages }, null, 2)}\n`);
    return file;
}

/**
 * A set from `pip list --format=json` output (`[{"name": "x", "version": "1"}]`), as read in the image or in the
 * environment's workers.
 */
export function imageSetFromPipList(pipList: string, meta: Omit<ImageSet, "packages">): ImageSet {
    const rows = JSON.parse(pipList) as Array<{ name?: unknown; version?: unknown }>;
    if (!Array.isArray(rows)) throw new Error("not pip list --format=json output (expected an array)");
    const packages: Record<string, string> = {};
    for (const r of rows)
        if (typeof r.name === "string" && typeof r.version === "string")
            packages[r.name.toLowerCase().replace(/[-_.]+/g, "-")] = r.version;
    return { ...meta, packages };
}

function isImageSet(v: unknown): v is ImageSet {
    const o = v as Partial<ImageSet> | null;
    return (
        o !== null &&
        typeof o === "object" &&
        typeof o.imageVersion === "string" &&
        typeof o.python === "string" &&
        /^3\.\d+$/.test(o.python) &&
        Array.isArray(o.platforms) &&
        o.platforms.every((p) => typeof p === "string") &&
        o.packages !== null &&
        typeof o.packages === "object" &&
        Object.values(o.packages).every((x) => typeof x === "string") &&
        typeof o.source === "string" &&
        typeof o.readAt === "string"
    );
}

/** `3 days`, `5 hours`, `12 minutes`: how old a set is, in the largest whole unit. */
export function age(readAt: string, now: Date): string {
    const ms = Math.max(0, now.getTime() - Date.parse(readAt));
    const units: Array<[string, number]> = [
        ["day", 86_400_000],
        ["hour", 3_600_000],
        ["minute", 60_000],
    ];
    for (const [unit, size] of units) {
        const n = Math.floor(ms / size);
        if (n >= 1) return `${n} ${unit}${n === 1 ? "" : "s"}`;
    }
    return "less than a minute";
}
