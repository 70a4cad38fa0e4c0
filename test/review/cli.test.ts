/**
 * The review modes of the plan CLI end to end, in a scratch git repository (a copy of this checkout) with two
 * commits of a small fixture program: the base, and a head that bumps a requirement, adds a DAG, changes a Helm
 * value and changes a secret. Each CLI run plans the base in a git worktree and the head in place.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../harness";
import { ReviewUsageError } from "../../tools/plan/exit";
import { planBase } from "../../tools/plan/git/base";

const FIXTURE = "test/review/fixture-program";
const BASE_SECRET = "base-PLANTED-secret-value";
const HEAD_SECRET = "head-PLANTED-secret-value";

function git(cwd: string, ...args: string[]): string {
    return execFileSync("git", args, { cwd, encoding: "utf8" });
}

/** Copies this checkout's files (tracked and new, not ignored) into a fresh repository with one commit. */
function scratchRepo(): string {
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
    git(dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base");
    return dir;
}

function plan(cwd: string, ...args: string[]) {
    const r = spawnSync(
        process.execPath,
        [require.resolve("tsx/cli"), "tools/plan.ts", "--project", FIXTURE, ...args],
        { cwd, encoding: "utf8" },
    );
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("Plan CLI review modes", () => {
    let repo: string;
    before(() => {
        repo = scratchRepo();
        const at = (f: string) => path.join(repo, FIXTURE, f);
        fs.writeFileSync(at("requirements.txt"), "requests==2.32.3\npandas==2.2.0\n");
        fs.writeFileSync(at("dags/stops.py"), 'print("stops")\n');
        fs.writeFileSync(
            at("values.json"),
            '{"replicaCount": 2, "image": {"repository": "metabase/metabase"}}\n',
        );
        fs.writeFileSync(at("secret.txt"), `${HEAD_SECRET}\n`);
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-am", "head");
        git(repo, "add", "-A");
        git(
            repo,
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "--quiet",
            "-m",
            "new dag",
        );
    });
    after(() => repo && fs.rmSync(repo, { recursive: true, force: true }));

    it("prints the change against --base as a markdown PR comment without any secret value", () => {
        // WHEN the head is reviewed against the base commit
        const { code, stdout, stderr } = plan(
            repo,
            "--stack",
            "test",
            "--base",
            "HEAD~2",
            "--format",
            "markdown",
            "--fail-on",
            "high",
        );
        // THEN the PyPI bump, the added DAG, the Helm value change and the secret change are shown
        // (the PyPI change is high risk, so --fail-on high exits 4 after printing the comment)
        assert.equal(code, 4, stderr);
        assert.equal(stdout.split("\n")[0], "<!-- data-infra-plan:test -->");
        assert.match(stdout, /\*\*Highest risk: 🔴 HIGH\*\*/);
        assert.match(stdout, /\| `requests` \| `==2\.31\.0` \| `==2\.32\.3` \|/);
        assert.match(stdout, /- `dags\/stops\.py`/);
        assert.match(stdout, /\| `metabase\/metabase` \| changed \|  \| `replicaCount` changed \|/);
        assert.match(stdout, /stringData: secret changed \(fingerprint [0-9a-f]{12} → [0-9a-f]{12}\)/);
        for (const secret of [BASE_SECRET, HEAD_SECRET])
            assert.ok(!stdout.includes(secret) && !stderr.includes(secret));
        // AND the temporary worktree is gone
        assert.equal(git(repo, "worktree", "list").trim().split("\n").length, 1);
    });

    it("rejects a base that is not a commit", async () => {
        const opts = {
            repoRoot: repo,
            projectDir: path.join(repo, FIXTURE),
            stacks: ["test"],
            format: "text" as const,
            print: () => {},
        };
        await assert.rejects(planBase("no-such-ref", "test", opts, Buffer.alloc(32)), ReviewUsageError);
        await assert.rejects(
            planBase("no-such-ref", "test", opts, Buffer.alloc(32)),
            /--base: "no-such-ref" is not a commit/,
        );
    });
});
