/**
 * Gathers the {@link PromotionFacts} of the checked-out commit from git (a full clone: the deploy job checks out with
 * `fetch-depth: 0`, which fetches every branch as `refs/remotes/origin/*` and every tag) and from the GitHub API through `gh` (the job's token,
 * `actions: read`). The tested record comes only from a successful `push` run of `.github/workflows/deploy.yml` on
 * `releases/<upstream>` at the tested commit: only a push to that branch creates one (its pushes are restricted to
 * the release managers), and only that run's jobs can upload its artifacts, so neither a status a writer's workflow
 * posts nor a branch a writer pushes can stand in for it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Problems } from "../../lib/problems";
import {
    parseTestedRecord,
    stackFile,
    TESTED_FILE,
    testedArtifact,
    type PromotionFacts,
    type TestedRecord,
} from "./promotion";
import { borrowState, type BorrowState } from "../try/borrow";
import { gatherBorrowFacts } from "../try/facts";

function run(cmd: string, args: string[], cwd: string): { ok: boolean; out: string; err: string } {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
    return { ok: r.status === 0, out: r.stdout ?? "", err: r.stderr ?? "" };
}

const git = (cwd: string, ...args: string[]) => run("git", args, cwd);

/** `git show <commit>:<file>`, or `undefined` when the file does not exist there. */
function fileAt(cwd: string, commit: string, file: string): string | undefined {
    const r = git(cwd, "show", `${commit}:${file}`);
    return r.ok ? r.out : undefined;
}

/** How the guard reaches GitHub; tests replace it. */
export interface TestedRecordSource {
    /** The record of the successful push deploy of `releases/<upstream>` at `commit`, or why there is none. */
    find(upstream: string, commit: string): { record?: TestedRecord; problems: Problems };
    /** Whether the upstream is borrowed by a pull request's try (tools/try/borrow.ts). */
    borrow(upstream: string): { state: BorrowState; problems: Problems };
}

/** The GitHub API through `gh` (env `GH_TOKEN`, `GITHUB_REPOSITORY`). */
export function githubRecordSource(repo: string, cwd: string): TestedRecordSource {
    return {
        find(upstream, commit) {
            const problems = new Problems();
            const query =
                `repos/${repo}/actions/workflows/deploy.yml/runs?head_sha=${commit}&event=push` +
                `&branch=${encodeURIComponent(`releases/${upstream}`)}&status=success&per_page=1`;
            const runs = run("gh", ["api", query, "--jq", ".workflow_runs[0].id // empty"], cwd);
            if (!runs.ok) {
                problems.add(`GitHub API ${query}`, `failed: ${runs.err.trim().split("\n")[0]}`);
                return { problems };
            }
            const id = runs.out.trim();
            if (!id) return { problems };
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tested-"));
            const dl = run(
                "gh",
                ["run", "download", id, "--repo", repo, "--name", testedArtifact(upstream), "--dir", dir],
                cwd,
            );
            if (!dl.ok) return { problems };
            const file = path.join(dir, TESTED_FILE);
            if (!fs.existsSync(file)) return { problems };
            const record = parseTestedRecord(
                fs.readFileSync(file, "utf8"),
                `run ${id} ${TESTED_FILE}`,
                problems,
            );
            return { record, problems };
        },
        borrow(upstream) {
            const { facts, problems } = gatherBorrowFacts(repo, upstream);
            return { state: borrowState(facts), problems };
        },
    };
}

/** The facts of HEAD in the git work tree `cwd`, promoted from `upstream` to `channel`. */
export function gatherPromotionFacts(
    cwd: string,
    channel: string,
    upstream: string,
    source: TestedRecordSource,
): { facts: PromotionFacts; problems: Problems } {
    const problems = new Problems();
    const head = git(cwd, "rev-parse", "HEAD").out.trim();
    // The full name: a short `origin/releases/<upstream>` resolves to a tag of that name first (gitrevisions(7): refs/tags/
    // before refs/remotes/), and the checkout fetches every tag, which any writer can push.
    const base = git(cwd, "merge-base", "HEAD", `refs/remotes/origin/releases/${upstream}`);
    const testedCommit = base.ok ? base.out.trim() : undefined;
    const file = stackFile(channel);
    let changedFiles: string[] = [];
    let record: TestedRecord | undefined;
    const borrow = source.borrow(upstream);
    problems.addAll(borrow.problems);
    if (testedCommit) {
        const diff = git(cwd, "diff", "--no-renames", "--name-only", testedCommit, "HEAD");
        if (!diff.ok) problems.add(`git diff ${testedCommit} HEAD`, diff.err.trim());
        changedFiles = diff.out.split("\n").filter(Boolean);
        const found = source.find(upstream, testedCommit);
        problems.addAll(found.problems);
        record = found.record;
    }
    return {
        facts: {
            channel,
            upstream,
            deployedCommit: head,
            testedCommit,
            changedFiles,
            stackAtTested: testedCommit ? fileAt(cwd, testedCommit, file) : undefined,
            stackAtDeployed: fileAt(cwd, "HEAD", file),
            record,
            upstreamBorrow: borrow.state,
        },
        problems,
    };
}
