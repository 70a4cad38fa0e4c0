/**
 * The commands of `npx tsx tools/try.ts <command> <channel>`: trying a pull request's head in a channel
 * (docs/try-in-test.md). Run by the rendered `try-in-<channel>.yml` and `promote.yml`, always from the release
 * branch's own (reviewed) code, never from the pull request's. Inputs arrive as environment variables, never on a
 * shell command line.
 *
 * - `check`: refuses the try unless tools/try/borrow.ts `tryRequestProblems` finds nothing (env `PR`, `SHA`,
 *   `GITHUB_REF`, `GITHUB_REPOSITORY_ID`); writes the checked `pr`, `sha` and the pull request's `author` to
 *   `$GITHUB_OUTPUT`.
 * - `report`: sets the `borrowed (<channel>)` status on `SHA` and writes the pull request's comment: `OUTCOME=waiting`,
 *   or from `DEPLOY_RESULT` and whether run `RUN_ID` uploaded its borrow record.
 * - `return`: after a successful deploy of the release branch, marks the pull request that had borrowed the channel
 *   as returned (once).
 * - `borrowed`: exits 1 while the channel is borrowed (the promote workflow's check, before any promotion).
 */
import * as fs from "node:fs";
import { formatProblem, Problems } from "../../lib/problems";
import {
    borrowedArtifact,
    borrowedContext,
    borrowedMarker,
    borrowedPromotionProblems,
    borrowState,
    describeBorrow,
    tryComment,
    tryOutcome,
    tryRequestProblems,
    tryStatus,
    type TryOutcome,
    type TryReport,
} from "./borrow";
import { gatherBorrowFacts, ghCli, pullRequest, runningDeploys, type GhClient } from "./facts";

const env = (name: string): string => process.env[name] ?? "";

const runUrl = (repo: string, run: string | number): string =>
    `${env("GITHUB_SERVER_URL") || "https://github.com"}/${repo}/actions/runs/${run}`;

/** Sets the status and creates or updates the one marked comment. */
function publish(repo: string, gh: GhClient, r: TryReport): number {
    const failures: string[] = [];
    const statusError = gh.api(`repos/${repo}/statuses/${r.sha}`, "POST", tryStatus(r)).error;
    if (statusError) failures.push(`status: ${statusError}`);
    const marker = borrowedMarker(r.channel);
    let existing: number | undefined;
    for (let page = 1; page <= 10 && existing === undefined; page++) {
        const list = gh.api<{ id: number; body?: string }[]>(
            `repos/${repo}/issues/${r.pr}/comments?per_page=100&page=${page}`,
        );
        if (list.error) {
            failures.push(`comments: ${list.error}`);
            break;
        }
        existing = list.value!.find((c) => c.body?.startsWith(marker))?.id;
        if (list.value!.length < 100) break;
    }
    const body = { body: tryComment(r) };
    const commentError =
        existing === undefined
            ? gh.api(`repos/${repo}/issues/${r.pr}/comments`, "POST", body).error
            : gh.api(`repos/${repo}/issues/comments/${existing}`, "PATCH", body).error;
    if (commentError) failures.push(`comment: ${commentError}`);
    for (const f of failures) console.error(`::error::${f}`);
    console.log(`#${r.pr} ${r.sha.slice(0, 12)}: ${r.outcome}`);
    return failures.length ? 1 : 0;
}

function check(repo: string, channel: string, gh: GhClient): number {
    const problems = new Problems();
    const req = {
        channel,
        pr: env("PR"),
        sha: env("SHA"),
        ref: env("GITHUB_REF"),
        repositoryId: env("GITHUB_REPOSITORY_ID"),
    };
    const pr = /^[1-9][0-9]{0,9}$/.test(req.pr) ? pullRequest(repo, req.pr, problems, gh) : undefined;
    const { facts, problems: factProblems } = gatherBorrowFacts(repo, channel, gh);
    problems.addAll(factProblems);
    const found = [
        ...problems.list.map(formatProblem),
        ...tryRequestProblems(req, pr, borrowState(facts), runningDeploys(repo, channel, problems, gh)),
    ];
    // runningDeploys may have added API failures after the first read.
    const all = [...new Set([...found, ...problems.list.map(formatProblem)])];
    if (all.length) {
        for (const line of all) console.error(`::error::${line}`);
        return 1;
    }
    fs.appendFileSync(
        env("GITHUB_OUTPUT") || "/dev/null",
        `pr=${req.pr}\nsha=${req.sha}\nauthor=${pr!.author}\n`,
    );
    console.log(`try of #${req.pr} at ${req.sha} in ${channel}: checks passed`);
    return 0;
}

function report(repo: string, channel: string, gh: GhClient): number {
    const pr = env("PR");
    const sha = env("SHA");
    const run = env("RUN_ID");
    if (!/^[1-9][0-9]{0,9}$/.test(pr) || !/^[0-9a-f]{40}$/.test(sha) || !/^[0-9]+$/.test(run)) {
        console.error("::error::report needs PR, SHA and RUN_ID");
        return 2;
    }
    let outcome: TryOutcome;
    if (env("OUTCOME") === "waiting") {
        outcome = "waiting";
    } else {
        const a = gh.api<{ total_count: number }>(
            `repos/${repo}/actions/runs/${run}/artifacts?name=${borrowedArtifact(channel)}`,
        );
        // When the API cannot tell, assume the try took the channel: the comment then never claims it did not.
        outcome = tryOutcome(env("DEPLOY_RESULT"), a.error !== undefined || (a.value?.total_count ?? 0) > 0);
    }
    return publish(repo, gh, { channel, pr: Number(pr), sha, outcome, runUrl: runUrl(repo, run) });
}

function giveBack(repo: string, channel: string, gh: GhClient): number {
    const { facts, problems } = gatherBorrowFacts(repo, channel, gh);
    for (const p of problems.list) console.error(`::warning::${formatProblem(p)}`);
    const state = borrowState(facts);
    const b = facts.lastBorrow;
    if (state.borrowed) {
        console.log(describeBorrow(channel, state));
        return 0;
    }
    if (!b?.record || !facts.lastDeploy) {
        console.log(`${channel} was not borrowed`);
        return 0;
    }
    const statuses = gh.api<{ context: string; description?: string }[]>(
        `repos/${repo}/commits/${b.record.sha}/statuses?per_page=100`,
    );
    const current = statuses.value?.find((s) => s.context === borrowedContext(channel));
    if (current?.description?.startsWith("returned")) {
        console.log(`#${b.record.pr} was already marked returned`);
        return 0;
    }
    return publish(repo, gh, {
        channel,
        pr: b.record.pr,
        sha: b.record.sha,
        outcome: "returned",
        runUrl: runUrl(repo, b.run),
        returnedBy: { runUrl: runUrl(repo, facts.lastDeploy.run), sha: facts.lastDeploy.sha },
    });
}

function borrowed(repo: string, channel: string, gh: GhClient): number {
    const { facts, problems } = gatherBorrowFacts(repo, channel, gh);
    const found = [
        ...problems.list.map(formatProblem),
        ...borrowedPromotionProblems(channel, borrowState(facts)),
    ];
    if (found.length) {
        for (const line of found) console.error(`::error::${line}`);
        return 1;
    }
    console.log(`${channel} is not borrowed`);
    return 0;
}

const COMMANDS: Record<string, (repo: string, channel: string, gh: GhClient) => number> = {
    check,
    report,
    return: giveBack,
    borrowed,
};

/** Runs one command (the arguments after `tools/try.ts`); returns the exit code. Reads `process.env` when called. */
export function tryMain(argv: readonly string[], client?: GhClient): number {
    const repo = env("GITHUB_REPOSITORY");
    const command = COMMANDS[argv[0]];
    if (argv.length !== 2 || !command || !repo || !/^[a-z][a-z0-9-]*$/.test(argv[1])) {
        console.error(
            `usage: GITHUB_REPOSITORY=owner/name tsx tools/try.ts ${Object.keys(COMMANDS).join("|")} <channel>`,
        );
        return 2;
    }
    return command(repo, argv[1], client ?? ghCli(repo));
}
