/**
 * The review modes of the plan CLI end to end, in a scratch git repository (a copy of this checkout) with two
 * commits of a small fixture program: the base, and a head that bumps a requirement, adds a DAG, changes a Helm
 * value and changes a secret. Each CLI run plans the base in a temporary checkout and the head in place.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ReviewUsageError } from "../../tools/plan/exit";
import { startBase } from "../../tools/plan/git/base";
import { commit, git, scratchRepo } from "./scratch-repo";

const FIXTURE = "test/review/fixture-program";
const BASE_SECRET = "base-PLANTED-secret-value";
const HEAD_SECRET = "head-PLANTED-secret-value";

/** This process's environment without NODE_COMPILE_CACHE (npm test sets it), so the CLI picks its own folder. */
function withoutCompileCacheEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    delete env.NODE_COMPILE_CACHE;
    return env;
}

function plan(cwd: string, ...args: string[]) {
    // A private temporary folder, so a test can see what the CLI left there.
    const r = spawnSync(
        process.execPath,
        [require.resolve("tsx/cli"), "tools/plan.ts", "--project", FIXTURE, ...args],
        { cwd, encoding: "utf8", env: { ...withoutCompileCacheEnv(), TMPDIR: tmp } },
    );
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;

describe("Plan CLI review modes", () => {
    let repo: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "review-tmp-"));
        repo = scratchRepo();
        const at = (f: string) => path.join(repo, FIXTURE, f);
        // The base also has a prod stack; staging exists only in the head.
        fs.writeFileSync(at("Pulumi.prod.yaml"), "config: {}\n");
        git(repo, "add", "-A");
        commit(repo, "--amend", "--no-edit");
        fs.writeFileSync(at("requirements.txt"), "requests==2.32.3\npandas==2.2.0\n");
        fs.writeFileSync(at("dags/stops.py"), 'print("stops")\n');
        fs.writeFileSync(
            at("values.json"),
            '{"replicaCount": 2, "image": {"repository": "metabase/metabase"}}\n',
        );
        fs.writeFileSync(at("secret.txt"), `${HEAD_SECRET}\n`);
        fs.writeFileSync(at("Pulumi.staging.yaml"), "config: {}\n");
        commit(repo, "-am", "head");
        git(repo, "add", "-A");
        commit(repo, "-m", "new dag");
    });
    after(() => {
        for (const dir of [repo, tmp]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    // One review of three stacks (test and prod exist in the base, staging only in the head): each stack's comment
    // starts with its marker line.
    let review: { code: number | null; stderr: string; comments: Map<string, string> };
    const reviewed = () => {
        if (review) return review;
        const { code, stdout, stderr } = plan(
            repo,
            ...["--stack", "test", "--stack", "prod", "--stack", "staging"],
            ...["--base", "HEAD~2", "--format", "markdown", "--fail-on", "high"],
        );
        const comments = new Map<string, string>();
        for (const comment of stdout.split(/\n(?=<!-- data-infra-plan:)/))
            comments.set(/^<!-- data-infra-plan:(\w+) -->/.exec(comment)?.[1] ?? "?", comment);
        return (review = { code, stderr, comments });
    };

    it("prints the change against --base as a markdown PR comment without any secret value", () => {
        // WHEN the head is reviewed against the base commit
        const { code, stderr, comments } = reviewed();
        // THEN the PyPI bump, the added DAG, the Helm value change and the secret change are shown
        // (the PyPI change is high risk, so --fail-on high exits 4 after printing the comments)
        assert.equal(code, 4, stderr);
        const stdout = comments.get("test") ?? "";
        assert.equal(stdout.split("\n")[0], "<!-- data-infra-plan:test -->");
        assert.match(stdout, /\*\*Highest risk: 🔴 HIGH\*\*/);
        assert.match(stdout, /\| `requests` \| `==2\.31\.0` \| `==2\.32\.3` \|/);
        assert.match(stdout, /- `dags\/stops\.py`/);
        assert.match(stdout, /\| `metabase\/metabase` \| changed \|  \| `replicaCount` changed \|/);
        assert.match(stdout, /stringData: secret changed \(fingerprint [0-9a-f]{12} → [0-9a-f]{12}\)/);
        for (const secret of [BASE_SECRET, HEAD_SECRET])
            assert.ok(![...comments.values()].some((c) => c.includes(secret)) && !stderr.includes(secret));
        // AND the base's temporary checkout is gone, and the repository never had a worktree registered
        // (the CLI did use this folder: Node's compile cache, which both plans share, is there)
        assert.ok(fs.readdirSync(tmp).includes("node-compile-cache"), fs.readdirSync(tmp).join(", "));
        assert.deepEqual(
            fs.readdirSync(tmp).filter((f) => f.startsWith("data-infra-base-")),
            [],
        );
        assert.equal(git(repo, "worktree", "list").trim().split("\n").length, 1);
    });

    it("reviews several stacks against one base checkout, a stack new in the head as all added", () => {
        const { comments } = reviewed();
        // THEN one comment per stack, in the order asked
        assert.deepEqual([...comments.keys()], ["test", "prod", "staging"]);
        // AND prod (planned by the same base process as test) shows test's change, with the same fingerprints
        const asTest = (comments.get("prod") ?? "").split("prod").join("test");
        assert.equal(asTest, comments.get("test"));
        // AND staging, absent from the base, adds everything and changes nothing
        assert.match(
            comments.get("staging") ?? "",
            /\| `stack` \| 7 \| 0 \| 0 \|\n\| \*\*total\*\* \| \*\*7\*\* \| \*\*0\*\* \| \*\*0\*\* \|\n\n0 resources unchanged\./,
        );
    });

    it("rejects a base that is not a commit, before anything starts", () => {
        const opts = {
            repoRoot: repo,
            projectDir: path.join(repo, FIXTURE),
            stacks: ["test"],
            format: "text" as const,
            print: () => {},
        };
        assert.throws(() => startBase("no-such-ref", ["test"], opts, Buffer.alloc(32)), ReviewUsageError);
        assert.throws(
            () => startBase("no-such-ref", ["test"], opts, Buffer.alloc(32)),
            /--base: "no-such-ref" is not a commit/,
        );
    });
});
