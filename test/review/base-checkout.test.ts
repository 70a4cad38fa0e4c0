/**
 * The review's base checkout (tools/plan/git/checkout.ts, checkoutBase) in a scratch git repository: it must hold
 * exactly the commit's tracked files, whatever the working tree holds, and never change the working tree; with
 * `share`, it says whether no module file differs (the base then shares the head's loaded modules, see
 * `shareLoadedModules` in tools/plan/git/base.ts), and its files are still the base's own: no link out of it.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listDagFiles } from "../../components/airflow/dag-files";
import { readProjectFile } from "../../components/platform/paths";
import { claimBaseFolder, shareLoadedModules, startBase } from "../../tools/plan/git/base";
import { checkoutBase, gitFailure, isModuleFile } from "../../tools/plan/git/checkout";

const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
        cwd,
        encoding: "utf8",
    });

/**
 * Every file under `dir` but `.git/` (not following links), as path → content (with "(x) " when executable) or
 * `-> target` for a symbolic link.
 */
function snapshot(dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of (fs.readdirSync(dir, { recursive: true }) as string[]).sort()) {
        if (f === ".git" || f.startsWith(`.git${path.sep}`)) continue;
        const full = path.join(dir, f);
        const st = fs.lstatSync(full);
        if (st.isSymbolicLink()) out[f] = `-> ${fs.readlinkSync(full)}`;
        else if (st.isFile()) out[f] = `${st.mode & 0o100 ? "(x) " : ""}${fs.readFileSync(full, "utf8")}`;
    }
    return out;
}

describe("Review base checkout", () => {
    let root: string;
    let repo: string;
    let commit: string;
    let expected: Record<string, string>;
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "base-checkout-"));
        repo = path.join(root, "repo");
        fs.mkdirSync(path.join(repo, "dags", "team"), { recursive: true });
        const files: Record<string, string> = {
            "dags/team/a.py": "a = 1\n",
            "dags/team/b.py": "b = 1\n",
            "dags/c.yml": "c: 1\n",
            "staged.txt": "base\n",
            "deleted.txt": "gone in the working tree\n",
            "mode.sh": "#!/bin/sh\n",
        };
        for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(repo, f), text);
        fs.symlinkSync("team/a.py", path.join(repo, "dags", "link.py"));
        fs.chmodSync(path.join(repo, "mode.sh"), 0o755);
        git(repo, "init", "--quiet");
        git(repo, "add", "-A");
        git(repo, "commit", "--quiet", "-m", "base");
        commit = git(repo, "rev-parse", "HEAD").trim();
        expected = snapshot(repo);
        // The working tree then differs from the commit in every way a review meets.
        fs.writeFileSync(path.join(repo, "dags/team/a.py"), "a = 2  # changed, not staged\n");
        fs.writeFileSync(path.join(repo, "staged.txt"), "head, staged\n");
        git(repo, "add", "staged.txt");
        fs.rmSync(path.join(repo, "deleted.txt"));
        fs.writeFileSync(path.join(repo, "dags/untracked.py"), "new = 1\n");
        fs.rmSync(path.join(repo, "dags", "link.py"));
        fs.symlinkSync("team/b.py", path.join(repo, "dags", "link.py"));
        fs.chmodSync(path.join(repo, "mode.sh"), 0o644);
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("holds exactly the commit's tracked files, changed, staged, deleted and relinked ones as committed", async () => {
        const head = snapshot(repo);
        const tree = path.join(root, "tree");
        await checkoutBase(commit, tree, repo, path.join(root, "index"));
        assert.deepEqual(snapshot(tree), expected);
        // AND the working tree is as it was, and git registered nothing
        assert.deepEqual(snapshot(repo), head);
        assert.equal(git(repo, "worktree", "list").trim().split("\n").length, 1);
        assert.equal(git(repo, "diff", "--cached", "--name-only").trim(), "staged.txt");
    });

    it("links the unchanged files (no data written) and writes the changed ones from git", async () => {
        const tree = path.join(root, "tree");
        await checkoutBase(commit, tree, repo, path.join(root, "index"));
        const inode = (dir: string, f: string) => fs.statSync(path.join(dir, f)).ino;
        assert.equal(inode(tree, "dags/team/b.py"), inode(repo, "dags/team/b.py"));
        assert.equal(inode(tree, "dags/c.yml"), inode(repo, "dags/c.yml"));
        assert.notEqual(inode(tree, "dags/team/a.py"), inode(repo, "dags/team/a.py"));
        assert.notEqual(inode(tree, "staged.txt"), inode(repo, "staged.txt"));
        // AND removing the checkout leaves the linked files in the working tree
        fs.rmSync(tree, { recursive: true });
        assert.equal(fs.readFileSync(path.join(repo, "dags/team/b.py"), "utf8"), "b = 1\n");
    });

    it("writes from git a file the working tree does not have although git thinks it unchanged", async () => {
        // A sparse checkout's skip-worktree file: absent, and not listed by `git diff`.
        git(repo, "update-index", "--skip-worktree", "dags/c.yml");
        fs.rmSync(path.join(repo, "dags/c.yml"));
        const tree = path.join(root, "tree");
        await checkoutBase(commit, tree, repo, path.join(root, "index"));
        assert.deepEqual(snapshot(tree), expected);
    });
});

describe("Review base checkout sharing the head's modules", () => {
    let root: string;
    let repo: string;
    let commit: string;
    const files: Record<string, string> = {
        "index.ts": 'import "./lib/a";\n',
        "lib/a.ts": "export const a = 1;\n",
        "lib/schema.json": '{"type": "object"}\n',
        "Pulumi.yaml": "name: p\nruntime: nodejs\n",
        "Pulumi.test.yaml": "config: {}\n",
        "dags/x.py": "x = 1\n",
        // Data in module-like files: a DAG's JSON config, a plugin's JavaScript, a values file in JSON.
        "dags/x.json": '{"feeds": ["a"]}\n',
        "dags/static/app.js": "alert(1);\n",
        "values/site.json": '{"replicas": 1}\n',
    };
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "base-share-"));
        repo = path.join(root, "repo");
        for (const [f, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
            fs.writeFileSync(path.join(repo, f), text);
        }
        git(repo, "init", "--quiet");
        git(repo, "add", "-A");
        git(repo, "commit", "--quiet", "-m", "base");
        commit = git(repo, "rev-parse", "HEAD").trim();
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    const write = (f: string, text: string) => () => fs.writeFileSync(path.join(repo, f), text);
    const cases: Array<{ what: string; change: () => void; share?: boolean; shared: boolean }> = [
        { what: "a DAG file changed", change: write("dags/x.py", "x = 2\n"), shared: true },
        { what: "a stack file changed", change: write("Pulumi.test.yaml", "config: {a: 1}\n"), shared: true },
        {
            what: "a new module, not yet added to git",
            change: write("lib/new.ts", "export {};\n"),
            shared: true,
        },
        { what: "a module changed", change: write("lib/a.ts", "export const a = 2;\n"), shared: false },
        { what: "the entry changed", change: write("index.ts", "// changed\n"), shared: false },
        { what: "a JSON file changed", change: write("lib/schema.json", "{}\n"), shared: false },
        {
            what: "Pulumi.yaml changed",
            change: write("Pulumi.yaml", "name: p\nruntime: nodejs\nmain: x.ts\n"),
            shared: false,
        },
        {
            what: "a new module added to git",
            change: () => {
                write("lib/new.ts", "export {};\n")();
                git(repo, "add", "lib/new.ts");
            },
            shared: false,
        },
        { what: "a module deleted", change: () => fs.rmSync(path.join(repo, "lib/a.ts")), shared: false },
        {
            // A submodule (gitlink) may hold code the program imports; its path has no extension. A gitlink
            // without its folder in the working tree is listed by `git diff` too: not sharing is the safe side.
            what: "a submodule differs",
            change: () => {
                git(repo, "update-index", "--add", "--cacheinfo", `160000,${commit},vendor/lib`);
                git(repo, "commit", "--quiet", "-m", "a submodule");
                commit = git(repo, "rev-parse", "HEAD").trim();
            },
            shared: false,
        },
        {
            what: "a submodule is added in the working tree",
            change: () => {
                // an embedded repository, staged: a gitlink that the commit does not have
                const lib = path.join(repo, "vendor/lib");
                fs.mkdirSync(lib, { recursive: true });
                git(lib, "init", "--quiet");
                fs.writeFileSync(path.join(lib, "m.ts"), "export {};\n");
                git(lib, "add", "-A");
                git(lib, "commit", "--quiet", "-m", "lib");
                git(repo, "-c", "advice.addEmbeddedRepo=false", "add", "vendor/lib");
            },
            shared: false,
        },
        {
            what: "nothing changed, but not asked to share",
            change: () => undefined,
            share: false,
            shared: false,
        },
    ];
    for (const c of cases) {
        it(`${c.shared ? "shares" : "does not share"} the modules when ${c.what}`, async () => {
            c.change();
            const tree = path.join(root, "tree");
            const result = await checkoutBase(
                commit,
                tree,
                repo,
                path.join(root, "index"),
                c.share === false ? undefined : { entry: "index.ts" },
            );
            assert.deepEqual(result, { sharedCode: c.shared });
            // Whatever the way, each file reads as the commit has it
            for (const [f, text] of Object.entries(files))
                assert.equal(fs.readFileSync(path.join(tree, f), "utf8"), text, f);
            // AND no file is a link out of the checkout: its files are the base's own to whatever reads them
            const linked = Object.keys(files).filter((f) =>
                fs.lstatSync(path.join(tree, f)).isSymbolicLink(),
            );
            assert.deepEqual(linked, []);
        });
    }

    /**
     * What the program reads of the base's checkout in ways that tell a link from a file, each with what it must
     * get there: the same as in the commit. When shared, module-like data files (JSON, JavaScript) were links to
     * the working tree, and the DAG sync refused them ("symlink leaves the source folder"), failing the review.
     */
    const readers: Array<{ what: string; read: (dir: string) => unknown }> = [
        {
            what: "the DAG sync's walk (links must stay inside the folder)",
            read: (dir) => {
                const list = listDagFiles({
                    projectDir: dir,
                    folders: [{ source: "dags", prefix: "dags/" }],
                });
                return { files: list.files.map((f) => [f.objectName, f.md5]), problems: list.problems };
            },
        },
        {
            what: "a values file read inside the project only",
            read: (dir) => readProjectFile(dir, "values/site.json")?.toString("utf8"),
        },
    ];
    for (const r of readers) {
        it(`gives ${r.what} the commit's files in a checkout that shares the modules`, async () => {
            const expected = r.read(repo);
            write("dags/x.py", "x = 2\n")();
            const tree = path.join(root, "tree");
            const result = await checkoutBase(commit, tree, repo, path.join(root, "index"), {
                entry: "index.ts",
            });
            assert.deepEqual(result, { sharedCode: true });
            // the working tree's reading, as the commit had it (the changed DAG aside)
            assert.deepEqual(JSON.stringify(r.read(tree)), JSON.stringify(expected));
        });
    }

    const modules: Array<[string, boolean]> = [
        ["index.ts", true],
        ["lib/a.mts", true],
        ["lib/a.cts", true],
        ["lib/view.tsx", true],
        ["lib/a.js", true],
        ["lib/a.mjs", true],
        ["lib/a.cjs", true],
        ["lib/a.jsx", true],
        ["config/schema.json", true],
        ["native/addon.node", true],
        ["Pulumi.yaml", false],
        ["Pulumi.test.yaml", false],
        ["airflow/dags/a.py", false],
        ["airflow/requirements.txt", false],
        ["charts/values.yaml", false],
        ["README.md", false],
        ["notes.ts.txt", false],
        ["MyPulumi.yaml", false],
    ];
    for (const [file, expected] of modules)
        it(`counts ${file} ${expected ? "as" : "not as"} a module file`, () =>
            assert.equal(isModuleFile(file), expected));
});

describe("Review base sharing the head's loaded modules (shareLoadedModules)", () => {
    const repoRoot = "/w/repo";
    const tree = "/tmp/data-infra-base-0-abc/tree";
    const cases: Array<{ what: string; id: string; alias?: string }> = [
        {
            what: "a module of the working tree",
            id: "/w/repo/components/a.ts",
            alias: `${tree}/components/a.ts`,
        },
        {
            what: "a JSON module of the working tree",
            id: "/w/repo/config/s.json",
            alias: `${tree}/config/s.json`,
        },
        { what: "the program's entry (it reads the base's data)", id: "/w/repo/index.ts" },
        { what: "a package (the checkout links node_modules)", id: "/w/repo/node_modules/x/index.js" },
        { what: "a nested package", id: "/w/repo/providers/p/node_modules/y/i.js" },
        { what: "a module outside the repository", id: "/usr/lib/node/z.js" },
        { what: "a sibling folder with the same prefix", id: "/w/repo2/a.ts" },
        { what: "a module of the checkout itself", id: `${tree}/components/b.ts` },
    ];
    for (const c of cases)
        it(`${c.alias ? "shares" : "does not share"} ${c.what}`, () => {
            const module = { id: c.id };
            const cache: Record<string, unknown> = { [c.id]: module };
            const entered = shareLoadedModules(cache, repoRoot, tree, "index.ts");
            assert.deepEqual(entered, c.alias ? [c.alias] : []);
            // the same object: the base's program gets the head's module, not a copy
            if (c.alias) assert.equal(cache[c.alias], module);
            assert.deepEqual(Object.keys(cache).sort(), [c.id, ...(c.alias ? [c.alias] : [])].sort());
        });

    // Node itself, not our picture of it: a module required from the checkout is the head's loaded one.
    const loads: Array<{ what: string; linkedTmp: boolean }> = [
        { what: "in a plain temporary folder", linkedTmp: false },
        { what: "in a temporary folder reached through a link (macOS)", linkedTmp: true },
    ];
    for (const c of loads)
        it(`makes Node give the base's entry the head's modules ${c.what}`, () => {
            const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "base-load-")));
            try {
                const head = path.join(root, "head");
                const files: Record<string, string> = {
                    "index.js":
                        'module.exports = { lib: require("./lib/a"), data: require("./lib/d.json"), dir: __dirname };\n',
                    "lib/a.js": "module.exports = { loaded: Symbol('a') };\n",
                    "lib/d.json": '{"d": 1}\n',
                };
                for (const [f, text] of Object.entries(files)) {
                    fs.mkdirSync(path.dirname(path.join(head, f)), { recursive: true });
                    fs.writeFileSync(path.join(head, f), text);
                }
                const headEntry = require(path.join(head, "index.js")) as Record<string, unknown>;
                // the checkout: hard links, as checkoutBase makes them, under the folder claimBaseFolder gives
                const tmpRoot = path.join(root, "tmp");
                fs.mkdirSync(path.join(root, "real-tmp"));
                if (c.linkedTmp) fs.symlinkSync(path.join(root, "real-tmp"), tmpRoot);
                else fs.mkdirSync(tmpRoot);
                const tree = path.join(claimBaseFolder(head, tmpRoot), "tree");
                for (const f of Object.keys(files)) {
                    fs.mkdirSync(path.dirname(path.join(tree, f)), { recursive: true });
                    fs.linkSync(path.join(head, f), path.join(tree, f));
                }
                const entered = shareLoadedModules(require.cache, head, tree, "index.js");
                try {
                    const baseEntry = require(path.join(tree, "index.js")) as Record<string, unknown>;
                    assert.equal(baseEntry.lib, headEntry.lib);
                    assert.equal(baseEntry.data, headEntry.data);
                    // AND the entry is the base's own: it finds its data in the checkout
                    assert.equal(baseEntry.dir, tree);
                } finally {
                    for (const id of Object.keys(require.cache))
                        if (id.startsWith(root + path.sep)) delete require.cache[id];
                }
                assert.deepEqual(entered.sort(), [
                    path.join(tree, "lib/a.js"),
                    path.join(tree, "lib/d.json"),
                ]);
            } finally {
                fs.rmSync(root, { recursive: true, force: true });
            }
        });

    it("never replaces a module the checkout has loaded already, and skips a project's entry in a folder", () => {
        const own = { own: true };
        const cache: Record<string, unknown> = {
            "/w/repo/governance/index.ts": {},
            "/w/repo/lib/a.ts": {},
            [`${tree}/lib/a.ts`]: own,
        };
        assert.deepEqual(shareLoadedModules(cache, repoRoot, tree, "governance/index.ts"), []);
        assert.equal(cache[`${tree}/lib/a.ts`], own);
    });
});

describe("Review base checkout's failures (gitFailure)", () => {
    const many = Array.from({ length: 40 }, (_, i) => `error: unable to write file /tmp/b/tree/f${i}`).join(
        "\n",
    );
    const cases: Array<{ what: string; stderr: string; error?: string; expected: string }> = [
        {
            what: "one line",
            stderr: "fatal: bad object abc\n",
            expected: "git read-tree failed: fatal: bad object abc",
        },
        {
            // A full disk: git names every file it could not write, never the cause (issue 22 review: 491 lines).
            what: "a line per file",
            stderr: many,
            expected: [
                "git read-tree failed: error: unable to write file /tmp/b/tree/f0",
                "error: unable to write file /tmp/b/tree/f1",
                "error: unable to write file /tmp/b/tree/f2",
                "(and 37 more lines)",
            ].join("\n"),
        },
        {
            what: "no output, a spawn error",
            stderr: "",
            error: "spawn git ENOENT",
            expected: "git read-tree failed: spawn git ENOENT",
        },
    ];
    for (const c of cases)
        it(`says what failed in at most four lines: ${c.what}`, () =>
            assert.equal(
                gitFailure("read-tree", { status: 1, stdout: "", stderr: c.stderr, error: c.error }),
                c.expected,
            ));

    it("keeps a failing checkout's message short and leaves nothing behind (startBase)", async () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "base-fail-"));
        try {
            const repo = path.join(root, "repo");
            fs.mkdirSync(repo);
            git(repo, "init", "--quiet");
            for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(repo, `f${i}.txt`), `${i}\n`);
            git(repo, "add", "-A");
            git(repo, "commit", "--quiet", "-m", "base");
            // Every file differs, so git writes each; the repository has no node_modules to link either.
            for (let i = 0; i < 30; i++) fs.rmSync(path.join(repo, `f${i}.txt`));
            const base = startBase("HEAD", ["test"], { repoRoot: repo, projectDir: repo }, Buffer.alloc(32));
            await assert.rejects(base.plans(), (e: Error) => {
                assert.match(e.message, /^checking out HEAD in \/.+ failed \(\d+ MiB free there\):\n/);
                assert.ok(e.message.split("\n").length <= 5, e.message);
                return true;
            });
            await base.dispose();
            assert.ok(!fs.existsSync(path.dirname(base.projectDir)), "the checkout's folder is gone");
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});

describe("Review base that cannot be looked up (startBase)", () => {
    let root: string;
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "base-lookup-"));
        fs.mkdirSync(path.join(root, "repo"));
        git(path.join(root, "repo"), "init", "--quiet");
        fs.mkdirSync(path.join(root, "plain"));
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    // Each says what is wrong: before, all three said that the ref "is not a commit".
    const cases: Array<{ what: string; dir: string; ref: string; path?: string; expected: RegExp }> = [
        {
            what: "a ref that is no commit",
            dir: "repo",
            ref: "no-such-ref",
            expected: /^--base: "no-such-ref" is not a commit in /,
        },
        {
            what: "a folder that is no git repository (a copy without .git)",
            dir: "plain",
            ref: "HEAD",
            expected: /^--base: git cannot look up "HEAD" in .*: fatal: not a git repository/,
        },
        {
            what: "no git on PATH",
            dir: "repo",
            ref: "HEAD",
            path: "none",
            expected: /^--base: git could not run: .*ENOENT/,
        },
    ];
    for (const c of cases)
        it(`says what is wrong: ${c.what}`, () => {
            const dir = path.join(root, c.dir);
            const saved = process.env.PATH;
            if (c.path) process.env.PATH = path.join(root, c.path);
            try {
                assert.throws(
                    () => startBase(c.ref, ["test"], { repoRoot: dir, projectDir: dir }, Buffer.alloc(32)),
                    (e: Error) => {
                        assert.match(e.message, c.expected);
                        return true;
                    },
                );
            } finally {
                process.env.PATH = saved;
            }
        });
});
