/**
 * The review's git plumbing: the base revision planned in a temporary checkout with its own plan tool, and files
 * read as they are at a revision.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as nodeModule from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { DiffableDocument } from "../../../lib/plan-document";
import { EXIT, ReviewUsageError } from "../exit";
import { run } from "./checkout";
import type { CheckoutJob } from "./checkout-worker";
import { workerBundle, type WorkerBundle } from "./worker-bundle";
import { relativeTo } from "../review/compare";
import { resolveEntryPoint } from "../../../runtime/entry-point";
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
     * Call it once this process's own plans are done: a base that has the review entry (tools/plan/for-review.ts)
     * plans then, in this process (the mock runtime is one per process); an older base's own plan process has
     * been running since {@link startBase}. Returns the same promise on every call.
     * Rejects when the base fails to plan (an older base's own mandatory policy violations, exit 3, do not count).
     */
    plans(): Promise<ReadonlyMap<string, DiffableDocument | undefined>>;
    /**
     * Settles once the base's plan process runs, at once for a base planned in this process (or when nothing is
     * left to start): a caller that awaits it before loading anything heavy lets the checkout, which needs this
     * thread between its git steps, start that process first.
     */
    readonly started: Promise<void>;
    /** How the base is planned: `"in-process"` through its review entry, `"own-process"` by its own plan tool. */
    readonly mode: BaseMode;
    /**
     * Whether the base's checkout shares this process's modules (in-process mode, when no module file differs
     * from the working tree: see `checkoutBase`'s `share`); known once the checkout is written.
     */
    sharesCode(): Promise<boolean>;
    /** The project folder in the base's checkout, for reading more of the base (its stack files, charts). */
    readonly projectDir: string;
    /** Removes the checkout; safe to call more than once, and whether or not `plans` settled. */
    dispose(): Promise<void>;
}

/** See {@link BaseCheckout.mode}. */
export type BaseMode = "in-process" | "own-process";

/** The review entry's path in every revision that has one, and the versions of its shape this review can call. */
export const REVIEW_ENTRY = "tools/plan/for-review.ts";
const ENTRY_VERSIONS: readonly unknown[] = [1];

/** Where the checkout worker's bundle is kept: this checkout's `node_modules/.cache/data-infra/`. */
const WORKER_CACHE = path.resolve(__dirname, "..", "..", "..", "node_modules", ".cache", "data-infra");

/**
 * Starts the review's base: checks out git revision `ref` in a temporary folder that reuses this checkout's
 * `node_modules`, and plans `stacks` there; returns at once. Call it before loading anything heavy: the checkout
 * then overlaps the caller's loading.
 *
 * How the base is planned ({@link BaseCheckout.mode}):
 * - **in this process**, when `ref` has the review entry ({@link REVIEW_ENTRY}) in a version this review knows:
 *   once the caller's own plans are done (`plans()`), with the SDKs and the tools this process has loaded. It then
 *   costs its own run only, about 0.3 s, where a process of its own costs a whole plan (1.8 s, of which about 1.5 s
 *   is loading) while competing with the head's plan for the same two cores (issue 22);
 * - **by `ref`'s own plan tool in a child process** otherwise (revisions from before the entry, or with a shape
 *   this review does not know): started as soon as the checkout is written, it plans while the caller plans the
 *   head. Node's compile cache is shared with it (`NODE_COMPILE_CACHE`).
 *
 * The checkout (`checkoutBase` in ./checkout.ts, on a worker thread) links the files the working tree has
 * unchanged and writes the others from git with a temporary index: unlike `git worktree add` it registers nothing in the repository, so an interrupted
 * review leaves no worktree behind, and it holds only the tracked files of `ref` (no untracked file of the
 * working tree can reach the base's plan). Its folder is the same on every review of this repository by this
 * user ({@link claimBaseFolder}): tsx's transform cache and Node's compile cache are keyed by each module's path,
 * and a new folder each time transformed and compiled the base's modules again (0.4 s per review).
 *
 * @throws ReviewUsageError at once when `ref` is not a commit or git cannot look it up (not a repository), Error
 * when git cannot run.
 */
export function startBase(ref: string, stacks: readonly string[], opts: Checkout, key: Buffer): BaseCheckout {
    const git = (...args: string[]) =>
        spawnSync("git", ["-C", opts.repoRoot, ...args], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
    const rev = git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
    if (rev.error) throw new Error(`--base: git could not run: ${rev.error.message}`);
    if (rev.status !== 0) {
        // --quiet: nothing on stderr for a name that is no commit; git's own words for anything else.
        const why = rev.stderr.trim().split("\n")[0];
        throw new ReviewUsageError(
            why
                ? `--base: git cannot look up "${ref}" in ${opts.repoRoot}: ${why}`
                : `--base: "${ref}" is not a commit in ${opts.repoRoot}`,
        );
    }
    const commit = rev.stdout.trim();
    const mode: BaseMode =
        git("cat-file", "-e", `${commit}:${REVIEW_ENTRY}`).status === 0 ? "in-process" : "own-process";
    const tmp = claimBaseFolder(opts.repoRoot);
    const tree = path.join(tmp, "tree");
    const project = path.relative(opts.repoRoot, opts.projectDir) || ".";
    const base: PlanContext = { tree, project, stacks, key, ref };
    const share = mode === "in-process" ? sharedCodeEntry(opts) : undefined;
    let sharedCode = false;
    const checkedOut = (async () => {
        ({ sharedCode } = await checkoutInWorker({
            commit,
            tree,
            repoRoot: opts.repoRoot,
            indexFile: path.join(tmp, "index"),
            share,
        }));
        fs.symlinkSync(
            fs.realpathSync(path.join(opts.repoRoot, "node_modules")),
            path.join(tree, "node_modules"),
        );
        const present = stacks.filter((s) => fs.existsSync(path.join(tree, project, `Pulumi.${s}.yaml`)));
        return present;
    })().catch((e: unknown) => {
        // Where, and the likeliest cause (a full temporary folder) at a glance; git never says why it could not write.
        throw new Error(`checking out ${ref} in ${tmp} failed${freeSpace(tmp)}:\n${(e as Error).message}`);
    });
    let spawned!: () => void;
    const started = new Promise<void>((resolve) => (spawned = resolve));
    let plans: Promise<Map<string, DiffableDocument | undefined>> | undefined;
    if (mode === "in-process") spawned();
    else plans = checkedOut.then((present) => planInOwnProcess(base, present, spawned));
    // A rejection is the caller's to handle when it awaits `plans()`; never an unhandled one meanwhile.
    const settled = () => (plans ?? checkedOut).catch(() => undefined);
    settled().finally(spawned);
    let disposed: Promise<void> | undefined;
    return {
        plans: () =>
            (plans ??= checkedOut.then((present) =>
                planInThisProcess(
                    base,
                    present,
                    sharedCode && share ? { repoRoot: opts.repoRoot, ...share } : undefined,
                ),
            )),
        started,
        mode,
        sharesCode: () => checkedOut.then(() => sharedCode),
        projectDir: path.join(tree, project),
        dispose: () =>
            // fs.rmSync removes a tree in native code: 16 ms for 1,100 links, where fs.promises.rm took 40 ms, and
            // `rm -rf` in a child process, started before the review renders, still ended 20 ms later.
            (disposed ??= settled().then(() => fs.rmSync(tmp, { recursive: true, force: true }))),
    };
}

/**
 * {@link checkoutBase} on a worker thread (./checkout-worker.ts): it proceeds while this thread loads and plans the
 * head (about 0.3 s that the review waited for before). The worker runs from its plain CommonJS bundle when one
 * is built for these sources (./worker-bundle.ts); otherwise with tsx's require hook, and it then builds the bundle
 * for the next review, after it has posted its result. A bundle that fails to start is not used again.
 */
function checkoutInWorker(job: CheckoutJob): Promise<{ sharedCode: boolean }> {
    let bundle: WorkerBundle | undefined;
    try {
        bundle = workerBundle(WORKER_CACHE);
    } catch {
        // sources unreadable: the worker runs with tsx and builds nothing
    }
    const start = (fromBundle: boolean): Promise<{ sharedCode: boolean }> =>
        new Promise((resolve, reject) => {
            // tsx's require hook, registered synchronously by the worker's first line: its ESM loader given with
            // `--import` registers asynchronously, and a worker's TypeScript main module sometimes loaded before
            // it ("Unknown file extension .ts").
            const main = `require(${JSON.stringify(require.resolve("tsx/cjs"))});
const { done } = require(${JSON.stringify(path.join(__dirname, "checkout-worker.ts"))});
const { bundle } = require("node:worker_threads").workerData;
if (bundle) done.then(() => require(${JSON.stringify(path.join(__dirname, "worker-bundle.ts"))}).buildWorkerBundle(bundle)).catch(() => undefined);`;
            const worker = fromBundle
                ? new Worker(bundle!.file, { workerData: job, execArgv: [] })
                : new Worker(main, {
                      eval: true,
                      workerData: { ...job, bundle: bundle?.file },
                      execArgv: [],
                  });
            let answered = false;
            worker.once("message", (m: { ok: boolean; sharedCode?: boolean; message?: string }) => {
                answered = true;
                if (m.ok) resolve({ sharedCode: m.sharedCode === true });
                else reject(new Error(m.message));
            });
            let fellBack = false;
            worker.once("error", (e) => {
                if (fromBundle && !answered) {
                    fellBack = true;
                    fs.rmSync(bundle!.file, { force: true });
                    start(false).then(resolve, reject);
                } else reject(e);
            });
            // After its message (or once the other worker took over), the worker's exit settles nothing.
            worker.once("exit", (code) => {
                if (!fellBack) reject(new Error(`the base's checkout stopped (exit code ${code})`));
            });
        });
    return start(bundle?.exists === true);
}

/**
 * The program's entry as a path in the repository (`/`-separated), for a checkout that shares the head's code
 * (`checkoutBase`'s `share`); `undefined`, so nothing is shared, when the head's entry does not resolve or lies
 * outside the repository.
 */
function sharedCodeEntry(opts: Checkout): { entry: string } | undefined {
    let program: string;
    try {
        program = resolveEntryPoint(opts.projectDir).program;
    } catch {
        return undefined;
    }
    const entry = path.relative(opts.repoRoot, program);
    if (entry.startsWith("..") || path.isAbsolute(entry)) return undefined;
    return { entry: entry.split(path.sep).join("/") };
}

/** What planning the base needs besides the stacks present in its checkout. */
interface PlanContext {
    /** The checkout's root, and the project folder in it (relative; `.` for the root). */
    readonly tree: string;
    readonly project: string;
    /** The stacks asked for, in order. */
    readonly stacks: readonly string[];
    /** The review's fingerprint key. */
    readonly key: Buffer;
    /** The revision as the user named it, for messages. */
    readonly ref: string;
}

/** Every stack asked for, `undefined` until its plan is set. */
const emptyPlans = (stacks: readonly string[]) =>
    new Map<string, DiffableDocument | undefined>(stacks.map((s) => [s, undefined]));

/**
 * Plans the base through its review entry, in this process. A revision whose entry turns out to have a shape this
 * review does not know is planned by its own process instead. With `shared` (no module file differs, see
 * `checkoutBase`), the base's program runs with the modules this process has loaded ({@link shareLoadedModules}).
 * The base's own modules, and those shared, are forgotten under the checkout's paths afterwards (`require.cache`),
 * so a later review in the same process, in the same folder, loads its own revision's.
 */
async function planInThisProcess(
    base: PlanContext,
    present: readonly string[],
    shared?: { readonly repoRoot: string; readonly entry: string },
): Promise<Map<string, DiffableDocument | undefined>> {
    const plans = emptyPlans(base.stacks);
    if (present.length === 0) return plans;
    const prefix = base.tree + path.sep;
    try {
        // By real paths, as Node enters modules in require.cache.
        if (shared)
            shareLoadedModules(require.cache, fs.realpathSync(shared.repoRoot), base.tree, shared.entry);
        const entry = require(path.join(base.tree, REVIEW_ENTRY)) as Partial<ForReviewModule>;
        if (!ENTRY_VERSIONS.includes(entry.FOR_REVIEW_VERSION) || typeof entry.planForReview !== "function")
            return await planInOwnProcess(base, present, () => undefined);
        const projectDir = path.join(base.tree, base.project);
        let docs: readonly unknown[];
        try {
            docs = await entry.planForReview({
                projectDir,
                stacks: present,
                fingerprintKey: base.key,
                // What the review compares with need not be deployable as it stands: the head is what it judges.
                deployedByWorkflows: false,
            });
        } catch (e) {
            throw new Error(`planning ${present.join(", ")} at ${base.ref} failed:\n${(e as Error).message}`);
        }
        // As the head's documents, these are compared as the plan built them, not as JSON text.
        for (const doc of docs as DiffableDocument[]) plans.set(doc.stack, relativeTo(doc, projectDir));
        return plans;
    } finally {
        for (const id of Object.keys(require.cache)) if (id.startsWith(prefix)) delete require.cache[id];
    }
}

/**
 * Lets the base's checkout (`tree`) use the modules this process has loaded from the working tree (`repoRoot`):
 * each loaded module of the working tree, but the program's `entry` (a path in the repository, `/`-separated) and
 * what lies under `node_modules` (the checkout's `node_modules` is a link to the working tree's, so those are
 * shared already), is entered in `cache` (`require.cache`) under its path in the checkout too. Node's CommonJS
 * loader looks a resolved file name up in that cache before it loads the file (`Module._load`,
 * lib/internal/modules/cjs/loader.js), so the base's entry, loaded from the checkout, then gets the head's
 * modules (the same objects), while every file of the checkout stays the base's own for what reads it as data.
 * Returns the names entered.
 */
export function shareLoadedModules(
    cache: Record<string, unknown>,
    repoRoot: string,
    tree: string,
    entry: string,
): string[] {
    const root = path.resolve(repoRoot) + path.sep;
    const inTree = path.resolve(tree) + path.sep;
    const skip = path.join(root, ...entry.split("/"));
    const entered: string[] = [];
    for (const [id, module] of Object.entries(cache)) {
        if (!id.startsWith(root) || id.startsWith(inTree) || id === skip || module === undefined) continue;
        const rel = id.slice(root.length);
        if (rel.split(path.sep).includes("node_modules")) continue;
        const alias = inTree + rel;
        if (alias in cache) continue;
        cache[alias] = module;
        entered.push(alias);
    }
    return entered;
}

/** The review entry's module (tools/plan/for-review.ts), as far as this review relies on it. */
interface ForReviewModule {
    readonly FOR_REVIEW_VERSION: unknown;
    planForReview(opts: {
        projectDir: string;
        stacks: readonly string[];
        fingerprintKey: Buffer;
        deployedByWorkflows: boolean;
    }): Promise<readonly unknown[]>;
}

/** Plans the base with its own plan tool (`tools/plan.ts --format json`) in a child process. */
async function planInOwnProcess(
    base: PlanContext,
    present: readonly string[],
    spawned: () => void,
): Promise<Map<string, DiffableDocument | undefined>> {
    const { tree, project, key, ref } = base;
    const plans = emptyPlans(base.stacks);
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
 * The folder for the base's checkout: `<tmpdir>/data-infra-base-<uid>-<12 hex of the repository path's SHA-256>`,
 * the same on every review of this repository by this user, so the caches keyed by path find the base's modules
 * (see {@link startBase}). It is this review's alone: made with `mkdir` (which fails when it exists), mode 0700,
 * with an `owner` file naming this process (and its PID namespace). A folder left by a review that is gone (its
 * owner process, of this PID namespace, no longer runs, or no owner after 10 minutes) is taken over: one
 * `claim-<owner's pid>` file, created exclusively, decides between two reviews that find it at once, and the
 * winner empties it. In every other case (in use, not a folder of this user, a link) the base gets a new random
 * folder (`mkdtemp`), as it always did before.
 */
export function claimBaseFolder(repoRoot: string, tmpDir: string = os.tmpdir()): string {
    // Absolute whatever TMPDIR says: the checkout's git runs in the repository (`-C`), and the base's entry is
    // required by this path. And real (macOS's TMPDIR is under /var, a link to /private/var): Node loads a module
    // by its real path, which is what the head's modules are entered under for the base (shareLoadedModules) and
    // what is forgotten after its plan.
    let tmpRoot = path.resolve(tmpDir);
    try {
        tmpRoot = fs.realpathSync(tmpRoot);
    } catch {
        // missing: mkdir below says so
    }
    const uid = process.getuid?.() ?? 0;
    const hash = createHash("sha256").update(path.resolve(repoRoot)).digest("hex").slice(0, 12);
    const dir = path.join(tmpRoot, `data-infra-base-${uid}-${hash}`);
    const owner = path.join(dir, "owner");
    const randomFolder = () => fs.mkdtempSync(path.join(tmpRoot, "data-infra-base-"));
    try {
        fs.mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
        const gone = (e as NodeJS.ErrnoException).code === "EEXIST" ? abandonedBy(dir, uid) : undefined;
        if (gone === undefined) return randomFolder();
        try {
            fs.writeFileSync(path.join(dir, `claim-${gone.split(" ")[0]}`), String(process.pid), {
                flag: "wx",
            });
        } catch {
            return randomFolder();
        }
        // Another review may have taken it over, finished and removed it, and a third made it anew meanwhile.
        if (ownerOf(dir) !== gone) return randomFolder();
        for (const f of fs.readdirSync(dir))
            if (!f.startsWith("claim-")) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    }
    fs.writeFileSync(owner, ownerLine());
    return dir;
}

/**
 * What a review writes in its folder's `owner` file: its process id and, where the system has them (Linux), its
 * PID namespace, since a process id says nothing about a process in another namespace (a container sharing this
 * temporary folder).
 */
function ownerLine(): string {
    const ns = pidNamespace();
    return ns ? `${process.pid} ${ns}` : String(process.pid);
}

/** This process's PID namespace (`pid:[4026531836]`), or `""` where there is none to read. */
function pidNamespace(): string {
    try {
        return fs.readlinkSync("/proc/self/ns/pid");
    } catch {
        return "";
    }
}

/**
 * The owner (its `owner` file's text, or `none`) whose review left `dir` behind, or `undefined` when `dir` is in
 * use (or its owner cannot be checked from here) or not a plain folder of user `uid`.
 */
function abandonedBy(dir: string, uid: number): string | undefined {
    let st: fs.Stats;
    try {
        st = fs.lstatSync(dir);
    } catch {
        return undefined;
    }
    if (!st.isDirectory() || st.uid !== uid) return undefined;
    const text = ownerOf(dir);
    if (text === "none") return Date.now() - st.mtimeMs > 10 * 60_000 ? "none" : undefined;
    // `<pid>` or `<pid> <PID namespace>` (ownerLine); a process of another namespace cannot be checked from here.
    const [pidText, ns = pidNamespace(), ...more] = text.split(" ");
    const pid = Number(pidText);
    if (!Number.isSafeInteger(pid) || pid <= 0 || more.length > 0 || ns !== pidNamespace()) return undefined;
    try {
        process.kill(pid, 0);
        return undefined;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "ESRCH" ? text : undefined;
    }
}

/** ` (<n> MiB free there)` for the file system of `dir`, or nothing when that cannot be read. */
function freeSpace(dir: string): string {
    try {
        const st = fs.statfsSync(dir);
        return ` (${Math.floor((st.bavail * st.bsize) / 2 ** 20)} MiB free there)`;
    } catch {
        return "";
    }
}

/** This process's compile cache folder when it has one (see tools/plan.ts), so a child shares it. */
function compileCacheDir(): string | undefined {
    const m = nodeModule as { getCompileCacheDir?: () => string | undefined };
    return m.getCompileCacheDir?.();
}

/** The text of `dir`'s owner file, `none` when it has none. */
function ownerOf(dir: string): string {
    try {
        return fs.readFileSync(path.join(dir, "owner"), "utf8");
    } catch {
        return "none";
    }
}
