/**
 * The three ways the review plans its base (tools/plan/git/base.ts, startBase) print the same review of one change:
 * - in this process with the head's modules, when no module file differs (a change of data: DAGs, pins, secrets);
 * - in this process with the base's own modules, when the base's code differs;
 * - by the base's own plan tool in a child process, when the base has no review entry (revisions before it).
 * A scratch repository (a copy of this checkout) holds the fixture program in three bases of equal meaning, and a
 * working tree that changes its data only.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REVIEW_ENTRY, claimBaseFolder, startBase, type BaseMode } from "../../tools/plan/git/base";
import { runBase } from "../../tools/plan/review/run";
import { commit, git, scratchRepo } from "./scratch-repo";

const FIXTURE = "test/review/fixture-program";

describe("Review base modes", function () {
    this.timeout(120_000);
    let repo: string;
    const refs = new Map<string, string>();
    before(() => {
        repo = scratchRepo();
        const at = (f: string) => path.join(repo, FIXTURE, f);
        // A base whose code differs from the working tree's (one more module), then the same code as the first.
        fs.writeFileSync(at("unused.ts"), "export const unused = 1;\n");
        git(repo, "add", "-A");
        commit(repo, "-m", "a module more");
        refs.set("own modules", git(repo, "rev-parse", "HEAD").trim());
        git(repo, "rm", "--quiet", path.join(FIXTURE, "unused.ts"));
        commit(repo, "-m", "the module removed again");
        refs.set("shared modules", git(repo, "rev-parse", "HEAD").trim());
        // The same revision without the review entry: as a revision from before it.
        const index = path.join(repo, ".git", "scratch-index");
        const env = { ...process.env, GIT_INDEX_FILE: index };
        const plumb = (...args: string[]) =>
            execFileSync("git", args, { cwd: repo, env, encoding: "utf8" }).trim();
        plumb("read-tree", "HEAD");
        plumb("rm", "--cached", "--quiet", REVIEW_ENTRY);
        const tree = plumb("write-tree");
        refs.set("own process", plumb("commit-tree", tree, "-p", "HEAD", "-m", "no review entry"));
        fs.rmSync(index);
        // The change under review: data only.
        fs.writeFileSync(at("requirements.txt"), "requests==2.32.3\npandas==2.2.0\n");
        fs.writeFileSync(at("dags/stops.py"), 'print("stops")\n');
        fs.writeFileSync(at("secret.txt"), "head-PLANTED-secret-value\n");
    });
    after(() => fs.rmSync(repo, { recursive: true, force: true }));

    const expected: Record<string, { mode: BaseMode; shared: boolean }> = {
        "shared modules": { mode: "in-process", shared: true },
        "own modules": { mode: "in-process", shared: false },
        "own process": { mode: "own-process", shared: false },
    };
    const reviews = new Map<string, string>();
    for (const [how, want] of Object.entries(expected)) {
        it(`plans a base with ${how} (${want.mode}${want.shared ? ", sharing the head's modules" : ""})`, async () => {
            const ref = refs.get(how)!;
            const opts = { repoRoot: repo, projectDir: path.join(repo, FIXTURE), stacks: ["test"] };
            // One key for every review, so that their secret fingerprints compare.
            const key = Buffer.alloc(32, 7);
            const base = startBase(ref, opts.stacks, opts, key);
            const printed: string[] = [];
            const offline = process.env.DATA_INFRA_PYPI_PREFLIGHT;
            process.env.DATA_INFRA_PYPI_PREFLIGHT = "off";
            let code: number;
            try {
                code = await runBase(
                    ref,
                    { ...opts, format: "markdown", print: (t) => printed.push(t) },
                    { base, key },
                );
            } finally {
                if (offline === undefined) delete process.env.DATA_INFRA_PYPI_PREFLIGHT;
                else process.env.DATA_INFRA_PYPI_PREFLIGHT = offline;
            }
            assert.deepEqual({ mode: base.mode, shared: await base.sharesCode() }, want);
            const text = printed.join("\n").split(ref).join("<base>");
            // THEN the review shows the change, read from the base's files (not the head's)
            assert.equal(code, 0);
            assert.match(text, /\| `requests` \| `==2\.31\.0` \| `==2\.32\.3` \|/);
            assert.match(text, /- `dags\/stops\.py`/);
            assert.match(text, /stringData: secret changed \(fingerprint [0-9a-f]{12} → [0-9a-f]{12}\)/);
            reviews.set(how, text);
            // AND every way prints the same review
            assert.equal(text, reviews.values().next().value);
            // AND the checkout is gone: its folder, the one every review of this repository uses, is free again
            const folder = claimBaseFolder(repo);
            assert.match(path.basename(folder), /^data-infra-base-\d+-[0-9a-f]{12}$/);
            fs.rmSync(folder, { recursive: true });
        });
    }
});

describe("Review base folder", () => {
    let tmp: string;
    beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "base-folder-"))));
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const repoRoot = "/some/repository";
    const stable = () => {
        const uid = process.getuid?.() ?? 0;
        return fs.readdirSync(tmp).find((f) => f.startsWith(`data-infra-base-${uid}-`));
    };
    /** This process's PID namespace (Linux), and the owner line a review of this process writes. */
    const namespace = fs.existsSync("/proc/self/ns/pid") ? fs.readlinkSync("/proc/self/ns/pid") : "";
    const me = namespace ? `${process.pid} ${namespace}` : String(process.pid);
    /** The id of a process that has ended. */
    const goneProcess = () => {
        const child = execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
            encoding: "utf8",
        });
        return Number(child);
    };

    it("gives every review of one repository the same folder, this process's alone", () => {
        const first = claimBaseFolder(repoRoot, tmp);
        assert.equal(path.basename(first), stable());
        assert.equal(fs.statSync(first).mode & 0o777, 0o700);
        assert.equal(fs.readFileSync(path.join(first, "owner"), "utf8"), me);
        // AND another repository gets another folder
        assert.notEqual(claimBaseFolder("/another/repository", tmp), first);
        fs.rmSync(first, { recursive: true });
        assert.equal(claimBaseFolder(repoRoot, tmp), first);
    });

    it("gives an absolute folder when the temporary folder is named relatively (TMPDIR=tmp)", () => {
        // The checkout's git runs with `-C <repository>`, and the review requires the base's entry by this path:
        // a relative one named the repository's own folder or a package (`Cannot find module 'tmp/...'`).
        const relative = path.relative(process.cwd(), tmp);
        assert.ok(!path.isAbsolute(relative));
        for (const dir of [claimBaseFolder(repoRoot, relative), claimBaseFolder(repoRoot, relative)]) {
            assert.ok(path.isAbsolute(dir), dir);
            assert.equal(path.dirname(dir), tmp);
        }
    });

    it("gives the folder by its real path when the temporary folder is a link (macOS: /var → /private/var)", () => {
        // Node loads a module under its real path: under a linked name, the head's modules entered for the base
        // (shareLoadedModules) were never found, so the base loaded all its modules again, and the checkout's
        // modules were not forgotten after its plan.
        fs.mkdirSync(path.join(tmp, "real"));
        fs.symlinkSync(path.join(tmp, "real"), path.join(tmp, "link"));
        const dir = claimBaseFolder(repoRoot, path.join(tmp, "link"));
        assert.equal(path.dirname(dir), fs.realpathSync(path.join(tmp, "real")));
        assert.equal(fs.realpathSync(dir), dir);
    });

    const others: Array<{ what: string; prepare: (dir: string) => void; takenOver: boolean }> = [
        {
            what: "in use by a running review",
            prepare: (d) => mkOwned(d, String(process.pid)),
            takenOver: false,
        },
        {
            what: "left by a review that is gone",
            prepare: (d) => mkOwned(d, String(goneProcess())),
            takenOver: true,
        },
        {
            what: "left by a gone review and already claimed by another",
            prepare: (d) => {
                const pid = String(goneProcess());
                mkOwned(d, pid);
                fs.writeFileSync(path.join(d, `claim-${pid}`), "1");
            },
            takenOver: false,
        },
        {
            what: "left by a review that is gone, in this PID namespace",
            prepare: (d) => mkOwned(d, `${goneProcess()} ${namespace}`.trim()),
            takenOver: true,
        },
        {
            // A container sharing this /tmp (and the repository's path): its process ids mean nothing here, so
            // one that runs may look gone; taking its folder over would empty a checkout in use.
            what: "owned by a review in another PID namespace",
            prepare: (d) => mkOwned(d, `${goneProcess()} pid:[1]`),
            takenOver: false,
        },
        { what: "just made, its owner not written yet", prepare: (d) => fs.mkdirSync(d), takenOver: false },
        {
            what: "made long ago, with no owner",
            prepare: (d) => {
                fs.mkdirSync(d);
                const old = new Date(Date.now() - 11 * 60_000);
                fs.utimesSync(d, old, old);
            },
            takenOver: true,
        },
        { what: "owned by a garbled owner file", prepare: (d) => mkOwned(d, "not a pid"), takenOver: false },
        {
            what: "a link to another folder",
            prepare: (d) => {
                fs.mkdirSync(path.join(tmp, "elsewhere"));
                fs.writeFileSync(path.join(tmp, "elsewhere", "keep"), "x");
                fs.symlinkSync(path.join(tmp, "elsewhere"), d);
            },
            takenOver: false,
        },
    ];
    function mkOwned(dir: string, owner: string) {
        fs.mkdirSync(path.join(dir, "tree"), { recursive: true });
        fs.writeFileSync(path.join(dir, "tree", "left.txt"), "left behind");
        fs.writeFileSync(path.join(dir, "owner"), owner);
    }
    for (const c of others) {
        it(`${c.takenOver ? "takes over" : "leaves alone"} a folder ${c.what}`, () => {
            const uid = process.getuid?.() ?? 0;
            // The name the repository's folder has (made and removed once to learn it).
            const name = path.basename(claimBaseFolder(repoRoot, tmp));
            fs.rmSync(path.join(tmp, name), { recursive: true });
            const dir = path.join(tmp, name);
            c.prepare(dir);
            const got = claimBaseFolder(repoRoot, tmp);
            if (c.takenOver) {
                assert.equal(got, dir);
                assert.equal(fs.readFileSync(path.join(dir, "owner"), "utf8"), me);
                assert.deepEqual(
                    fs.readdirSync(dir).filter((f) => !f.startsWith("claim-")),
                    ["owner"],
                );
            } else {
                // A new folder of its own, and the other left as it was
                assert.notEqual(got, dir);
                assert.match(path.basename(got), /^data-infra-base-[A-Za-z0-9]{6}$/);
                assert.ok(!path.basename(got).startsWith(`data-infra-base-${uid}-`));
                if (fs.existsSync(path.join(tmp, "elsewhere")))
                    assert.deepEqual(fs.readdirSync(path.join(tmp, "elsewhere")), ["keep"]);
                else assert.ok(fs.existsSync(dir));
            }
        });
    }
});
