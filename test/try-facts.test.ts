import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "./harness";
import { tryMain } from "../tools/try/cli";
import { ghCli, type GhClient } from "../tools/try/facts";

/**
 * tools/try.ts end to end against a stand-in `gh` (test/fixtures/try/fake-gh.cjs) that answers the GitHub API
 * paths the tool asks for: which runs count as borrows, what the commands exit with, what they write.
 */
const REPO = "o/r";
const SHA = "a".repeat(40);
const BRANCH = "releases%2Ftest";
/** The tip of the branch releases/test; runs at "c…" (the default) and "d…" are in its history, "e…" is not. */
const TIP = "b".repeat(40);
/** How GitHub compares a run's commit with the branch's tip: `ahead`/`identical` when the run's commit is in its history. */
const history: Record<string, Route> = {
    [`repos/${REPO}/branches/${"releases%2Ftest"}`]: {
        body: { name: "releases/test", commit: { sha: TIP } },
    },
    [`repos/${REPO}/compare/${"c".repeat(40)}...${TIP}?per_page=1`]: { body: { status: "ahead" } },
    [`repos/${REPO}/compare/${"d".repeat(40)}...${TIP}?per_page=1`]: { body: { status: "identical" } },
    [`repos/${REPO}/compare/${"e".repeat(40)}...${TIP}?per_page=1`]: { body: { status: "diverged" } },
};
const P = {
    tryWorkflow: `repos/${REPO}/actions/workflows/try-in-test.yml`,
    runOf: (id: number) => `repos/${REPO}/actions/runs/${id}`,
    tries: `repos/${REPO}/actions/workflows/try-in-test.yml/runs?branch=${BRANCH}&event=workflow_dispatch&per_page=50`,
    artifacts: `repos/${REPO}/actions/artifacts?name=borrowed-test&per_page=100&page=1`,
    artifactsPage: (n: number) => `repos/${REPO}/actions/artifacts?name=borrowed-test&per_page=100&page=${n}`,
    deploys: `repos/${REPO}/actions/workflows/deploy.yml/runs?branch=${BRANCH}&status=success&per_page=50`,
    running: (s: string) =>
        `repos/${REPO}/actions/workflows/deploy.yml/runs?branch=${BRANCH}&status=${s}&per_page=20`,
    branch: `repos/${REPO}/branches/${BRANCH}`,
    compare: (sha: string) => `repos/${REPO}/compare/${sha}...${TIP}?per_page=1`,
    pr: `repos/${REPO}/pulls/42`,
    comments: `repos/${REPO}/issues/42/comments?per_page=100&page=1`,
};
const run = (id: number, extra: object = {}) => ({
    id,
    event: "workflow_dispatch",
    status: "completed",
    conclusion: "success",
    head_branch: "releases/test",
    head_sha: "c".repeat(40),
    created_at: "2026-11-30T19:00:00Z",
    updated_at: "2026-11-30T19:00:00Z",
    ...extra,
});
/** An artifact as GitHub lists it: its run's id, branch and commit (by default a run on releases/test at "c…"). */
const artifact = (
    id: number,
    runId: number,
    at: string,
    headBranch = "releases/test",
    headSha = "c".repeat(40),
) => ({
    id,
    name: "borrowed-test",
    expired: false,
    created_at: at,
    workflow_run: { id: runId, head_branch: headBranch, head_sha: headSha },
});
/** The id of the workflow try-in-test.yml, and run 7001: the try that borrowed test. */
const TRY_WORKFLOW_ID = 11;
const record = { channel: "test", pr: 42, sha: SHA, run: 7001 };
const notRunning: Record<string, Route> = Object.fromEntries(
    ["queued", "in_progress", "waiting", "pending", "requested"].map((s) => [
        P.running(s),
        { body: { workflow_runs: [] } },
    ]),
);

/**
 * Test borrowed by #42 (try run 7001) after the last deploy (run 5), plus a forged artifact of run 666 (a writer's
 * branch) and one of run 667 (on releases/test, but a run of another workflow).
 */
const borrowedRoutes: Record<string, Route> = {
    ...history,
    [P.tries]: { body: { workflow_runs: [run(7001)] } },
    [P.tryWorkflow]: { body: { id: TRY_WORKFLOW_ID } },
    [P.runOf(7001)]: { body: run(7001, { workflow_id: TRY_WORKFLOW_ID }) },
    [P.runOf(667)]: { body: run(667, { workflow_id: 12 }) },
    [P.artifacts]: {
        body: {
            artifacts: [
                artifact(2, 666, "2026-11-30T21:00:00Z", "evil"),
                artifact(3, 667, "2026-11-30T20:59:00Z"),
                artifact(1, 7001, "2026-11-30T20:00:00Z"),
            ],
        },
    },
    "download 7001 borrowed-test": { file: "borrowed.json", body: record },
    [P.deploys]: { body: { workflow_runs: [run(5, { event: "push", updated_at: "2026-11-30T19:30:00Z" })] } },
};

type Call = { method: string; path: string; body?: Record<string, string> };
type Route = { status?: number; stderr?: string; body?: unknown; file?: string };

/** A stand-in GitHub API: answers from `routes` (by `<method> <path>`, or the path for GET), logs every call. */
function fakeGh(routes: Record<string, Route>, calls: Call[]): GhClient {
    return {
        api<T>(apiPath: string, method = "GET", body?: unknown) {
            calls.push({
                method,
                path: apiPath,
                ...(body === undefined ? {} : { body: body as Record<string, string> }),
            });
            const route =
                routes[`${method} ${apiPath}`] ?? (method === "GET" ? routes[apiPath] : { body: {} });
            if (!route) return { error: "gh: Not Found (HTTP 404)" };
            if (route.status) return { error: (route.stderr ?? "failed").trim() };
            return { value: route.body as T };
        },
        download(run, name, dir) {
            calls.push({ method: "DOWNLOAD", path: `download ${run} ${name}` });
            const route = routes[`download ${run} ${name}`];
            if (!route) return false;
            fs.writeFileSync(path.join(dir, route.file!), JSON.stringify(route.body));
            return true;
        },
    };
}

const COMMAND_ENV = ["PR", "SHA", "RUN_ID", "OUTCOME", "DEPLOY_RESULT", "GITHUB_REF", "GITHUB_REPOSITORY_ID"];

/** Runs `tools/try.ts <command> test` in this process against {@link fakeGh}. */
function tryCli(command: string, routes: Record<string, Route>, env: Record<string, string> = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "try-facts-"));
    const vars: Record<string, string> = {
        GITHUB_REPOSITORY: REPO,
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_OUTPUT: path.join(dir, "output"),
        ...env,
    };
    const saved = Object.fromEntries([...Object.keys(vars), ...COMMAND_ENV].map((k) => [k, process.env[k]]));
    const out: string[] = [];
    const err: string[] = [];
    const calls: Call[] = [];
    const { log, error } = console;
    let code: number;
    try {
        for (const k of COMMAND_ENV) delete process.env[k];
        Object.assign(process.env, vars);
        console.log = (...a: unknown[]) => void out.push(a.join(" "));
        console.error = (...a: unknown[]) => void err.push(a.join(" "));
        code = tryMain([command, "test"], fakeGh(routes, calls));
    } finally {
        console.log = log;
        console.error = error;
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    }
    const outFile = path.join(dir, "output");
    const output = fs.existsSync(outFile) ? fs.readFileSync(outFile, "utf8") : "";
    fs.rmSync(dir, { recursive: true, force: true });
    return { code, stdout: out.join("\n"), stderr: err.join("\n"), calls, output };
}

describe("tools/try.ts against the GitHub API (a stand-in gh)", function () {
    this.timeout(60000);

    it("borrowed: exits 1 naming the pull request, and ignores a borrowed-test artifact of any other run", () => {
        const r = tryCli("borrowed", borrowedRoutes);
        assert.equal(r.code, 1, r.stderr);
        assert.equal(
            r.stderr.trim(),
            "::error::promotion from test: test is borrowed by pull request #42 at aaaaaaaaaaaa (try run 7001, since 2026-11-30T20:00:00Z); deploy releases/test (its next push, or run deploy.yml on it by hand) to return it first",
        );
        // Only the try run's record was read, never run 666's (a writer's branch: not even looked up) or 667's.
        assert.ok(!r.calls.some((c) => c.path === P.runOf(666)));
        assert.deepEqual(
            r.calls.filter((c) => c.method === "DOWNLOAD").map((c) => c.path),
            ["download 7001 borrowed-test"],
        );
    });

    it("borrowed: exits 0 when the repository has no try workflow, or a deploy returned test", () => {
        const none = tryCli("borrowed", {
            [P.artifacts]: { body: { artifacts: [] } },
            [P.deploys]: { body: { workflow_runs: [] } },
        });
        assert.equal(none.code, 0, none.stderr);
        assert.equal(none.stdout.trim(), "test is not borrowed");
        const returned = tryCli("borrowed", {
            ...borrowedRoutes,
            [P.deploys]: { body: { workflow_runs: [run(9, { updated_at: "2026-11-30T20:30:00Z" })] } },
        });
        assert.equal(returned.code, 0, returned.stderr);
    });

    it("borrowed: fails (never passes) when the API fails", () => {
        const r = tryCli("borrowed", { ...borrowedRoutes, [P.deploys]: { status: 1, stderr: "HTTP 502\n" } });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /GitHub API runs of deploy\.yml: failed: HTTP 502/);
    });

    it("borrowed: a deploy.yml run on a TAG named releases/test does not return test (its head_branch is the tag's name)", () => {
        // A writer pushes a commit whose deploy.yml does nothing, tags it releases/test and dispatches deploy.yml on
        // the tag: the run is a successful workflow_dispatch of deploy.yml whose head_branch is "releases/test", so
        // the runs API's branch filter returns it. Its commit is not in the branch's history.
        const tagDeploy = run(9, { updated_at: "2026-11-30T20:30:00Z", head_sha: "e".repeat(40) });
        const r = tryCli("borrowed", {
            ...borrowedRoutes,
            [P.deploys]: { body: { workflow_runs: [tagDeploy] } },
        });
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stderr, /test is borrowed by pull request #42/);
        // AND the return job (which runs on workflow_run of that tag run too) marks nothing returned
        const back = tryCli("return", {
            ...borrowedRoutes,
            [P.deploys]: { body: { workflow_runs: [tagDeploy] } },
        });
        assert.equal(back.code, 0, back.stderr);
        assert.deepEqual(
            back.calls.filter((c) => c.method === "POST" || c.method === "PATCH"),
            [],
        );
        // AND an older deploy of the branch itself behind the tag run still counts
        const both = tryCli("borrowed", {
            ...borrowedRoutes,
            [P.deploys]: {
                body: {
                    workflow_runs: [
                        tagDeploy,
                        run(8, { updated_at: "2026-11-30T20:10:00Z", head_sha: "d".repeat(40) }),
                    ],
                },
            },
        });
        assert.equal(both.code, 0, both.stderr);
    });

    it("borrowed: a try-in-test.yml run on a TAG named releases/test is no borrow (its record is never read)", () => {
        const r = tryCli("borrowed", {
            ...borrowedRoutes,
            [P.tries]: { body: { workflow_runs: [run(7001), run(7009, { head_sha: "e".repeat(40) })] } },
            [P.artifacts]: {
                body: {
                    artifacts: [
                        artifact(3, 7009, "2026-11-30T22:00:00Z", "releases/test", "e".repeat(40)),
                        artifact(1, 7001, "2026-11-30T20:00:00Z"),
                    ],
                },
            },
            "download 7009 borrowed-test": { file: "borrowed.json", body: { ...record, pr: 77, run: 7009 } },
        });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /borrowed by pull request #42 .*try run 7001/);
        assert.ok(!r.calls.some((c) => c.path === "download 7009 borrowed-test"));
    });

    it("borrowed: 50 newer dispatches of try-in-test.yml (each refused by its check) do not hide the borrow", () => {
        // The runs list of try-in-test.yml is one page of 50: a writer floods it with junk dispatches on
        // releases/test (pr=1, sha=x), which fail in their check job and upload nothing.
        const junk = Array.from({ length: 50 }, (_, i) =>
            run(8000 + i, { conclusion: "failure", created_at: "2026-11-30T20:40:00Z" }),
        );
        const r = tryCli("borrowed", { ...borrowedRoutes, [P.tries]: { body: { workflow_runs: junk } } });
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stderr, /test is borrowed by pull request #42/);
    });

    it("borrowed: 100 newer borrowed-test artifacts uploaded by a writer's branch do not hide the borrow", () => {
        const forged = Array.from({ length: 100 }, (_, i) => ({
            ...artifact(100 + i, 9000 + i, "2026-11-30T20:50:00Z"),
            workflow_run: { id: 9000 + i, head_branch: "evil", head_sha: "e".repeat(40) },
        }));
        const page2 = [artifact(1, 7001, "2026-11-30T20:00:00Z")];
        const r = tryCli("borrowed", {
            ...borrowedRoutes,
            [P.artifactsPage(1)]: { body: { total_count: 101, artifacts: forged } },
            [P.artifactsPage(2)]: { body: { total_count: 101, artifacts: page2 } },
        });
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stderr, /test is borrowed by pull request #42/);
        // AND the forged ones cost no API call each (their head_branch is not releases/test)
        assert.ok(
            !r.calls.some((c) => /runs\/9\d{3}/.test(c.path)),
            JSON.stringify(r.calls.map((c) => c.path)),
        );
    });

    it("borrowed: refuses (never half reads) past 10 pages of borrowed-test artifacts", () => {
        const full = Array.from({ length: 100 }, (_, i) =>
            artifact(100 + i, 9000 + i, "2026-11-30T20:50:00Z", "evil"),
        );
        const pages = Object.fromEntries(
            Array.from({ length: 10 }, (_, i) => [P.artifactsPage(i + 1), { body: { artifacts: full } }]),
        );
        const r = tryCli("borrowed", { ...borrowedRoutes, ...pages });
        assert.equal(r.code, 1);
        assert.match(
            r.stderr,
            /GitHub API artifacts borrowed-test: more than 1000: delete the ones no try uploaded/,
        );
        assert.ok(!r.calls.some((c) => c.path === P.artifactsPage(11)));
    });

    it("borrowed: a tag run at a commit with no common ancestor (compare answers 404) is just not in the branch", () => {
        // A writer's orphan commit (git checkout --orphan) tagged releases/test: GitHub's compare has no merge base.
        const r = tryCli("borrowed", {
            ...borrowedRoutes,
            [P.deploys]: {
                body: {
                    workflow_runs: [
                        run(9, { updated_at: "2026-11-30T20:30:00Z", head_sha: "f".repeat(40) }),
                        run(8, { updated_at: "2026-11-30T20:10:00Z", head_sha: "d".repeat(40) }),
                    ],
                },
            },
            [P.compare("f".repeat(40))]: {
                status: 1,
                stderr: `gh: No common ancestor between ${"f".repeat(40)} and ${TIP}. (HTTP 404)`,
            },
        });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.trim(), "test is not borrowed");
    });

    it("borrowed: fails when the branch's history cannot be read", () => {
        const r = tryCli("borrowed", {
            ...borrowedRoutes,
            [P.deploys]: { body: { workflow_runs: [run(9, { updated_at: "2026-11-30T20:30:00Z" })] } },
            [P.compare("c".repeat(40))]: { status: 1, stderr: "HTTP 502" },
        });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /GitHub API compare c{12}\.\.\.releases\/test: failed: HTTP 502/);
    });

    it("return: marks the borrowing pull request returned once, editing its one marked comment", () => {
        const routes = {
            ...borrowedRoutes,
            [P.deploys]: {
                body: {
                    workflow_runs: [run(9, { updated_at: "2026-11-30T20:30:00Z", head_sha: "d".repeat(40) })],
                },
            },
            [`repos/${REPO}/commits/${SHA}/statuses?per_page=100`]: {
                body: [{ context: "borrowed (test)", description: "test runs this commit (borrowed); …" }],
            },
            [P.comments]: {
                body: [
                    { id: 1, body: "hi" },
                    { id: 77, body: "<!-- data-infra-borrowed:test -->\n\nold" },
                ],
            },
        };
        const r = tryCli("return", routes);
        assert.equal(r.code, 0, r.stderr);
        const writes = r.calls.filter((c) => c.method !== "GET" && c.method !== "DOWNLOAD");
        assert.deepEqual(
            writes.map((c) => [c.method, c.path]),
            [
                ["POST", `repos/${REPO}/statuses/${SHA}`],
                ["PATCH", `repos/${REPO}/issues/comments/77`],
            ],
        );
        assert.deepEqual(writes[0].body, {
            context: "borrowed (test)",
            state: "success",
            description: "returned: test runs releases/test at dddddddddddd again",
            target_url: "https://github.com/o/r/actions/runs/9",
        });
        assert.match(writes[1].body!.body, /^<!-- data-infra-borrowed:test -->\n\n### `test` returned/);
        // AND a second deploy does not mark it again
        const again = tryCli("return", {
            ...routes,
            [`repos/${REPO}/commits/${SHA}/statuses?per_page=100`]: {
                body: [
                    {
                        context: "borrowed (test)",
                        description: "returned: test runs releases/test at d again",
                    },
                ],
            },
        });
        assert.equal(again.code, 0, again.stderr);
        assert.deepEqual(
            again.calls.filter((c) => c.method === "POST" || c.method === "PATCH"),
            [],
        );
    });

    it("check: writes the checked outputs for a good request, and refuses a fork with nothing written", () => {
        const pr = {
            state: "open",
            user: { login: "alice" },
            head: { sha: SHA, repo: { id: 810000001 } },
            base: { ref: "main" },
        };
        const env = {
            PR: "42",
            SHA,
            GITHUB_REF: "refs/heads/releases/test",
            GITHUB_REPOSITORY_ID: "810000001",
        };
        const free = {
            ...notRunning,
            [P.pr]: { body: pr },
            [P.artifacts]: { body: { artifacts: [] } },
            [P.deploys]: { body: { workflow_runs: [] } },
        };
        const ok = tryCli("check", free, env);
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.output, `pr=42\nsha=${SHA}\nauthor=alice\n`);
        const fork = tryCli(
            "check",
            { ...free, [P.pr]: { body: { ...pr, head: { sha: SHA, repo: { id: 5 } } } } },
            env,
        );
        assert.equal(fork.code, 1);
        assert.match(fork.stderr, /comes from a fork/);
        assert.equal(fork.output, "");
        // AND an input that is not a number never reaches an API path
        const bad = tryCli("check", free, { ...env, PR: "42/../../x" });
        assert.equal(bad.code, 1);
        assert.ok(!bad.calls.some((c) => c.path.includes("..")));
    });

    it("report: says 'not deployed' when the run uploaded no borrow record", () => {
        const r = tryCli(
            "report",
            {
                [`repos/${REPO}/actions/runs/7002/artifacts?name=borrowed-test`]: {
                    body: { total_count: 0 },
                },
                [P.comments]: { body: [] },
            },
            { PR: "42", SHA, RUN_ID: "7002", DEPLOY_RESULT: "failure" },
        );
        assert.equal(r.code, 0, r.stderr);
        const writes = r.calls.filter((c) => c.method === "POST");
        assert.deepEqual(
            writes.map((c) => c.path),
            [`repos/${REPO}/statuses/${SHA}`, `repos/${REPO}/issues/42/comments`],
        );
        assert.equal(writes[0].body!.state, "error");
    });

    it("ghCli calls the gh CLI as the commands expect (a stand-in gh script on PATH)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "try-gh-"));
        fs.copyFileSync(path.join(REPO_ROOT, "test/fixtures/try/fake-gh.cjs"), path.join(dir, "gh"));
        fs.chmodSync(path.join(dir, "gh"), 0o755);
        const routes = {
            "GET repos/o/r/pulls/42": { body: { state: "open" } },
            "download 7 borrowed-test": { file: "borrowed.json", body: record },
        };
        fs.writeFileSync(path.join(dir, "routes.json"), JSON.stringify(routes));
        const saved = { PATH: process.env.PATH, R: process.env.FAKE_GH_ROUTES, L: process.env.FAKE_GH_LOG };
        try {
            process.env.PATH = `${dir}:${path.dirname(process.execPath)}:${process.env.PATH}`;
            process.env.FAKE_GH_ROUTES = path.join(dir, "routes.json");
            process.env.FAKE_GH_LOG = path.join(dir, "log");
            const gh = ghCli(REPO);
            assert.deepEqual(gh.api("repos/o/r/pulls/42"), { value: { state: "open" } });
            assert.deepEqual(gh.api("repos/o/r/pulls/43"), { error: "gh: Not Found (HTTP 404)" });
            assert.deepEqual(gh.api("repos/o/r/statuses/x", "POST", { state: "success" }), { value: {} });
            const out = path.join(dir, "out");
            assert.equal(gh.download(7, "borrowed-test", out), true);
            assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, "borrowed.json"), "utf8")), record);
            assert.equal(gh.download(8, "borrowed-test", out), false);
            const logged = fs
                .readFileSync(path.join(dir, "log"), "utf8")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l) as { args: string[]; body?: unknown });
            assert.deepEqual(logged[2].body, { state: "success" });
            assert.deepEqual(
                logged.map((l) => l.args.filter((a) => !a.startsWith("/"))),
                [
                    ["api", "-X", "GET", "repos/o/r/pulls/42"],
                    ["api", "-X", "GET", "repos/o/r/pulls/43"],
                    ["api", "-X", "POST", "repos/o/r/statuses/x", "--input"],
                    ["run", "download", "7", "--repo", "o/r", "--name", "borrowed-test", "--dir"],
                    ["run", "download", "8", "--repo", "o/r", "--name", "borrowed-test", "--dir"],
                ],
            );
        } finally {
            process.env.PATH = saved.PATH;
            if (saved.R === undefined) delete process.env.FAKE_GH_ROUTES;
            else process.env.FAKE_GH_ROUTES = saved.R;
            if (saved.L === undefined) delete process.env.FAKE_GH_LOG;
            else process.env.FAKE_GH_LOG = saved.L;
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
