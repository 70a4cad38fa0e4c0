import * as fs from "node:fs";
import * as path from "node:path";

/**
 * A path as providers receive it: `./<path>` relative to the project folder, where Pulumi runs the program and its
 * providers. Relative, so state and plans do not change with the checkout's location (a laptop vs CI); a path
 * outside the project stays absolute.
 */
export function projectPath(rootDir: string, p: string): string {
    const rel = path.relative(rootDir, path.resolve(rootDir, p)).split(path.sep).join("/");
    return rel.startsWith("../") || path.isAbsolute(rel) ? path.resolve(rootDir, p) : `./${rel}`;
}

/** A file-system fault with a short, user-facing reason (`reason`) next to the errno `code`. */
export class FileFault extends Error {
    constructor(
        readonly code: string,
        readonly reason: string,
    ) {
        super(reason);
        this.name = "FileFault";
    }
}

/** The user-facing reason for a file-system error (never the whole message, which can carry absolute paths). */
export function fileFaultReason(e: unknown): string {
    if (e instanceof FileFault) return e.reason;
    const code = (e as NodeJS.ErrnoException)?.code;
    const known: Record<string, string> = {
        EISDIR: "is a directory, not a file (EISDIR)",
        ELOOP: "is a symbolic link loop (ELOOP)",
        ENOENT: "does not exist (ENOENT)",
        ENOTDIR: "a parent of it is not a directory (ENOTDIR)",
        EACCES: "cannot be read: permission denied (EACCES)",
    };
    return (code && known[code]) ?? `cannot be read (${code ?? String((e as Error)?.message ?? e)})`;
}

/** True when `rel` (repository-relative) leaves the repository: absolute, a drive path, or climbing out with `..`. */
export function leavesProject(rel: string): boolean {
    const n = path.posix.normalize(rel.split(path.sep).join("/"));
    return path.posix.isAbsolute(n) || /^[A-Za-z]:/.test(n) || n === ".." || n.startsWith("../");
}

/**
 * Reads a repository file's bytes; `undefined` when nothing is there. Throws a {@link FileFault} for a directory,
 * a link loop, a dangling link or a link that resolves outside `rootDir`, so callers can report it as a problem.
 */
export function readProjectFile(
    rootDir: string,
    rel: string,
    opts: {
        /**
         * Follow a committed symlink that resolves outside `rootDir` (a chart linked from elsewhere in the
         * checkout). Only for readers that never echo file content in their messages.
         */
        readonly linksMayLeave?: boolean;
    } = {},
): Buffer | undefined {
    if (leavesProject(rel)) throw new FileFault("EOUTSIDE", "is outside the repository");
    const full = path.resolve(rootDir, rel);
    let real: string;
    try {
        real = fs.realpathSync(full);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") {
            if (isLink(full)) throw new FileFault("ENOENT", "is a symbolic link to nothing (dangling link)");
            return undefined;
        }
        throw new FileFault(code ?? "EIO", fileFaultReason(e));
    }
    const root = fs.realpathSync(rootDir);
    if (!opts.linksMayLeave && real !== root && !real.startsWith(root + path.sep)) {
        throw new FileFault("EOUTSIDE", "is a link to a file outside the repository");
    }
    try {
        return fs.readFileSync(real);
    } catch (e) {
        throw new FileFault((e as NodeJS.ErrnoException).code ?? "EIO", fileFaultReason(e));
    }
}

function isLink(p: string): boolean {
    try {
        return fs.lstatSync(p).isSymbolicLink();
    } catch {
        return false;
    }
}
