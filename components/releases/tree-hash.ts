import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import ignore from "ignore";

/** How a folder's ignore file is read. */
export interface TreeHashOptions {
    /** Ignore file in the folder's root, e.g. `.helmignore` or `.dockerignore`. */
    readonly ignoreFile?: string;
    /**
     * `true` for `.dockerignore` semantics: a pattern without a leading `**` matches from the folder's root only
     * (Docker's `filepath.Match`), unlike gitignore/`.helmignore` where `*.log` matches at any depth.
     */
    readonly rootAnchored?: boolean;
    /** Folder-relative paths that count even when ignored (Docker always sends the Dockerfile). */
    readonly alwaysInclude?: readonly string[];
}

/** The files of a folder that count, with their content hashes, and the hash over all of them. */
export interface TreeHash {
    /** `sha256` hex over every counted file's relative path and content hash, in path order. */
    readonly sha256: string;
    /** Counted files, relative POSIX paths, sorted. */
    readonly files: readonly string[];
}

/**
 * Hashes the content of a folder the way a build tool sees it: files its ignore file excludes do not count, file
 * modes and mtimes never do (a fresh checkout hashes the same). Deterministic across machines and runs.
 */
export function hashTree(dir: string, opts: TreeHashOptions = {}): TreeHash {
    const ig = ignore();
    if (opts.ignoreFile) {
        const file = path.join(dir, opts.ignoreFile);
        if (fs.existsSync(file))
            ig.add(ignoreRules(fs.readFileSync(file, "utf8"), opts.rootAnchored ?? false));
    }
    const always = new Set(opts.alwaysInclude ?? []);
    const files: string[] = [];
    const walk = (rel: string) => {
        for (const entry of fs.readdirSync(path.join(dir, rel)).sort()) {
            const child = rel ? `${rel}/${entry}` : entry;
            const stat = fs.statSync(path.join(dir, child));
            if (stat.isDirectory()) {
                if (!ig.ignores(`${child}/`)) walk(child);
            } else if (stat.isFile() && (always.has(child) || !ig.ignores(child))) {
                files.push(child);
            }
        }
    };
    walk("");
    files.sort();
    const h = crypto.createHash("sha256");
    for (const f of files) {
        const content = crypto
            .createHash("sha256")
            .update(fs.readFileSync(path.join(dir, f)))
            .digest("hex");
        h.update(`${f}\0${content}\n`);
    }
    return { sha256: h.digest("hex"), files };
}

/** Ignore-file lines as gitignore rules; `rootAnchored` anchors each pattern at the folder root. */
export function ignoreRules(text: string, rootAnchored: boolean): string[] {
    const rules: string[] = [];
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        if (!line || line.startsWith("#")) continue;
        if (!rootAnchored) {
            rules.push(line);
            continue;
        }
        const negated = line.startsWith("!");
        const pattern = path.posix.normalize(line.slice(negated ? 1 : 0).replace(/^\/+/, ""));
        rules.push(`${negated ? "!" : ""}/${pattern}`);
    }
    return rules;
}
