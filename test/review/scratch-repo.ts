/**
 * A scratch git repository holding a copy of this checkout (tracked and new files, not ignored ones) in one commit,
 * with this checkout's `node_modules`: what the review tests plan a base and a head in.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../harness";

export function git(cwd: string, ...args: string[]): string {
    return execFileSync("git", args, { cwd, encoding: "utf8" });
}

export const commit = (cwd: string, ...args: string[]) =>
    git(cwd, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", ...args);

/** Copies this checkout's files (tracked and new, not ignored) into a fresh repository with one commit. */
export function scratchRepo(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-scratch-"));
    const files = git(REPO_ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
        .split("\0")
        .filter(Boolean);
    for (const f of files) {
        const from = path.join(REPO_ROOT, f);
        if (!fs.existsSync(from)) continue;
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        if (fs.lstatSync(from).isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), path.join(dir, f));
        else fs.copyFileSync(from, path.join(dir, f));
    }
    fs.symlinkSync(fs.realpathSync(path.join(REPO_ROOT, "node_modules")), path.join(dir, "node_modules"));
    git(dir, "init", "--quiet");
    git(dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A");
    commit(dir, "-m", "base");
    return dir;
}
