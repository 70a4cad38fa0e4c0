/**
 * The facts the try rules read, from the GitHub API through `gh` (env `GH_TOKEN`; the job's token with `actions:
 * read`, and `pull-requests: read` for the pull request). Only records of `workflow_dispatch` runs of
 * `try-in-<channel>.yml` on `releases/<channel>` count as borrows: an artifact of the same name uploaded by any other
 * run (a writer's branch can upload one) is ignored, and the only thing a forged borrow could do is block.
 *
 * "On `releases/<channel>`" is checked twice. The runs API's `branch` filter matches a run's `head_branch`, which for
 * a run on a tag is the tag's name (safedep/vet#586 reads the tag from `workflow_run.head_branch`), and any writer can
 * push a tag named `releases/<channel>` at a commit whose `deploy.yml` does nothing and dispatch it there. So a run
 * counts only when its commit is in the branch's history: `GET /branches/{branch}` names only a branch (never the
 * tag), and `GET /compare/{run's commit}...{tip}` answers `ahead` or `identical` only when the run's commit is the
 * tip or an ancestor of it. Otherwise a tag's dispatch would "return" a borrowed channel and let promotion through.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Problems } from "../../lib/problems";
import { releaseBranch } from "../../components/github/naming";
import {
    BORROWED_FILE,
    borrowedArtifact,
    parseBorrowRecord,
    type BorrowFacts,
    type PullRequestFacts,
    type RunningDeploy,
} from "./borrow";

/** The try workflow's file name for a channel (the identity trusts exactly this file, bootstrap/identity-rules.ts). */
export const tryWorkflowFile = (channel: string): string => `try-in-${channel}.yml`;

/** The GitHub API as the try commands use it; {@link ghCli} is the real one, tests pass a stand-in. */
export interface GhClient {
    /** `gh api [-X <method>] <path> [--input <body as JSON>]`: the answer parsed as JSON, or its first error line. */
    api<T>(apiPath: string, method?: string, body?: unknown): { value?: T; error?: string };
    /** `gh run download <run> --name <name> --dir <dir>`: whether it wrote the artifact's files. */
    download(run: number, name: string, dir: string): boolean;
}

/** The `gh` CLI (env `GH_TOKEN`). */
export function ghCli(repo: string): GhClient {
    return {
        api<T>(apiPath: string, method = "GET", body?: unknown) {
            const args = ["api", "-X", method, apiPath];
            if (body !== undefined) {
                const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gh-")), "body.json");
                fs.writeFileSync(file, JSON.stringify(body));
                args.push("--input", file);
            }
            const r = spawnSync("gh", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
            if (r.status !== 0)
                return { error: (r.stderr || r.error?.message || "failed").trim().split("\n")[0] };
            try {
                return { value: (r.stdout.trim() ? JSON.parse(r.stdout) : {}) as T };
            } catch {
                return { error: "answer is not JSON" };
            }
        },
        download(run, name, dir) {
            const r = spawnSync(
                "gh",
                ["run", "download", String(run), "--repo", repo, "--name", name, "--dir", dir],
                {
                    encoding: "utf8",
                },
            );
            return r.status === 0;
        },
    };
}

interface Run {
    id: number;
    workflow_id: number;
    event: string;
    status: string;
    conclusion: string | null;
    head_branch: string;
    head_sha: string;
    updated_at: string;
    created_at: string;
}
interface Artifact {
    id: number;
    name: string;
    expired: boolean;
    created_at: string;
    workflow_run?: { id: number; head_branch?: string; head_sha?: string };
}

/** Pages of 100 `borrowed-<channel>` artifacts read at most; more is refused rather than half read. */
const ARTIFACT_PAGES = 10;

/**
 * The newest `borrowed-<channel>` artifact uploaded by a `workflow_dispatch` run of `try-in-<channel>.yml` on the
 * branch `releases/<channel>` (its commit in the branch's history). Every page of artifacts of that name is read and
 * each candidate's run is checked by id, so neither junk dispatches that push the try run off a page of runs, nor a
 * writer's branch uploading artifacts of the same name to push the record off a page of artifacts, hide a borrow;
 * an artifact whose run is on another branch costs no API call. Past {@link ARTIFACT_PAGES} pages it is a problem.
 */
function newestTryArtifact(
    repo: string,
    channel: string,
    gh: GhClient,
    problems: Problems,
    inBranch: (sha: string) => boolean,
): Artifact | undefined {
    const branch = releaseBranch(channel);
    const name = borrowedArtifact(channel);
    const all: Artifact[] = [];
    for (let page = 1; ; page++) {
        const r = gh.api<{ artifacts: Artifact[] }>(
            `repos/${repo}/actions/artifacts?name=${name}&per_page=100&page=${page}`,
        );
        if (r.error) {
            problems.add(`GitHub API artifacts ${name}`, `failed: ${r.error}`);
            break;
        }
        const got = r.value?.artifacts ?? [];
        all.push(...got);
        if (got.length < 100) break;
        if (page === ARTIFACT_PAGES) {
            problems.add(
                `GitHub API artifacts ${name}`,
                `more than ${ARTIFACT_PAGES * 100}: delete the ones no try uploaded, the borrow cannot be read`,
            );
            break;
        }
    }
    const candidates = all
        .filter((a) => a.workflow_run && (a.workflow_run.head_branch ?? branch) === branch)
        .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id);
    if (!candidates.length) return undefined;
    const workflow = gh.api<{ id: number }>(`repos/${repo}/actions/workflows/${tryWorkflowFile(channel)}`);
    // A repository without the try workflow (tries never enabled) has no borrows.
    if (workflow.error) {
        if (!/404|Not Found/.test(workflow.error))
            problems.add(`GitHub API workflow ${tryWorkflowFile(channel)}`, `failed: ${workflow.error}`);
        return undefined;
    }
    for (const a of candidates) {
        const id = a.workflow_run!.id;
        if (a.workflow_run!.head_sha !== undefined && !inBranch(a.workflow_run!.head_sha)) continue;
        const r = gh.api<Run>(`repos/${repo}/actions/runs/${id}`);
        if (r.error) {
            problems.add(`GitHub API run ${id}`, `failed: ${r.error}`);
            continue;
        }
        const run = r.value!;
        if (
            run.workflow_id === workflow.value?.id &&
            run.event === "workflow_dispatch" &&
            run.head_branch === branch &&
            inBranch(run.head_sha)
        )
            return a;
    }
    return undefined;
}

/** States of a run that has not finished. */
const UNFINISHED = ["queued", "in_progress", "waiting", "pending", "requested"];

/** What the API says about a channel's borrows and deploys. */
export function gatherBorrowFacts(
    repo: string,
    channel: string,
    gh: GhClient = ghCli(repo),
): { facts: BorrowFacts; problems: Problems } {
    const problems = new Problems();
    const branch = encodeURIComponent(releaseBranch(channel));
    const fail = (what: string, error: string) => problems.add(`GitHub API ${what}`, `failed: ${error}`);

    const inBranch = branchHistory(repo, channel, gh, problems);
    const newest = newestTryArtifact(repo, channel, gh, problems, inBranch);

    let lastBorrow: BorrowFacts["lastBorrow"];
    if (newest) {
        const run = newest.workflow_run!.id;
        let record;
        if (!newest.expired) {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "borrowed-"));
            const downloaded = gh.download(run, borrowedArtifact(channel), dir);
            const file = path.join(dir, BORROWED_FILE);
            if (downloaded && fs.existsSync(file))
                record = parseBorrowRecord(
                    fs.readFileSync(file, "utf8"),
                    `run ${run} ${BORROWED_FILE}`,
                    problems,
                );
        }
        lastBorrow = { at: newest.created_at, run, ...(record ? { record } : {}) };
    }

    const deploys = gh.api<{ workflow_runs: Run[] }>(
        `repos/${repo}/actions/workflows/deploy.yml/runs?branch=${branch}&status=success&per_page=50`,
    );
    if (deploys.error) fail("runs of deploy.yml", deploys.error);
    const done = (deploys.value?.workflow_runs ?? [])
        .filter((r) => r.event === "push" || r.event === "workflow_dispatch")
        .sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at))
        .find((r) => inBranch(r.head_sha));
    const lastDeploy = done ? { run: done.id, at: done.updated_at, sha: done.head_sha } : undefined;
    return {
        facts: { channel, ...(lastBorrow ? { lastBorrow } : {}), ...(lastDeploy ? { lastDeploy } : {}) },
        problems,
    };
}

/**
 * Whether a commit is in the history of the branch `releases/<channel>` (its tip or an ancestor of it), asked of the
 * API once per commit. A 404 (no common ancestor, no such commit) is "not in the history"; any other API failure
 * is a problem and counts as "not in the history" too.
 */
function branchHistory(
    repo: string,
    channel: string,
    gh: GhClient,
    problems: Problems,
): (sha: string) => boolean {
    const branch = releaseBranch(channel);
    let tip: string | undefined | null = null;
    const known = new Map<string, boolean>();
    return (sha) => {
        if (tip === null) {
            const b = gh.api<{ commit?: { sha?: string } }>(
                `repos/${repo}/branches/${encodeURIComponent(branch)}`,
            );
            if (b.error) problems.add(`GitHub API branch ${branch}`, `failed: ${b.error}`);
            tip =
                b.value?.commit?.sha && /^[0-9a-f]{40}$/.test(b.value.commit.sha)
                    ? b.value.commit.sha
                    : undefined;
        }
        if (!tip || !/^[0-9a-f]{40}$/.test(sha)) return false;
        if (!known.has(sha)) {
            const c = gh.api<{ status?: string }>(`repos/${repo}/compare/${sha}...${tip}?per_page=1`);
            // 404: no common ancestor (an orphan commit) or no such commit; either way not in the branch.
            if (c.error && !/\(HTTP 404\)|Not Found|No common ancestor/.test(c.error))
                problems.add(`GitHub API compare ${sha.slice(0, 12)}...${branch}`, `failed: ${c.error}`);
            known.set(sha, c.value?.status === "ahead" || c.value?.status === "identical");
        }
        return known.get(sha)!;
    };
}

/** Deploys of `releases/<channel>` that have not finished. */
export function runningDeploys(
    repo: string,
    channel: string,
    problems: Problems,
    gh: GhClient,
): RunningDeploy[] {
    const branch = encodeURIComponent(releaseBranch(channel));
    const out: RunningDeploy[] = [];
    for (const status of UNFINISHED) {
        const r = gh.api<{ workflow_runs: Run[] }>(
            `repos/${repo}/actions/workflows/deploy.yml/runs?branch=${branch}&status=${status}&per_page=20`,
        );
        if (r.error) problems.add(`GitHub API runs of deploy.yml (${status})`, `failed: ${r.error}`);
        for (const run of r.value?.workflow_runs ?? []) out.push({ run: run.id, status: run.status });
    }
    return out.sort((a, b) => a.run - b.run);
}

/** The pull request, or `undefined` when it does not exist. */
export function pullRequest(
    repo: string,
    pr: string,
    problems: Problems,
    gh: GhClient,
): PullRequestFacts | undefined {
    const r = gh.api<{
        state: string;
        user: { login: string } | null;
        head: { sha: string; repo: { id: number } | null };
        base: { ref: string };
    }>(`repos/${repo}/pulls/${pr}`);
    if (r.error) {
        if (!/404|Not Found/.test(r.error))
            problems.add(`GitHub API pull request #${pr}`, `failed: ${r.error}`);
        return undefined;
    }
    const p = r.value!;
    return {
        state: p.state,
        author: p.user?.login ?? "",
        headSha: p.head.sha,
        headRepoId: p.head.repo?.id ?? null,
        baseRef: p.base.ref,
    };
}
