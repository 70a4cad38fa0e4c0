/**
 * The review's base checkout (tools/plan/git/base.ts, checkoutBase) in a scratch git repository: it must hold
 * exactly the commit's tracked files, whatever the working tree holds, and never change the working tree.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkoutBase } from "../../tools/plan/git/base";

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
