/**
 * The checkout worker's plain CommonJS bundle (tools/plan/git/worker-bundle.ts): built by esbuild from exactly its
 * sources, named by them, run by Node without any TypeScript hook, and replaced when it does not start.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { startBase } from "../../tools/plan/git/base";
import { checkoutBase } from "../../tools/plan/git/checkout";
import { WORKER_SOURCES, buildWorkerBundle, workerBundle } from "../../tools/plan/git/worker-bundle";
import { REPO_ROOT } from "../harness";

const SOURCES = path.join(REPO_ROOT, "tools", "plan", "git");

/** Every file under `dir` (not following links) as path → content. */
function snapshot(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of (fs.readdirSync(dir, { recursive: true }) as string[]).sort()) {
        const st = fs.lstatSync(path.join(dir, f));
        if (st.isFile()) out[f] = fs.readFileSync(path.join(dir, f), "utf8");
    }
    return out;
}

describe("Review checkout worker bundle", () => {
    let tmp: string;
    beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "worker-bundle-"))));
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** A copy of the worker's sources, to change without touching the repository's. */
    const copySources = () => {
        const dir = path.join(tmp, "src");
        fs.mkdirSync(dir);
        for (const f of WORKER_SOURCES) fs.copyFileSync(path.join(SOURCES, f), path.join(dir, f));
        return dir;
    };

    it("builds one CommonJS file that checks out a commit as checkoutBase does, with no TypeScript hook", async () => {
        // GIVEN a repository with a commit and a working tree that differs from it
        const repo = path.join(tmp, "repo");
        fs.mkdirSync(path.join(repo, "dags"), { recursive: true });
        fs.writeFileSync(path.join(repo, "dags", "a.py"), "a = 1\n");
        fs.writeFileSync(path.join(repo, "index.ts"), "export {};\n");
        const git = (...args: string[]) =>
            execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
                cwd: repo,
                encoding: "utf8",
            });
        git("init", "--quiet");
        git("add", "-A");
        git("commit", "--quiet", "-m", "base");
        const commit = git("rev-parse", "HEAD").trim();
        fs.writeFileSync(path.join(repo, "dags", "a.py"), "a = 2\n");
        // WHEN the bundle is built and a worker runs from it with no execArgv (no tsx)
        const bundle = workerBundle(path.join(tmp, "cache"));
        assert.equal(bundle.exists, false);
        assert.equal(buildWorkerBundle(bundle.file), true);
        assert.equal(workerBundle(path.join(tmp, "cache")).exists, true);
        const job = { commit, tree: path.join(tmp, "t1"), repoRoot: repo, indexFile: path.join(tmp, "i1") };
        const message = await new Promise((resolve, reject) => {
            const worker = new Worker(bundle.file, { workerData: job, execArgv: [] });
            worker.once("message", resolve);
            worker.once("error", reject);
        });
        // THEN it answers as the worker does, and its checkout is checkoutBase's
        assert.deepEqual(message, { ok: true, sharedCode: false });
        await checkoutBase(commit, path.join(tmp, "t2"), repo, path.join(tmp, "i2"));
        assert.deepEqual(snapshot(job.tree), snapshot(path.join(tmp, "t2")));
        assert.equal(fs.readFileSync(path.join(job.tree, "dags", "a.py"), "utf8"), "a = 1\n");
    });

    it("names the bundle by its sources: a changed source names another file", () => {
        const dir = copySources();
        const before = workerBundle(tmp, dir).file;
        assert.equal(workerBundle(tmp, SOURCES).file, before);
        fs.appendFileSync(path.join(dir, "checkout.ts"), "// changed\n");
        assert.notEqual(workerBundle(tmp, dir).file, before);
        assert.match(path.basename(before), /^checkout-worker-[0-9a-f]{16}\.cjs$/);
    });

    it("writes nothing when the worker imports a module of the repository besides its sources", () => {
        const dir = copySources();
        fs.writeFileSync(path.join(dir, "extra.ts"), "export const extra = 1;\n");
        fs.appendFileSync(path.join(dir, "checkout.ts"), 'export { extra } from "./extra";\n');
        const file = path.join(tmp, "cache", "bundle.cjs");
        assert.equal(buildWorkerBundle(file, dir), false);
        assert.equal(fs.existsSync(file), false);
    });

    it("replaces a bundle that does not start, and the review goes on", async () => {
        // GIVEN the repository's bundle, broken
        const cache = path.join(REPO_ROOT, "node_modules", ".cache", "data-infra");
        const { file } = workerBundle(cache);
        fs.mkdirSync(cache, { recursive: true });
        fs.writeFileSync(file, "throw new Error('a broken bundle');\n");
        // WHEN a review's base is checked out
        const base = startBase("HEAD", [], { repoRoot: REPO_ROOT, projectDir: REPO_ROOT }, Buffer.alloc(32));
        try {
            // THEN the checkout is done by the worker with tsx, which builds the bundle anew once it has answered
            assert.equal(typeof (await base.sharesCode()), "boolean");
            for (let i = 0; i < 100 && !/^"use strict"|^var /.test(readOrEmpty(file)); i++)
                await new Promise((r) => setTimeout(r, 100));
            assert.doesNotMatch(readOrEmpty(file), /a broken bundle/);
            assert.ok(readOrEmpty(file).length > 1000, "the bundle is built again");
        } finally {
            await base.dispose();
        }
    });
});

function readOrEmpty(file: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return "";
    }
}
