/**
 * Trying a pull request in a channel (issue 19, item 6; docs/try-in-test.md): the pure rules. A try deploys a pull
 * request's head to a channel (test) whose environment reviewers approved it, and the channel is then "borrowed"
 * until its release branch deploys again. The facts come from the GitHub API (`facts.ts`); the command line the
 * workflows run is `tools/try.ts`.
 */
import { formatProblem, parseJsonText, Problems } from "../../lib/problems";
import { DEFAULT_BRANCH, releaseBranch } from "../../components/github/naming";

/**
 * What a try records when it takes the channel: uploaded as artifact `borrowed-<channel>` by the try's deploy job
 * right after the environment's reviewers approved it, before any of the pull request's code runs.
 */
export interface BorrowRecord {
    readonly channel: string;
    /** The pull request number. */
    readonly pr: number;
    /** The head commit the try deploys. */
    readonly sha: string;
    /** The try's workflow run id. */
    readonly run: number;
}

export const borrowedArtifact = (channel: string): string => `borrowed-${channel}`;
export const BORROWED_FILE = "borrowed.json";

/** The commit status a try sets on the pull request's head (never required by any branch: information only). */
export const borrowedContext = (channel: string): string => `borrowed (${channel})`;

/** First line of the one comment a try writes (and updates) on the pull request. */
export const borrowedMarker = (channel: string): string => `<!-- data-infra-borrowed:${channel} -->`;

const SHA = /^[0-9a-f]{40}$/;
const NUMBER = /^[1-9][0-9]{0,9}$/;
/** A GitHub login (an App's bot user ends in `[bot]`): what the try job compares approvers with. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

/** Reads a {@link BorrowRecord} from its JSON, collecting what is wrong with it. */
export function parseBorrowRecord(text: string, where: string, problems: Problems): BorrowRecord | undefined {
    const parsed = parseJsonText(text, where, problems);
    if (!parsed) return undefined;
    const r = parsed.value as Partial<BorrowRecord> | null;
    const before = problems.list.length;
    if (typeof r?.channel !== "string" || !r.channel)
        problems.add(`${where}: channel`, "missing", r?.channel);
    if (!Number.isSafeInteger(r?.pr) || (r?.pr ?? 0) < 1)
        problems.add(`${where}: pr`, "must be a pull request number", r?.pr);
    if (typeof r?.sha !== "string" || !SHA.test(r.sha))
        problems.add(`${where}: sha`, "must be a 40-hex commit", r?.sha);
    if (!Number.isSafeInteger(r?.run) || (r?.run ?? 0) < 1)
        problems.add(`${where}: run`, "must be a workflow run id", r?.run);
    return problems.list.length === before ? (r as BorrowRecord) : undefined;
}

/** The newest try that took the channel and the newest deploy of its release branch, as GitHub reports them. */
export interface BorrowFacts {
    readonly channel: string;
    /**
     * The newest `borrowed-<channel>` record of a `workflow_dispatch` run of `try-in-<channel>.yml` on
     * `releases/<channel>`, and when it was uploaded (ISO 8601). `record` is `undefined` when the artifact could not
     * be read (expired): the channel still counts as borrowed.
     */
    readonly lastBorrow?: { readonly record?: BorrowRecord; readonly at: string; readonly run: number };
    /**
     * The newest successful `deploy.yml` run (push or manual) of `releases/<channel>`, and when it completed. Deploys
     * and tries of a channel share the concurrency group `deploy-<channel>`, so one never overlaps the other: a deploy
     * that completed after a try's record was uploaded started after that try ended.
     */
    readonly lastDeploy?: { readonly run: number; readonly at: string; readonly sha: string };
}

export type BorrowState =
    | { readonly borrowed: false }
    | {
          readonly borrowed: true;
          readonly by?: BorrowRecord;
          readonly since: string;
          readonly run: number;
      };

/**
 * Whether the channel is borrowed: a try took it after its release branch last deployed successfully. A timestamp
 * that does not parse counts against returning (the channel stays borrowed).
 */
export function borrowState(f: BorrowFacts): BorrowState {
    const b = f.lastBorrow;
    if (!b) return { borrowed: false };
    const borrowedAt = Date.parse(b.at);
    const returnedAt = f.lastDeploy ? Date.parse(f.lastDeploy.at) : NaN;
    if (!Number.isNaN(borrowedAt) && !Number.isNaN(returnedAt) && returnedAt > borrowedAt)
        return { borrowed: false };
    return { borrowed: true, ...(b.record ? { by: b.record } : {}), since: b.at, run: b.run };
}

/** One line naming who borrowed the channel, for errors and the job summary. */
export function describeBorrow(channel: string, s: Extract<BorrowState, { borrowed: true }>): string {
    const who = s.by ? `pull request #${s.by.pr} at ${s.by.sha.slice(0, 12)}` : "a try whose record expired";
    return `${channel} is borrowed by ${who} (try run ${s.run}, since ${s.since})`;
}

/**
 * Why a channel promoted from `upstream` must not take a promotion now (empty: it may): while the upstream is
 * borrowed it runs a pull request's code, not its release branch, so what reviewers see there is not what would be
 * promoted. The deploy guard of the promoted channel and the promote workflow's check both refuse.
 */
export function borrowedPromotionProblems(upstream: string, s: BorrowState): string[] {
    if (!s.borrowed) return [];
    return [
        formatProblem({
            where: `promotion from ${upstream}`,
            what: `${describeBorrow(upstream, s)}; deploy ${releaseBranch(upstream)} (its next push, or run deploy.yml on it by hand) to return it first`,
        }),
    ];
}

/** What the try was asked to deploy: the dispatch's inputs (raw, unchecked) and where it was dispatched. */
export interface TryRequest {
    readonly channel: string;
    /** The `pr` input. */
    readonly pr: string;
    /** The `sha` input: the head commit the requester reviewed. */
    readonly sha: string;
    /** `github.ref` of the run. */
    readonly ref: string;
    /** `github.repository_id`. */
    readonly repositoryId: string;
}

/** The pull request as `GET /repos/{owner}/{repo}/pulls/{number}` returns it (only what the rules read). */
export interface PullRequestFacts {
    readonly state: string;
    /** `user.login`: who opened it; the try job refuses an approval by them. */
    readonly author: string;
    readonly headSha: string;
    /** `head.repo.id`; `null` when the head repository was deleted. */
    readonly headRepoId: number | null;
    readonly baseRef: string;
}

/** A deploy of the release branch that has not finished (queued, waiting for approval, in progress). */
export interface RunningDeploy {
    readonly run: number;
    readonly status: string;
}

/**
 * Why a try must not start (empty: it may). Each rule has a failing case in test/try.test.ts:
 * 1. dispatched on `releases/<channel>` (the reviewed workflow definition, the environment's branch policy);
 * 2. `pr` is a pull request number and `sha` a full commit id;
 * 3. the pull request is open, targets `main`, and comes from a branch of this repository (forks are refused:
 *    docs/try-in-test.md says why);
 * 4. its head is still `sha` (what the requester and the reviewers saw; a push after the dispatch is not tried);
 * 5. no other pull request has borrowed the channel (return it first), the same one may try a newer head;
 * 6. no deploy of the release branch is queued or running (a try queued in the shared concurrency group would
 *    cancel a pending deploy).
 */
export function tryRequestProblems(
    req: TryRequest,
    pr: PullRequestFacts | undefined,
    state: BorrowState,
    running: readonly RunningDeploy[],
): string[] {
    const problems = new Problems();
    const branch = releaseBranch(req.channel);
    const here = `try in ${req.channel}`;
    if (req.ref !== `refs/heads/${branch}`)
        problems.add(`${here}: ref`, `dispatch it on ${branch} ("Use workflow from")`, req.ref);
    const prOk = NUMBER.test(req.pr);
    if (!prOk) problems.add(`${here}: input pr`, "must be a pull request number", req.pr);
    const shaOk = SHA.test(req.sha);
    if (!shaOk)
        problems.add(`${here}: input sha`, "must be the pull request's head commit (40 hex)", req.sha);
    if (prOk && !pr) problems.add(`${here}: pull request #${req.pr}`, "not found");
    if (prOk && pr) {
        const where = `${here}: pull request #${req.pr}`;
        if (pr.state !== "open") problems.add(where, "is not open", pr.state);
        if (pr.baseRef !== DEFAULT_BRANCH)
            problems.add(where, `must target ${DEFAULT_BRANCH} (a feature pull request)`, pr.baseRef);
        if (!LOGIN.test(pr.author)) problems.add(where, "has no author login GitHub allows", pr.author);
        if (pr.headRepoId === null || String(pr.headRepoId) !== req.repositoryId)
            problems.add(
                where,
                "comes from a fork (or a deleted repository): only branches of this repository can be tried",
                pr.headRepoId,
            );
        if (shaOk && pr.headSha !== req.sha)
            problems.add(
                where,
                `its head is ${pr.headSha.slice(0, 12)}, not the ${req.sha.slice(0, 12)} asked for: review the new head and dispatch again`,
            );
    }
    if (state.borrowed && (!state.by || String(state.by.pr) !== req.pr))
        problems.add(
            here,
            `${describeBorrow(req.channel, state)}; return it first (run deploy.yml on ${branch})`,
        );
    for (const r of running)
        problems.add(here, `deploy run ${r.run} of ${branch} is ${r.status}; try again when it has finished`);
    return problems.list.map(formatProblem);
}

/** How a try ended, from its deploy job's result and whether it took the channel (uploaded its record). */
export type TryOutcome = "waiting" | "deployed" | "failed" | "not-deployed" | "returned";

export function tryOutcome(deployResult: string, tookChannel: boolean): TryOutcome {
    if (!tookChannel) return "not-deployed";
    return deployResult === "success" ? "deployed" : "failed";
}

/** What the status and the comment say about one try. */
export interface TryReport {
    readonly channel: string;
    readonly pr: number;
    readonly sha: string;
    readonly outcome: TryOutcome;
    /** The try's run. */
    readonly runUrl: string;
    /** For `returned`: the deploy that returned the channel. */
    readonly returnedBy?: { readonly runUrl: string; readonly sha: string };
}

/** A commit status: GitHub keeps `description` to 140 characters. */
export interface CommitStatus {
    readonly context: string;
    readonly state: "pending" | "success" | "failure" | "error";
    readonly description: string;
    readonly target_url: string;
}

const STATUS: Record<TryOutcome, (r: TryReport) => Pick<CommitStatus, "state" | "description">> = {
    waiting: (r) => ({
        state: "pending",
        description: `waiting for ${r.channel}'s reviewers to approve the try`,
    }),
    deployed: (r) => ({
        state: "success",
        description: `${r.channel} runs this commit (borrowed); promotion blocked until ${releaseBranch(r.channel)} deploys`,
    }),
    failed: (r) => ({
        state: "failure",
        description: `try failed; ${r.channel} is borrowed (partly deployed) until ${releaseBranch(r.channel)} deploys`,
    }),
    "not-deployed": (r) => ({
        state: "error",
        description: `not deployed (not approved, refused or cancelled): this try did not change ${r.channel}`,
    }),
    returned: (r) => ({
        state: "success",
        description: `returned: ${r.channel} runs ${releaseBranch(r.channel)} at ${r.returnedBy?.sha.slice(0, 12) ?? "?"} again`,
    }),
};

export function tryStatus(r: TryReport): CommitStatus {
    const s = STATUS[r.outcome](r);
    return {
        context: borrowedContext(r.channel),
        state: s.state,
        description: s.description.slice(0, 140),
        target_url: r.outcome === "returned" && r.returnedBy ? r.returnedBy.runUrl : r.runUrl,
    };
}

/** The pull request comment (one per channel, updated in place): what the channel runs and how it returns. */
export function tryComment(r: TryReport): string {
    const ch = `\`${r.channel}\``;
    const branch = `\`${releaseBranch(r.channel)}\``;
    const head = `\`${r.sha.slice(0, 12)}\``;
    const run = `[run](${r.runUrl})`;
    const returnHow = `It returns when ${branch} deploys again: its next push, or run \`deploy.yml\` on ${branch} by hand.`;
    const lines: Record<TryOutcome, string[]> = {
        waiting: [
            `### Try in ${ch}: waiting for approval`,
            `A try of ${head} in ${ch} waits for the ${ch} environment's reviewers (${run}). Approving it runs this pull request's code as ${ch}'s deployer: review the diff (dependencies and scripts included) first.`,
        ],
        deployed: [
            `### ${ch} is borrowed by this pull request`,
            `${ch} runs ${head} of this pull request (${run}). While it is borrowed, promotion to the channels promoted from ${ch} is refused. ${returnHow}`,
        ],
        failed: [
            `### Try in ${ch} failed: ${ch} is borrowed`,
            `The deploy of ${head} failed (${run}); ${ch} may be partly deployed from this pull request. Promotion from ${ch} is refused until it returns. ${returnHow}`,
        ],
        "not-deployed": [
            `### Try in ${ch}: not deployed`,
            `The try of ${head} did not deploy (${run}: not approved, refused by its checks, or cancelled): this try did not change ${ch}.`,
        ],
        returned: [
            `### ${ch} returned`,
            `${ch} was borrowed by ${head} of this pull request (${run}) and runs ${branch} again: [deploy](${r.returnedBy?.runUrl ?? r.runUrl}) of \`${r.returnedBy?.sha.slice(0, 12) ?? "?"}\`.`,
        ],
    };
    return [borrowedMarker(r.channel), ...lines[r.outcome]].join("\n\n") + "\n";
}
