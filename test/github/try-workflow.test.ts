import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { expectedWorkflows, readChannels } from "../../tools/workflows";
import {
    renderWorkflows,
    pulumiVersionFromLock,
    type Job,
    type Workflow,
} from "../../tools/workflows/render";
import { tryWorkflow } from "../../bootstrap/identity-rules";
import { APPROVAL_CHECK, APPROVERS_FILTER } from "../../tools/workflows/try";
import { REPO_ROOT } from "../harness";

const committed = expectedWorkflows();
const wf = (file: string): Workflow => parse(committed[file]) as Workflow;
const tried = wf("try-in-test.yml");
const jobs = tried.jobs;

/** Every `run:` script of a workflow that interpolates an expression (zizmor's template-injection shape). */
function interpolatingScripts(w: Workflow): string[] {
    return Object.entries(w.jobs).flatMap(([id, j]) =>
        j.steps.filter((s) => s.run?.includes("${{")).map((s) => `${id}: ${s.name}`),
    );
}

describe("try-in-test.yml (issue 19, item 6)", () => {
    it("is rendered for exactly the channels that allow tries, at the path the deployer identity trusts", () => {
        // The channel list comes from the stack files (a channel added by new-channel breaks nothing here).
        const triable = readChannels()
            .filter((c) => c.tryPullRequests)
            .map((c) => c.name);
        assert.ok(triable.includes("test") && !triable.includes("prod"), triable.join(","));
        assert.deepEqual(
            Object.keys(committed).filter((f) => f.startsWith("try-in-")),
            triable.map((c) => `try-in-${c}.yml`),
        );
        assert.equal(`.github/workflows/try-in-test.yml`, tryWorkflow("test"));
        // WHEN no channel allows tries THEN there is no try workflow
        const lock = fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8");
        const none = renderWorkflows({
            channels: readChannels().map((c) => ({ ...c, tryPullRequests: false })),
            pulumiVersion: pulumiVersionFromLock(lock),
        });
        assert.ok(!Object.keys(none).some((f) => f.startsWith("try-in-")));
    });

    it("starts by hand with the pull request and the reviewed head, and returns after a deploy of releases/test", () => {
        assert.deepEqual(tried.on, {
            workflow_dispatch: {
                inputs: {
                    pr: {
                        description: "Pull request number (of a branch of this repository, to main)",
                        required: true,
                        type: "string",
                    },
                    sha: {
                        description:
                            "The pull request's head commit you reviewed (40 hex); a newer head is refused",
                        required: true,
                        type: "string",
                    },
                },
            },
            workflow_run: { workflows: ["deploy"], types: ["completed"], branches: ["releases/test"] },
        });
        // The reviewers see on the approval page which pull request and commit they approve.
        assert.match(tried["run-name"]!, /format\('try #\{0\} at \{1\} in test', inputs\.pr, inputs\.sha\)/);
    });

    it("grants each job only what it needs, nothing at workflow level, and no secret anywhere", () => {
        assert.deepEqual(tried.permissions, {});
        assert.deepEqual(Object.fromEntries(Object.entries(jobs).map(([id, j]) => [id, j.permissions])), {
            check: { actions: "read", contents: "read", "pull-requests": "write", statuses: "write" },
            // The pull request's code runs here: read contents and the run's approvals, become the deployer.
            try: { actions: "read", contents: "read", "id-token": "write" },
            report: { actions: "read", contents: "read", "pull-requests": "write", statuses: "write" },
            return: { actions: "read", contents: "read", "pull-requests": "write", statuses: "write" },
        });
        assert.ok(!committed["try-in-test.yml"].includes("secrets."));
        assert.ok(!committed["try-in-test.yml"].includes("create-github-app-token"));
    });

    it("gates the deploy on environment test (its reviewers) in the deploys' concurrency group", () => {
        const t = jobs.try;
        assert.equal(t.environment, "test");
        assert.deepEqual(t.needs, ["check"]);
        const deploy = wf("deploy.yml").jobs["deploy-test"];
        assert.deepEqual(t.concurrency, deploy.concurrency);
        assert.deepEqual(t.concurrency, { group: "deploy-test", "cancel-in-progress": false });
        assert.equal(jobs.check.if, "github.event_name == 'workflow_dispatch'");
        assert.equal(jobs.report.if, "always() && needs.check.result == 'success'");
        assert.deepEqual(jobs.report.needs, ["check", "try"]);
        assert.equal(
            jobs.return.if,
            "github.event_name == 'workflow_run' && github.event.workflow_run.conclusion == 'success' && " +
                "(github.event.workflow_run.event == 'push' || github.event.workflow_run.event == 'workflow_dispatch') && " +
                "github.event.workflow_run.repository.id == github.repository_id && " +
                "github.event.workflow_run.head_repository.id == github.repository_id && " +
                "github.event.workflow_run.head_branch == 'releases/test'",
        );
    });

    it("records the borrow before any of the pull request's code runs, then deploys exactly the checked head", () => {
        const steps = jobs.try.steps;
        const names = steps.map((s) => s.name);
        const upload = names.indexOf("Upload the borrow record");
        const checkout = names.indexOf("Check out");
        assert.ok(upload >= 0 && upload < checkout, names.join(" | "));
        assert.deepEqual(steps[upload].with, {
            name: "borrowed-test",
            path: "${{ runner.temp }}/borrowed.json",
            "retention-days": 90,
            "if-no-files-found": "error",
        });
        assert.deepEqual(steps[checkout].with, {
            "persist-credentials": false,
            ref: "${{ needs.check.outputs.sha }}",
        });
        // No npm cache in a job holding the deployer (cache entries are written by other runs).
        assert.ok(!steps.some((s) => s.with && "cache" in s.with));
        assert.deepEqual(names.slice(checkout), [
            "Check out",
            "Set up Node.js",
            "Install dependencies",
            "Check the environment belongs to this stack",
            "Authenticate to Google Cloud",
            "Set up gcloud",
            "Install the Pulumi CLI",
            "Refuse replacements and deletions",
            "Deploy the pull request",
        ]);
        // First the approval check (before any code of the pull request is on the runner), then the record.
        assert.deepEqual(names.slice(0, 3), [
            "Refuse an approval by the pull request's author",
            "Write the borrow record",
            "Upload the borrow record",
        ]);
        // No token of any kind reaches the pull request's code.
        for (const s of steps.slice(checkout))
            assert.ok(!Object.keys(s.env ?? {}).some((k) => /TOKEN/.test(k)), s.name);
    });

    it("passes the dispatch's inputs to scripts only through environment variables, checked before use", () => {
        assert.deepEqual(interpolatingScripts(tried), []);
        const inputUses = Object.entries(jobs).flatMap(([id, j]: [string, Job]) =>
            j.steps.flatMap((s) =>
                Object.entries(s.env ?? {})
                    .filter(([, v]) => v.includes("inputs."))
                    .map(([k, v]) => `${id}/${s.name}/${k}=${v}`),
            ),
        );
        assert.deepEqual(inputUses, [
            "check/Check the pull request can be tried/PR=${{ inputs.pr }}",
            "check/Check the pull request can be tried/SHA=${{ inputs.sha }}",
        ]);
        // Later steps and jobs read only the checked outputs.
        assert.deepEqual(jobs.check.outputs, {
            pr: "${{ steps.check.outputs.pr }}",
            sha: "${{ steps.check.outputs.sha }}",
            author: "${{ steps.check.outputs.author }}",
            attempt: "${{ github.run_attempt }}",
        });
        // The checker is live: a script with an interpolated input is found.
        const injected = structuredClone(tried);
        injected.jobs.check.steps.push({ name: "bad", run: "echo ${{ inputs.pr }}" });
        assert.deepEqual(interpolatingScripts(injected), ["check: bad"]);
    });

    it("runs the release branch's own tools (never the pull request's) in the jobs that write", () => {
        for (const id of ["check", "report", "return"]) {
            const checkout = jobs[id].steps.find((s) => s.name === "Check out")!;
            assert.deepEqual(checkout.with, { "persist-credentials": false }, id);
        }
        assert.deepEqual(
            Object.entries(jobs).flatMap(([id, j]) =>
                j.steps.filter((s) => s.run?.includes("tools/try.ts")).map((s) => `${id}: ${s.run}`),
            ),
            [
                "check: npx tsx tools/try.ts check test",
                "check: npx tsx tools/try.ts report test",
                "report: npx tsx tools/try.ts report test",
                "return: npx tsx tools/try.ts return test",
            ],
        );
    });

    it("makes the promote workflow refuse while test is borrowed, before the promotion check", () => {
        const names = wf("promote.yml").jobs["check-prod"].steps.map((s) => s.name);
        const refuse = names.indexOf("Refuse while test is borrowed by a pull request");
        assert.ok(refuse > names.indexOf("Install dependencies"), names.join(" | "));
        assert.ok(refuse < names.indexOf("Promotion check test → prod"), names.join(" | "));
        assert.equal(
            wf("promote.yml").jobs["check-prod"].steps[refuse].run,
            "npx tsx tools/try.ts borrowed test",
        );
    });

    it("the approvals filter, run by the real jq on the shape GitHub documents, keeps approvers of this environment only", function () {
        // GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals answers an array of
        // {state: "approved"|"rejected", comment, environments: [{id, name, ...}], user: {login, ...}}
        // (docs.github.com/en/rest/actions/workflow-runs#get-the-review-history-for-a-workflow-run). gh applies
        // --jq with gojq; the filter uses only jq 1.6 builtins (any/2, env, join), so the system jq can run it.
        const jq = spawnSync("jq", ["--version"], { encoding: "utf8" });
        if (jq.status !== 0) this.skip();
        const approvals = [
            {
                state: "approved",
                comment: "",
                environments: [{ id: 1, name: "test" }],
                user: { login: "bob" },
            },
            {
                state: "rejected",
                comment: "",
                environments: [{ id: 1, name: "test" }],
                user: { login: "alice" },
            },
            {
                state: "approved",
                comment: "",
                environments: [{ id: 2, name: "prod" }],
                user: { login: "carol" },
            },
            {
                state: "approved",
                comment: "",
                environments: [
                    { id: 2, name: "prod" },
                    { id: 1, name: "test" },
                ],
                user: { login: "dave" },
            },
        ];
        const run = (channel: string, body: unknown) =>
            spawnSync("jq", ["-r", APPROVERS_FILTER], {
                input: JSON.stringify(body),
                encoding: "utf8",
                env: { ...process.env, CHANNEL: channel },
            });
        const test = run("test", approvals);
        assert.equal(test.status, 0, test.stderr);
        assert.equal(test.stdout, "bob dave\n");
        assert.equal(run("prod", approvals).stdout, "carol dave\n");
        // AND no approval at all is the empty string the script refuses
        assert.equal(run("test", []).stdout, "\n");
        assert.equal(run("test", [approvals[1]]).stdout, "\n");
    });

    it("refuses an approval by the pull request's author, or no approval, running the rendered script", () => {
        const step = jobs.try.steps[0];
        assert.equal(step.run, APPROVAL_CHECK);
        assert.deepEqual(step.env, {
            GH_TOKEN: "${{ github.token }}",
            CHANNEL: "test",
            PR: "${{ needs.check.outputs.pr }}",
            AUTHOR: "${{ needs.check.outputs.author }}",
            CHECKED_ATTEMPT: "${{ needs.check.outputs.attempt }}",
        });
        // A stand-in gh: answers the approvals call (with exactly this filter) with $FAKE_APPROVERS, as gh's --jq
        // would print the filter's result. The filter itself is run by the real jq in the test above.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "try-approval-"));
        fs.writeFileSync(
            path.join(dir, "gh"),
            '#!/usr/bin/env bash\n[ "$1 $2 $3" = "api repos/o/r/actions/runs/99/approvals --jq" ] && [ "$4" = "$FAKE_FILTER" ] || { echo "unexpected: $*" >&2; exit 3; }\nprintf \'%s\\n\' "$FAKE_APPROVERS"\n',
            { mode: 0o755 },
        );
        const runScript = (approvers: string, attempt = "1") =>
            spawnSync("bash", ["-c", APPROVAL_CHECK], {
                encoding: "utf8",
                env: {
                    PATH: `${dir}:${process.env.PATH}`,
                    GITHUB_REPOSITORY: "o/r",
                    GITHUB_RUN_ID: "99",
                    GITHUB_RUN_ATTEMPT: attempt,
                    CHECKED_ATTEMPT: "1",
                    CHANNEL: "test",
                    PR: "42",
                    AUTHOR: "alice",
                    FAKE_FILTER: APPROVERS_FILTER,
                    FAKE_APPROVERS: approvers,
                },
            });
        try {
            const ok = runScript("bob carol");
            assert.equal(ok.status, 0, ok.stderr);
            assert.equal(ok.stdout.trim(), "approved by bob carol");
            const own = runScript("bob alice");
            assert.equal(own.status, 1);
            assert.equal(
                own.stdout.trim(),
                "::error::alice opened pull request #42 and approved its try: another reviewer of test must approve",
            );
            // "Re-run failed jobs" keeps the check's outputs from attempt 1 without checking again (the pull request may
            // be closed, moved on, or test borrowed by another one since): refused before the approvals are read.
            const rerun = runScript("bob carol", "2");
            assert.equal(rerun.status, 1);
            assert.equal(
                rerun.stdout.trim(),
                "::error::the check ran in attempt 1 and this is attempt 2: re-run all jobs (the check too) or dispatch again, never only the failed ones",
            );
            const none = runScript("");
            assert.equal(none.status, 1);
            assert.equal(
                none.stdout.trim(),
                "::error::no approval of environment test is recorded for this run",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.equal(
            APPROVERS_FILTER,
            '[.[] | select(.state == "approved" and any(.environments[]; .name == env.CHANNEL)) | .user.login] | join(" ")',
        );
    });
});
