import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Problems } from "../lib/problems";
import {
    digestsIn,
    parseTestedRecord,
    pinDigests,
    promotionProblems,
    type PromotionFacts,
    type TestedRecord,
} from "../tools/deploy-guard/promotion";
import { gatherPromotionFacts, type TestedRecordSource } from "../tools/deploy-guard/promotion-facts";
import { REPO_ROOT } from "./harness";

const T = "a".repeat(40);
const H = "b".repeat(40);
const REF = (n: string, d = "1") => `us-west2-docker.pkg.dev/p/data-infra/${n}@sha256:${d.repeat(64)}`;
const images = { "postgresql-backup": REF("postgresql-backup") };
const prodAtTested = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8");
const prodPinned = pinDigests(prodAtTested, images);
const record: TestedRecord = { commit: T, channel: "test", images };

/** A promotion the guard accepts: test's tested commit plus the promotion commit pinning what test ran. */
const good: PromotionFacts = {
    channel: "prod",
    upstream: "test",
    deployedCommit: H,
    testedCommit: T,
    changedFiles: ["Pulumi.prod.yaml"],
    stackAtTested: prodAtTested,
    stackAtDeployed: prodPinned,
    record,
};

describe("deploy guard: promotion (issue 15, H6b)", () => {
    it("accepts the tested commit plus the promotion commit pinning exactly what the upstream ran", () => {
        assert.deepEqual(promotionProblems(good), []);
        // AND the tested commit itself, when its stack file already pins those digests
        assert.deepEqual(
            promotionProblems({ ...good, changedFiles: [], stackAtTested: prodPinned, deployedCommit: T }),
            [],
        );
    });

    const here = "deploy of bbbbbbbbbbbb to prod";
    const cases: Array<[string, Partial<PromotionFacts>, string[]]> = [
        [
            "no commit of releases/test is in it",
            { testedCommit: undefined },
            [`${here}: contains no commit of releases/test: only what test deployed can be promoted`],
        ],
        [
            "test has no successful push deploy (no record) of the tested commit",
            { record: undefined },
            [
                `${here}: releases/test at aaaaaaaaaaaa has no successful push deploy with a tested-test record`,
            ],
        ],
        [
            "the record is of another commit",
            { record: { ...record, commit: "c".repeat(40) } },
            [`${here}: test's record: is for another commit than aaaaaaaaaaaa (got "${"c".repeat(40)}")`],
        ],
        [
            "the record is of another channel",
            { record: { ...record, channel: "dev" } },
            [`${here}: test's record: is from another channel than test (got "dev")`],
        ],
        [
            "another file changed after the tested commit",
            { changedFiles: ["Pulumi.prod.yaml", "index.ts", "dags/x.py"] },
            [
                `${here}: changes files test did not deploy at aaaaaaaaaaaa (only Pulumi.prod.yaml may differ) (got ["dags/x.py","index.ts"])`,
            ],
        ],
        [
            "the stack file changed outside the digests",
            {
                stackAtDeployed: prodPinned.replace(
                    'celery-worker_concurrency: "16"',
                    'celery-worker_concurrency: "32"',
                ),
            },
            [`${here}: Pulumi.prod.yaml: differs from aaaaaaaaaaaa outside data-infra:images.digests`],
        ],
        ["the stack file is gone", { stackAtDeployed: undefined }, [`${here}: Pulumi.prod.yaml: missing`]],
        [
            "no digests are pinned",
            { stackAtDeployed: prodAtTested, changedFiles: [] },
            [
                `${here}: Pulumi.prod.yaml: pins no data-infra:images.digests (the promote workflow writes them)`,
            ],
        ],
        [
            "a pinned digest is not what test ran",
            {
                stackAtDeployed: pinDigests(prodAtTested, {
                    "postgresql-backup": REF("postgresql-backup", "2"),
                }),
            },
            [
                `${here}: digests.postgresql-backup: pins ${REF("postgresql-backup", "2")}, but test ran ${REF("postgresql-backup")}`,
            ],
        ],
        [
            "an image test ran is not pinned, and one test did not run is",
            {
                record: { ...record, images: { ...images, other: REF("other") } },
                stackAtDeployed: pinDigests(prodAtTested, { ...images, extra: REF("extra") }),
            },
            [
                `${here}: digests.extra: pins ${REF("extra")}, but test ran no image extra`,
                `${here}: digests.other: missing; test ran ${REF("other")}`,
            ],
        ],
        [
            // Issue 19, item 6: a pull request's try took test after its last deploy of releases/test.
            "test is borrowed by a pull request's try",
            {
                upstreamBorrow: {
                    borrowed: true,
                    by: { channel: "test", pr: 42, sha: "d".repeat(40), run: 7001 },
                    since: "2026-11-30T20:00:00Z",
                    run: 7001,
                },
            },
            [
                "promotion from test: test is borrowed by pull request #42 at dddddddddddd (try run 7001, since 2026-11-30T20:00:00Z); deploy releases/test (its next push, or run deploy.yml on it by hand) to return it first",
            ],
        ],
        [
            "test is borrowed by a try whose record expired",
            { upstreamBorrow: { borrowed: true, since: "2026-08-01T00:00:00Z", run: 7000 } },
            [
                "promotion from test: test is borrowed by a try whose record expired (try run 7000, since 2026-08-01T00:00:00Z); deploy releases/test (its next push, or run deploy.yml on it by hand) to return it first",
            ],
        ],
    ];
    for (const [what, change, expected] of cases) {
        it(`rejects a deploy where ${what}`, () => {
            assert.deepEqual(promotionProblems({ ...good, ...change }), expected);
        });
    }
});

describe("pinDigests", () => {
    it("adds the digests to data-infra:images, changing no other byte", () => {
        assert.equal(prodPinned.replace(/ {8}digests:\n {12}postgresql-backup: \S+\n/, ""), prodAtTested);
        assert.deepEqual(digestsIn(prodPinned), images);
    });

    it("replaces digests already there, in name order, and is idempotent", () => {
        const two = { zeta: REF("zeta", "3"), alpha: REF("alpha", "4") };
        const again = pinDigests(prodPinned, two);
        assert.deepEqual(digestsIn(again), two);
        assert.deepEqual(Object.keys(digestsIn(again)!), ["alpha", "zeta"]);
        assert.equal(pinDigests(again, two), again);
        assert.equal(pinDigests(again, images), prodPinned);
    });

    it("fails when the stack file has no block data-infra:images to pin into", () => {
        assert.throws(
            () => pinDigests("config:\n    data-infra:gcp: {project: p}\n", images),
            /needs a block mapping/,
        );
        assert.throws(
            () => pinDigests("config:\n    data-infra:images: {source: promote}\n", images),
            /needs a block mapping/,
        );
    });
});

describe("parseTestedRecord", () => {
    it("reads a record and fails on each malformed field", () => {
        const p = new Problems();
        assert.deepEqual(parseTestedRecord(JSON.stringify(record), "t.json", p), record);
        assert.ok(p.empty);
        const bad = new Problems();
        assert.equal(parseTestedRecord('{"commit":"x","images":{"a":"a:latest"}}', "t.json", bad), undefined);
        assert.deepEqual(
            bad.list.map((x) => x.where),
            ["t.json: commit", "t.json: channel", "t.json: images.a"],
        );
        const notJson = new Problems();
        parseTestedRecord("{", "t.json", notJson);
        assert.equal(notJson.list[0].what, "is not JSON");
    });
});

describe("gatherPromotionFacts (a real git repository)", () => {
    const git = (cwd: string, ...args: string[]) => {
        const r = spawnSync("git", args, { cwd, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim();
    };
    const commit = (cwd: string, files: Record<string, string>, msg: string) => {
        for (const [f, t] of Object.entries(files)) fs.writeFileSync(path.join(cwd, f), t);
        git(cwd, "add", "-A");
        git(cwd, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", msg);
        return git(cwd, "rev-parse", "HEAD");
    };

    it("finds the tested commit under a promotion merge, and the guard accepts it; a later hand edit is rejected", () => {
        // GIVEN releases/test at T (deployed by test), releases/prod merging promote/prod = T + pinned digests
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promotion-git-"));
        git(dir, "init", "-q", "-b", "main");
        commit(dir, { "Pulumi.prod.yaml": prodAtTested, "index.ts": "1\n" }, "base");
        git(dir, "branch", "releases/prod");
        const tested = commit(dir, { "index.ts": "2\n" }, "tested on test");
        git(dir, "update-ref", "refs/remotes/origin/releases/test", tested);
        git(dir, "checkout", "-q", "-b", "promote/prod");
        commit(dir, { "Pulumi.prod.yaml": pinDigests(prodAtTested, images) }, "pin");
        git(dir, "checkout", "-q", "releases/prod");
        git(
            dir,
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "merge",
            "promote/prod",
        );
        const asked: string[] = [];
        const source: TestedRecordSource = {
            find(upstream, c) {
                asked.push(`${upstream}@${c}`);
                return { record: { ...record, commit: c }, problems: new Problems() };
            },
            borrow: () => ({ state: { borrowed: false }, problems: new Problems() }),
        };
        // WHEN the guard gathers the facts of HEAD
        const { facts, problems } = gatherPromotionFacts(dir, "prod", "test", source);
        // THEN the tested commit is releases/test's, only the stack file changed, and the guard accepts
        assert.ok(problems.empty);
        assert.equal(facts.testedCommit, tested);
        assert.deepEqual(asked, [`test@${tested}`]);
        assert.deepEqual(facts.changedFiles, ["Pulumi.prod.yaml"]);
        assert.deepEqual(promotionProblems(facts), []);
        // AND a commit pushed on top of the promotion (here: code test never ran) is rejected
        commit(dir, { "index.ts": "3\n" }, "hotfix straight to prod");
        const after = gatherPromotionFacts(dir, "prod", "test", source).facts;
        assert.deepEqual(promotionProblems(after), [
            `deploy of ${after.deployedCommit.slice(0, 12)} to prod: changes files test did not deploy at ${tested.slice(0, 12)} (only Pulumi.prod.yaml may differ) (got ["index.ts"])`,
        ]);
        // AND (issue 19) the accepted promotion is refused while a pull request's try has borrowed test
        git(dir, "reset", "-q", "--hard", "HEAD~1");
        const borrowed = gatherPromotionFacts(dir, "prod", "test", {
            ...source,
            borrow: () => ({
                state: { borrowed: true, since: "2026-11-30T20:00:00Z", run: 9 },
                problems: new Problems(),
            }),
        }).facts;
        assert.deepEqual(promotionProblems(borrowed), [
            "promotion from test: test is borrowed by a try whose record expired (try run 9, since 2026-11-30T20:00:00Z); deploy releases/test (its next push, or run deploy.yml on it by hand) to return it first",
        ]);
    });

    it("reads releases/<upstream> from the remote-tracking branch, never from a tag a writer names origin/releases/<upstream>", () => {
        // GIVEN releases/test at T and releases/prod at T + pinned digests, checked out as actions/checkout does with
        // fetch-depth: 0 (branches under refs/remotes/origin/, every tag under refs/tags/: actions/checkout
        // src/ref-helper.ts getRefSpecForAllHistory), and a tag `origin/releases/test` on an older commit, which any
        // writer can push. git resolves a short name through refs/tags/ before refs/remotes/ (gitrevisions(7),
        // "<refname>" rules 3 and 5), so `origin/releases/test` would name the tag.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promotion-tag-"));
        git(dir, "init", "-q", "-b", "releases/prod");
        const old = commit(dir, { "Pulumi.prod.yaml": prodAtTested, "index.ts": "1\n" }, "base");
        const tested = commit(dir, { "index.ts": "2\n" }, "tested on test");
        git(dir, "update-ref", "refs/remotes/origin/releases/test", tested);
        commit(dir, { "Pulumi.prod.yaml": pinDigests(prodAtTested, images) }, "pin");
        git(dir, "tag", "origin/releases/test", old);
        const source: TestedRecordSource = {
            find: (_u, c) => ({ record: { ...record, commit: c }, problems: new Problems() }),
            borrow: () => ({ state: { borrowed: false }, problems: new Problems() }),
        };
        // WHEN the guard gathers the facts of HEAD
        const { facts } = gatherPromotionFacts(dir, "prod", "test", source);
        // THEN the tested commit is the branch's, and the promotion passes (the tag would have failed it: index.ts)
        assert.equal(facts.testedCommit, tested);
        assert.deepEqual(promotionProblems(facts), []);
    });
});
