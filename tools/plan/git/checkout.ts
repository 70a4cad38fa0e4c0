/**
 * The review's base checkout (see `startBase` in ./base.ts): the tracked files of a commit written to a folder,
 * without a worktree. Node's built-ins only, so the checkout's worker thread (./checkout-worker.ts) loads little.
 */
import { spawn, type SpawnOptions } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Writes the tracked files of `commit` under `tree` (submodules excepted, as `git worktree add` leaves them).
 * A file the working tree holds exactly as `commit` has it (not listed by `git diff <commit>`, which compares
 * through git's clean filters) becomes a hard link to the working tree's file, a symbolic link a new link with
 * the same target: in a review most files are unchanged, and linking them writes no data (the 1,000-file
 * review benchmark's tree: 12 MB). Every other file, and any file that cannot be linked (another filesystem, a
 * sparse checkout's absent file), comes from git: `git checkout-index` with a temporary index (`indexFile`),
 * which registers nothing in the repository. Nothing ever writes to the linked files: the base's plan only
 * reads them, and removing the tree removes the links, not the files.
 *
 * With `share`, it tells whether no file that Node could load as a module ({@link isModuleFile}), no `Pulumi.yaml`
 * and no submodule differs between `commit` and the working tree: the base's program may then run with the
 * modules this process has loaded for the head (`shareLoadedModules` in ./base.ts: a second stack's run, 0.1 s,
 * instead of loading the program again, 0.4 s), while its entry (`share.entry`), loaded from the checkout, reads the base's
 * data files (DAGs, requirements, values, stack files) there. That holds because no module but a project's entry
 * reads files relative to its own location (test/review/base-shared-code.test.ts keeps it so). The checkout itself
 * is the same either way: module files that are data too (a DAG's JSON config, a plugin's JavaScript, a JSON
 * values file) must be the base's own files to whatever reads them, and a link out of the checkout is refused by
 * the DAG sync and the project's file reader. Returns whether the code is shared.
 */
export async function checkoutBase(
    commit: string,
    tree: string,
    repoRoot: string,
    indexFile: string,
    share?: { readonly entry: string },
): Promise<{ sharedCode: boolean }> {
    const withIndex = { ...process.env, GIT_INDEX_FILE: indexFile };
    const git = async (args: readonly string[], env: NodeJS.ProcessEnv, input?: string) => {
        const r = await run("git", ["-C", repoRoot, ...args], { env }, input);
        if (r.status !== 0) throw new Error(gitFailure(args[0], r));
        return r.stdout;
    };
    await git(["read-tree", commit], withIndex);
    const [staged, differ] = await Promise.all([
        git(["ls-files", "--stage", "-z"], withIndex),
        git(["diff", "--name-only", "--no-renames", "-z", commit, "--"], process.env),
    ]);
    const changed = new Set(differ.split("\0").filter(Boolean));
    // "<mode> <object> <stage>\t<path>" (git-ls-files(1), --stage)
    const entries = staged
        .split("\0")
        .filter(Boolean)
        .map((e) => ({ mode: e.slice(0, 6), file: e.slice(e.indexOf("\t") + 1) }));
    const gitlinks = new Set(entries.filter((e) => e.mode === "160000").map((e) => e.file));
    // Pulumi.yaml names the entry and the runtime's options: a change there is a change of code too. So is a
    // submodule's (a gitlink in the commit, or a folder git lists in the working tree): it may hold modules.
    const isCode = (f: string) =>
        isModuleFile(f) ||
        path.posix.basename(f) === "Pulumi.yaml" ||
        gitlinks.has(f) ||
        fs.lstatSync(path.join(repoRoot, f), { throwIfNoEntry: false })?.isDirectory() === true;
    const sharedCode = share !== undefined && ![...changed].some(isCode);
    const fromGit: string[] = [];
    const made = new Set<string>();
    for (const { mode, file } of entries) {
        if (mode === "160000") continue;
        if (changed.has(file)) {
            fromGit.push(file);
            continue;
        }
        const to = path.join(tree, file);
        const dir = path.dirname(to);
        if (!made.has(dir)) {
            fs.mkdirSync(dir, { recursive: true });
            made.add(dir);
        }
        try {
            const from = path.join(repoRoot, file);
            if (mode === "120000") fs.symlinkSync(fs.readlinkSync(from), to);
            else fs.linkSync(from, to);
        } catch {
            fromGit.push(file);
        }
    }
    if (fromGit.length)
        await git(
            ["checkout-index", "--force", "-z", "--stdin", `--prefix=${tree}${path.sep}`],
            withIndex,
            fromGit.join("\0"),
        );
    return { sharedCode };
}

/**
 * What a failed git command of the checkout said, in at most four lines: git names each file it could not write
 * (a full disk: a line for each of hundreds of files) and never why.
 */
export function gitFailure(command: string, r: ChildResult): string {
    const lines = r.stderr.trim().split("\n").filter(Boolean);
    const shown = lines.length > 4 ? [...lines.slice(0, 3), `(and ${lines.length - 3} more lines)`] : lines;
    return `git ${command} failed: ${shown.join("\n") || r.error}`;
}

/** Files Node or tsx can load as a module: `.ts`, `.js`, `.json` and their variants, `.node`. Paths use `/`. */
export function isModuleFile(file: string): boolean {
    return /\.(?:[cm]?[jt]sx?|json|node)$/.test(file);
}

export interface ChildResult {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly error?: string;
}

/** Runs a process to its end without blocking the event loop, so this process can plan meanwhile. */
export function run(
    command: string,
    args: readonly string[],
    opts: SpawnOptions,
    input?: string,
): Promise<ChildResult> {
    return new Promise((resolve) => {
        const child = spawn(command, args, {
            ...opts,
            stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        });
        if (input !== undefined) child.stdin!.end(input);
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout!.on("data", (b: Buffer) => out.push(b));
        child.stderr!.on("data", (b: Buffer) => err.push(b));
        const text = (bs: Buffer[]) => Buffer.concat(bs).toString("utf8");
        child.on("error", (e) =>
            resolve({ status: null, stdout: text(out), stderr: text(err), error: e.message }),
        );
        child.on("close", (status) => resolve({ status, stdout: text(out), stderr: text(err) }));
    });
}
