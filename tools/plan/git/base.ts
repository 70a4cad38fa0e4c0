/**
 * The review's git plumbing: the base revision planned in a temporary checkout with its own plan tool, and files
 * read as they are at a revision.
 */
import { spawn, spawnSync, type SpawnOptions } from "node:child_process";
import * as fs from "node:fs";
import * as nodeModule from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { DiffableDocument } from "../../../lib/plan-document";
import { EXIT, ReviewUsageError } from "../exit";
import { relativeTo } from "../review/compare";
import type { ValuesFileReader } from "../review/sections/helm";

/** Where the review runs: the repository checkout (git worktree root) and the project inside it. */
export interface Checkout {
    readonly repoRoot: string;
    readonly projectDir: string;
}

/** Values files of the base from git (`git show <ref>:<path>`), of the head from the working tree. */
export function gitShowReader(ref: string, opts: Checkout): ValuesFileReader {
    return (side, file) => {
        const abs = path.resolve(opts.projectDir, file);
        if (side === "head") return fs.existsSync(abs) ? fs.readFileSync(abs, "utf8") : undefined;
        const inRepo = path.relative(opts.repoRoot, abs).split(path.sep).join("/");
        const shown = spawnSync("git", ["-C", opts.repoRoot, "show", `${ref}:${inRepo}`], {
            encoding: "utf8",
        });
        return shown.status === 0 ? shown.stdout : undefined;
    };
}

/** The base revision being planned: started by {@link startBase}, read, then disposed of. */
export interface BaseCheckout {
    /**
     * Each stack's plan at the base revision, `undefined` where the stack had no `Pulumi.<stack>.yaml` there.
     * Rejects when the base's plan tool fails (its own mandatory policy violations, exit 3, do not count).
     */
    readonly plans: Promise<ReadonlyMap<string, DiffableDocument | undefined>>;
    /**
     * Settles once the base's plan process runs (or nothing is left to start): a caller that awaits it before
     * loading anything heavy lets the checkout, which needs this thread between its git steps, finish first.
     */
    readonly started: Promise<void>;
    /** The project folder in the base's checkout, for reading more of the base (its stack files, charts). */
    readonly projectDir: string;
    /** Removes the checkout; safe to call more than once, and whether or not `plans` settled. */
    dispose(): Promise<void>;
}

/**
 * Starts planning `stacks` at git revision `ref` with that revision's own plan tool, in a temporary checkout that
 * reuses this checkout's `node_modules`; returns at once, so the caller plans the head meanwhile (two processes on
 * two cores). Call it before loading anything heavy: the base's checkout and start-up then overlap the caller's.
 *
 * The checkout ({@link checkoutBase}) links the files the working tree has unchanged and writes the others from
 * git with a temporary index: unlike `git worktree add` it registers nothing in the repository, so an interrupted
 * review leaves no worktree behind, and it holds only the tracked files of `ref` (no untracked file of the
 * working tree can reach the base's plan).
 * Both processes share Node's compile cache (`module.enableCompileCache`, Node >= 22.1), so the base does not
 * compile again the modules the head compiled on an earlier run.
 *
 * @throws ReviewUsageError at once when `ref` is not a commit.
 */
export function startBase(ref: string, stacks: readonly string[], opts: Checkout, key: Buffer): BaseCheckout {
    const rev = spawnSync(
        "git",
        ["-C", opts.repoRoot, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`],
        {
            encoding: "utf8",
        },
    );
    if (rev.status !== 0) throw new ReviewUsageError(`--base: "${ref}" is not a commit in ${opts.repoRoot}`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-base-"));
    const tree = path.join(tmp, "tree");
    const project = path.relative(opts.repoRoot, opts.projectDir) || ".";
    let disposed: Promise<void> | undefined;
    let spawned!: () => void;
    const started = new Promise<void>((resolve) => (spawned = resolve));
    const plans = planIn(rev.stdout.trim(), tmp, tree, project, stacks, opts, key, ref, spawned);
    // A rejection is the caller's to handle when it awaits `plans`; never an unhandled one meanwhile.
    plans.catch(() => undefined).finally(spawned);
    return {
        plans,
        started,
        projectDir: path.join(tree, project),
        dispose: () =>
            (disposed ??= plans
                .catch(() => undefined)
                .then(() => fs.promises.rm(tmp, { recursive: true, force: true }))),
    };
}

async function planIn(
    commit: string,
    tmp: string,
    tree: string,
    project: string,
    stacks: readonly string[],
    opts: Checkout,
    key: Buffer,
    ref: string,
    spawned: () => void,
): Promise<Map<string, DiffableDocument | undefined>> {
    await checkoutBase(commit, tree, opts.repoRoot, path.join(tmp, "index"));
    fs.symlinkSync(
        fs.realpathSync(path.join(opts.repoRoot, "node_modules")),
        path.join(tree, "node_modules"),
    );
    const plans = new Map<string, DiffableDocument | undefined>();
    const present = stacks.filter((s) => fs.existsSync(path.join(tree, project, `Pulumi.${s}.yaml`)));
    for (const s of stacks) plans.set(s, undefined);
    if (present.length === 0) return plans;
    if (!fs.existsSync(path.join(tree, "tools", "plan.ts")))
        throw new ReviewUsageError(`--base: revision ${ref} has no offline plan tool (tools/plan.ts)`);
    const cacheDir = compileCacheDir();
    const running = run(
        process.execPath,
        [
            // tsx's ESM and CJS hooks, from this checkout: the base's tool may `import()` its modules.
            "--import",
            pathToFileURL(require.resolve("tsx")).href,
            "tools/plan.ts",
            "--project",
            project,
            ...present.flatMap((s) => ["--stack", s]),
            "--format",
            "json",
        ],
        {
            cwd: tree,
            env: {
                ...process.env,
                DATA_INFRA_PLAN_KEY: key.toString("hex"),
                ...(cacheDir ? { NODE_COMPILE_CACHE: cacheDir } : {}),
            },
        },
    );
    spawned();
    const child = await running;
    // The base's own mandatory policy violations (exit 3) do not stop the review of the change.
    if (child.status !== 0 && child.status !== EXIT.policy)
        throw new Error(
            `planning ${present.join(", ")} at ${ref} failed:\n${child.stderr.trim() || child.error}`,
        );
    // Revisions before the plan printed the engine's URNs named children of the stack `pulumi:pulumi:Stack$<type>`
    // (the mock runtime's form); read them as the engine's, so such a base diffs by resource, not by URN spelling.
    const parsed = JSON.parse(child.stdout.split("::pulumi:pulumi:Stack$").join("::")) as
        DiffableDocument | DiffableDocument[];
    const docs = Array.isArray(parsed) ? parsed : [parsed];
    for (const doc of docs) plans.set(doc.stack, relativeTo(doc, path.join(tree, project)));
    return plans;
}

/**
 * Writes the tracked files of `commit` under `tree` (submodules excepted, as `git worktree add` leaves them).
 * A file the working tree holds exactly as `commit` has it (not listed by `git diff <commit>`, which compares
 * through git's clean filters) becomes a hard link to the working tree's file, a symbolic link a new link with
 * the same target: in a review most files are unchanged, and linking them writes no data (the 1,000-file
 * review benchmark's tree: 12 MB). Every other file, and any file that cannot be linked (another filesystem, a
 * sparse checkout's absent file), comes from git: `git checkout-index` with a temporary index (`indexFile`),
 * which registers nothing in the repository. Nothing ever writes to the linked files: the base's plan only
 * reads them, and removing the tree removes the links, not the files.
 */
export async function checkoutBase(
    commit: string,
    tree: string,
    repoRoot: string,
    indexFile: string,
): Promise<void> {
    const withIndex = { ...process.env, GIT_INDEX_FILE: indexFile };
    const git = async (args: readonly string[], env: NodeJS.ProcessEnv, input?: string) => {
        const r = await run("git", ["-C", repoRoot, ...args], { env }, input);
        if (r.status !== 0) throw new Error(`git ${args[0]} failed: ${r.stderr.trim() || r.error}`);
        return r.stdout;
    };
    await git(["read-tree", commit], withIndex);
    const [staged, differ] = await Promise.all([
        git(["ls-files", "--stage", "-z"], withIndex),
        git(["diff", "--name-only", "--no-renames", "-z", commit, "--"], process.env),
    ]);
    const changed = new Set(differ.split("\0").filter(Boolean));
    const fromGit: string[] = [];
    const made = new Set<string>();
    for (const entry of staged.split("\0").filter(Boolean)) {
        // "<mode> <object> <stage>\t<path>" (git-ls-files(1), --stage)
        const tab = entry.indexOf("\t");
        const mode = entry.slice(0, 6);
        const file = entry.slice(tab + 1);
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
}

/** This process's compile cache folder when it has one (see tools/plan.ts), so a child shares it. */
function compileCacheDir(): string | undefined {
    const m = nodeModule as { getCompileCacheDir?: () => string | undefined };
    return m.getCompileCacheDir?.();
}

interface ChildResult {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly error?: string;
}

/** Runs a process to its end without blocking the event loop, so this process can plan meanwhile. */
function run(
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
