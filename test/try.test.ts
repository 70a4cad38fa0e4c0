import { strict as assert } from "node:assert";
import { Problems, formatProblem } from "../lib/problems";
import {
    borrowedMarker,
    borrowedPromotionProblems,
    borrowState,
    parseBorrowRecord,
    tryComment,
    tryOutcome,
    tryRequestProblems,
    tryStatus,
    type BorrowRecord,
    type BorrowState,
    type PullRequestFacts,
    type TryReport,
    type TryRequest,
} from "../tools/try/borrow";

const SHA = "a".repeat(40);
const NEW = "b".repeat(40);
const record: BorrowRecord = { channel: "test", pr: 42, sha: SHA, run: 7001 };
const free: BorrowState = { borrowed: false };

describe("try a pull request in test (issue 19, item 6)", () => {
    describe("parseBorrowRecord", () => {
        it("reads the record the try job writes", () => {
            const problems = new Problems();
            assert.deepEqual(parseBorrowRecord(JSON.stringify(record), "r", problems), record);
            assert.ok(problems.empty);
        });

        it("fails on each malformed field, and on text that is not JSON", () => {
            const problems = new Problems();
            const bad = { channel: "", pr: "42", sha: "abc", run: 0 };
            assert.equal(parseBorrowRecord(JSON.stringify(bad), "r", problems), undefined);
            assert.deepEqual(problems.list.map(formatProblem), [
                'r: channel: missing (got "")',
                'r: pr: must be a pull request number (got "42")',
                'r: sha: must be a 40-hex commit (got "abc")',
                "r: run: must be a workflow run id (got 0)",
            ]);
            const other = new Problems();
            assert.equal(parseBorrowRecord("{", "r", other), undefined);
            assert.deepEqual(other.list.map(formatProblem), ["r: is not JSON"]);
        });
    });

    describe("borrowState", () => {
        const borrow = { record, at: "2026-11-30T20:00:00Z", run: 7001 };
        it("is free when no try ever took the channel", () => {
            assert.deepEqual(borrowState({ channel: "test" }), free);
            assert.deepEqual(
                borrowState({
                    channel: "test",
                    lastDeploy: { run: 1, at: "2026-11-30T19:00:00Z", sha: NEW },
                }),
                free,
            );
        });

        it("is borrowed when the try came after the last deploy of releases/test, or there was none", () => {
            const borrowed = { borrowed: true, by: record, since: borrow.at, run: 7001 };
            assert.deepEqual(borrowState({ channel: "test", lastBorrow: borrow }), borrowed);
            assert.deepEqual(
                borrowState({
                    channel: "test",
                    lastBorrow: borrow,
                    lastDeploy: { run: 1, at: "2026-11-30T19:59:59Z", sha: NEW },
                }),
                borrowed,
            );
        });

        it("is returned by a deploy that completed after the borrow", () => {
            assert.deepEqual(
                borrowState({
                    channel: "test",
                    lastBorrow: borrow,
                    lastDeploy: { run: 2, at: "2026-11-30T20:30:00Z", sha: NEW },
                }),
                free,
            );
        });

        it("stays borrowed when a time does not parse, and when the record expired", () => {
            assert.equal(
                borrowState({
                    channel: "test",
                    lastBorrow: borrow,
                    lastDeploy: { run: 2, at: "yesterday", sha: NEW },
                }).borrowed,
                true,
            );
            assert.deepEqual(borrowState({ channel: "test", lastBorrow: { at: borrow.at, run: 9 } }), {
                borrowed: true,
                since: borrow.at,
                run: 9,
            });
        });
    });

    describe("borrowedPromotionProblems", () => {
        it("lets a free upstream be promoted and refuses a borrowed one, naming who and how to return it", () => {
            assert.deepEqual(borrowedPromotionProblems("test", free), []);
            assert.deepEqual(
                borrowedPromotionProblems("test", { borrowed: true, by: record, since: "T", run: 7001 }),
                [
                    "promotion from test: test is borrowed by pull request #42 at aaaaaaaaaaaa (try run 7001, since T); deploy releases/test (its next push, or run deploy.yml on it by hand) to return it first",
                ],
            );
        });
    });

    describe("tryRequestProblems", () => {
        const req: TryRequest = {
            channel: "test",
            pr: "42",
            sha: SHA,
            ref: "refs/heads/releases/test",
            repositoryId: "810000001",
        };
        const pr: PullRequestFacts = {
            state: "open",
            author: "alice",
            headSha: SHA,
            headRepoId: 810000001,
            baseRef: "main",
        };

        it("accepts an open pull request of this repository to main at the reviewed head", () => {
            assert.deepEqual(tryRequestProblems(req, pr, free, []), []);
            // AND a newer head of the pull request that already holds the channel
            const held: BorrowState = { borrowed: true, by: { ...record, sha: NEW }, since: "T", run: 1 };
            assert.deepEqual(tryRequestProblems(req, pr, held, []), []);
        });

        const cases: Array<[string, Partial<TryRequest>, Partial<PullRequestFacts> | undefined, string[]]> = [
            [
                "it is dispatched on another branch (a definition nobody reviewed)",
                { ref: "refs/heads/feature" },
                {},
                [
                    'try in test: ref: dispatch it on releases/test ("Use workflow from") (got "refs/heads/feature")',
                ],
            ],
            [
                "the inputs are not a number and a commit (and never reach a shell)",
                { pr: "1; curl x | sh", sha: "$(id)" },
                {},
                [
                    'try in test: input pr: must be a pull request number (got "1; curl x | sh")',
                    `try in test: input sha: must be the pull request's head commit (40 hex) (got "$(id)")`,
                ],
            ],
            ["the pull request does not exist", {}, undefined, ["try in test: pull request #42: not found"]],
            [
                "the pull request is closed",
                {},
                { state: "closed" },
                ['try in test: pull request #42: is not open (got "closed")'],
            ],
            [
                "the pull request targets a release branch",
                {},
                { baseRef: "releases/test" },
                [
                    'try in test: pull request #42: must target main (a feature pull request) (got "releases/test")',
                ],
            ],
            [
                "the pull request comes from a fork",
                {},
                { headRepoId: 99 },
                [
                    "try in test: pull request #42: comes from a fork (or a deleted repository): only branches of this repository can be tried (got 99)",
                ],
            ],
            [
                "the fork's repository was deleted",
                {},
                { headRepoId: null },
                [
                    "try in test: pull request #42: comes from a fork (or a deleted repository): only branches of this repository can be tried (got null)",
                ],
            ],
            [
                "the pull request has no author login to compare approvers with",
                {},
                { author: "" },
                ['try in test: pull request #42: has no author login GitHub allows (got "")'],
            ],
            [
                "the head moved after the dispatch (unreviewed commits)",
                {},
                { headSha: NEW },
                [
                    "try in test: pull request #42: its head is bbbbbbbbbbbb, not the aaaaaaaaaaaa asked for: review the new head and dispatch again",
                ],
            ],
        ];
        for (const [what, r, p, expected] of cases) {
            it(`refuses a try when ${what}`, () => {
                assert.deepEqual(
                    tryRequestProblems(
                        { ...req, ...r },
                        p === undefined ? undefined : { ...pr, ...p },
                        free,
                        [],
                    ),
                    expected,
                );
            });
        }

        it("refuses a try while another pull request holds the channel, or a deploy is under way", () => {
            const other: BorrowState = { borrowed: true, by: { ...record, pr: 7 }, since: "T", run: 3 };
            assert.deepEqual(tryRequestProblems(req, pr, other, [{ run: 11, status: "waiting" }]), [
                "try in test: test is borrowed by pull request #7 at aaaaaaaaaaaa (try run 3, since T); return it first (run deploy.yml on releases/test)",
                "try in test: deploy run 11 of releases/test is waiting; try again when it has finished",
            ]);
            const expired: BorrowState = { borrowed: true, since: "T", run: 3 };
            assert.equal(tryRequestProblems(req, pr, expired, []).length, 1);
        });
    });

    describe("outcome, status and comment", () => {
        const base: TryReport = {
            channel: "test",
            pr: 42,
            sha: SHA,
            outcome: "deployed",
            runUrl: "https://github.com/o/r/actions/runs/7001",
        };

        it("derives the outcome from the deploy job's result and whether it took the channel", () => {
            assert.equal(tryOutcome("success", true), "deployed");
            assert.equal(tryOutcome("failure", true), "failed");
            assert.equal(tryOutcome("cancelled", true), "failed");
            assert.equal(tryOutcome("failure", false), "not-deployed");
            assert.equal(tryOutcome("skipped", false), "not-deployed");
        });

        it("sets one status context per channel, within GitHub's 140 characters", () => {
            const states = (["waiting", "deployed", "failed", "not-deployed", "returned"] as const).map((o) =>
                tryStatus({
                    ...base,
                    outcome: o,
                    returnedBy: { runUrl: "https://github.com/o/r/actions/runs/8000", sha: NEW },
                }),
            );
            assert.deepEqual(
                states.map((s) => [s.context, s.state, s.target_url.slice(-4)]),
                [
                    ["borrowed (test)", "pending", "7001"],
                    ["borrowed (test)", "success", "7001"],
                    ["borrowed (test)", "failure", "7001"],
                    ["borrowed (test)", "error", "7001"],
                    ["borrowed (test)", "success", "8000"],
                ],
            );
            for (const s of states) assert.ok(s.description.length <= 140, s.description);
            assert.equal(
                states[1].description,
                "test runs this commit (borrowed); promotion blocked until releases/test deploys",
            );
            assert.match(states[4].description, /^returned: test runs releases\/test at bbbbbbbbbbbb again$/);
        });

        it("writes one marked comment that says what test runs and how it returns", () => {
            const deployed = tryComment(base);
            assert.equal(deployed.split("\n")[0], borrowedMarker("test"));
            assert.equal(
                deployed,
                [
                    "<!-- data-infra-borrowed:test -->",
                    "### `test` is borrowed by this pull request",
                    "`test` runs `aaaaaaaaaaaa` of this pull request ([run](https://github.com/o/r/actions/runs/7001)). While it is borrowed, promotion to the channels promoted from `test` is refused. It returns when `releases/test` deploys again: its next push, or run `deploy.yml` on `releases/test` by hand.",
                ].join("\n\n") + "\n",
            );
            const returned = tryComment({
                ...base,
                outcome: "returned",
                returnedBy: { runUrl: "https://github.com/o/r/actions/runs/8000", sha: NEW },
            });
            assert.match(returned, /### `test` returned/);
            assert.match(
                returned,
                /\[deploy\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/8000\) of `bbbbbbbbbbbb`/,
            );
            assert.match(
                tryComment({ ...base, outcome: "waiting" }),
                /review the diff \(dependencies and scripts included\) first/,
            );
            assert.match(tryComment({ ...base, outcome: "failed" }), /may be partly deployed/);
            assert.match(tryComment({ ...base, outcome: "not-deployed" }), /this try did not change `test`/);
        });
    });
});
