/**
 * The review's git plumbing: the base revision planned in a temporary worktree with its own plan tool, and files
 * read as they are at a revision.
 */
import { spawn, spawnSync, type SpawnOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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

/**
 * Plans `stack` at git revision `ref` with that revision's own plan tool, in a temporary detached worktree that
 * reuses this checkout's `node_modules`; the worktree is removed whatever happens. `undefined` when the stack did
 * not exist at `ref`.
 */
export async function planBase(
    ref: string,
    stack: string,
    opts: Checkout,
    key: Buffer,
    /** Reads more of the base revision (its stack files) before the worktree goes; given the project folder. */
    inspect?: (projectDir: string, doc: DiffableDocument) => void,
): Promise<DiffableDocument | undefined> {
    const git = (...args: string[]) => spawnSync("git", ["-C", opts.repoRoot, ...args], { encoding: "utf8" });
    const rev = git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
    if (rev.status !== 0) throw new ReviewUsageError(`--base: "${ref}" is not a commit in ${opts.repoRoot}`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "data-infra-base-"));
    const tree = path.join(tmp, "tree");
    try {
        const add = git("worktree", "add", "--detach", "--quiet", tree, rev.stdout.trim());
        if (add.status !== 0) throw new Error(`git worktree add failed: ${add.stderr.trim()}`);
        fs.symlinkSync(
            fs.realpathSync(path.join(opts.repoRoot, "node_modules")),
            path.join(tree, "node_modules"),
        );
        const project = path.relative(opts.repoRoot, opts.projectDir) || ".";
        if (!fs.existsSync(path.join(tree, project, `Pulumi.${stack}.yaml`))) return undefined;
        if (!fs.existsSync(path.join(tree, "tools", "plan.ts")))
            throw new ReviewUsageError(`--base: revision ${ref} has no offline plan tool (tools/plan.ts)`);
        const child = await run(
            process.execPath,
            [
                require.resolve("tsx/cli"),
                "tools/plan.ts",
                "--project",
                project,
                "--stack",
                stack,
                "--format",
                "json",
            ],
            { cwd: tree, env: { ...process.env, DATA_INFRA_PLAN_KEY: key.toString("hex") } },
        );
        // The base's own mandatory policy violations (exit 3) do not stop the review of the change.
        if (child.status !== 0 && child.status !== EXIT.policy)
            throw new Error(`planning ${stack} at ${ref} failed:\n${child.stderr.trim() || child.error}`);
        // Revisions before the plan printed the engine's URNs named children of the stack `pulumi:pulumi:Stack$<type>`
        // (the mock runtime's form); read them as the engine's, so such a base diffs by resource, not by URN spelling.
        const engineUrns = child.stdout.split("::pulumi:pulumi:Stack$").join("::");
        const doc = relativeTo(JSON.parse(engineUrns) as DiffableDocument, path.join(tree, project));
        inspect?.(path.join(tree, project), doc);
        return doc;
    } finally {
        git("worktree", "remove", "--force", tree);
        fs.rmSync(tmp, { recursive: true, force: true });
        git("worktree", "prune");
    }
}

interface ChildResult {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly error?: string;
}

/** Runs a process to its end without blocking the event loop, so this process can plan meanwhile. */
function run(command: string, args: readonly string[], opts: SpawnOptions): Promise<ChildResult> {
    return new Promise((resolve) => {
        const child = spawn(command, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
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
