import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { checkNames, environmentVariables } from "../../components/github/naming";
import {
    pulumiVersionFromLock,
    renderWorkflows,
    validateChannels,
    type ChannelSpec,
    type Job,
    type Workflow,
} from "../../tools/workflows/render";
import { protectionRules } from "../../components/github/governance";
import { expectedWorkflows, readChannels, staleWorkflows, WORKFLOW_DIR } from "../../tools/workflows";
import { REPO_ROOT } from "../harness";
import { COMPOSER_OPERATION_MINUTES } from "../../components/airflow/environment";

type WorkflowParser = typeof import("@actions/workflow-parser");
// The parser ships as an ES module only: tsc (commonjs) would turn import() into require(), which it refuses. It
// imports its JSON schema without `with {type: "json"}` (written for bundlers), so a loader hook adds the attribute.
const importEsm = new Function("specifier", "return import(specifier)") as (
    s: string,
) => Promise<WorkflowParser>;
const JSON_HOOK = `export async function load(url, context, next) {
    if (!url.endsWith(".json")) return next(url, context);
    return next(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });
}`;
function loadWorkflowParser(): Promise<WorkflowParser> {
    (require("node:module") as { register(url: string): void }).register(
        `data:text/javascript,${encodeURIComponent(JSON_HOOK)}`,
    );
    return importEsm("@actions/workflow-parser");
}

const committed = expectedWorkflows();
const wf = (file: string): Workflow => parse(committed[file]) as Workflow;
const jobsOf = (file: string): [string, Job][] => Object.entries(wf(file).jobs);
// The channel list comes from the stack files, so adding a channel (npm run new-channel) breaks no test here.
const channels = readChannels();
const names = channels.map((c) => c.name);
const releaseBranches = names.map((c) => `releases/${c}`);
const perChannel = (prefix: string, permissions: Record<string, string>) =>
    Object.fromEntries(names.map((c) => [`${prefix}-${c}`, permissions]));
const lockVersion = pulumiVersionFromLock(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8"));

describe("workflows", () => {
    it("renders exactly the committed .github/workflows files", () => {
        // GIVEN the channel list and lock file WHEN the workflows are rendered THEN nothing differs on disk
        assert.deepEqual(staleWorkflows(committed), [], "run: npm run workflows");
        assert.deepEqual(Object.keys(committed).sort(), fs.readdirSync(WORKFLOW_DIR).sort());
    });

    it("renders the same text twice (deterministic)", () => {
        assert.deepEqual(expectedWorkflows(), committed);
    });

    it("creates files GitHub's own parser accepts without errors", async () => {
        const { parseWorkflow, NoOperationTraceWriter, convertWorkflowTemplate } = await loadWorkflowParser();
        for (const [name, content] of Object.entries(committed)) {
            const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
            assert.deepEqual(
                result.context.errors.getErrors().map((e) => e.message),
                [],
                name,
            );
            const template = await convertWorkflowTemplate(result.context, result.value!);
            assert.deepEqual(template.errors ?? [], [], name);
            assert.equal(template.jobs.length, Object.keys(wf(name).jobs).length, name);
        }
        // The parser is live: a permission GitHub does not know is an error.
        const broken =
            "on: push\njobs:\n  a:\n    runs-on: x\n    permissions: {bogus: write}\n    steps: [{run: x}]\n";
        const result = parseWorkflow({ name: "broken.yml", content: broken }, new NoOperationTraceWriter());
        assert.match(result.context.errors.getErrors()[0].message, /Unexpected value 'bogus'/);
    });

    it("creates one preview and one deploy job per channel of the stack files", () => {
        assert.deepEqual(
            names,
            fs
                .readdirSync(REPO_ROOT)
                .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
                .filter((s) => s !== undefined)
                .sort(),
        );
        assert.ok(names.includes("prod") && names.includes("test"));
        assert.deepEqual(
            jobsOf("preview.yml").map(([id, j]) => [id, j.name, j.if]),
            // No job-level condition: a skipped job would report success to the required check.
            names.map((c) => [`preview-${c}`, `preview (${c})`, undefined]),
        );
        assert.deepEqual(
            jobsOf("deploy.yml").map(([id, j]) => [id, j.if, j.environment]),
            // The environment's url is the Airflow UI the deploy step read (GitHub shows it on the deployment).
            names.map((c) => [
                `deploy-${c}`,
                `github.ref == 'refs/heads/releases/${c}'`,
                { name: c, url: "${{ steps.outputs.outputs.url }}" },
            ]),
        );
    });

    it("creates triggers: test on all PRs and main, preview on PRs to release branches, deploy on their pushes", () => {
        const types = ["opened", "synchronize", "reopened", "edited"];
        assert.deepEqual(wf("test.yml").on, { pull_request: { types }, push: { branches: ["main"] } });
        assert.deepEqual(wf("preview.yml").on, {
            pull_request: { types, branches: releaseBranches },
        });
        assert.deepEqual(wf("release-gate.yml").on, {
            pull_request_target: { types, branches: releaseBranches },
        });
        assert.deepEqual(wf("deploy.yml").on, {
            push: { branches: releaseBranches },
            // A manual run may let the deploy guard pass a replace or delete of a guarded resource.
            workflow_dispatch: {
                inputs: {
                    allow_destroy: {
                        description: "Deploy even if providers or stateful resources are replaced or deleted",
                        type: "boolean",
                        default: false,
                    },
                },
            },
        });
        // The shipped chain: test builds from main, prod is promoted from test.
        const upstreams = [...new Set(channels.map((c) => c.promotedFrom).filter((f) => f !== "main"))];
        assert.ok(upstreams.includes("test"));
        assert.deepEqual(wf("promote.yml").on, {
            push: { branches: ["main"] },
            workflow_run: {
                workflows: ["deploy"],
                types: ["completed"],
                branches: upstreams.map((u) => `releases/${u}`),
            },
            workflow_dispatch: {},
        });
        assert.deepEqual(wf("plan-pr.yml").on, { pull_request: { types } });
        assert.deepEqual(wf("plan-comment.yml").on, {
            workflow_run: { workflows: ["plan-pr"], types: ["completed"] },
        });
    });

    it("creates least-privilege permissions per job and none at workflow level", () => {
        const expected: Record<string, Record<string, Record<string, string>>> = {
            "test.yml": { test: { contents: "read" } },
            "preview.yml": perChannel("preview", {
                contents: "read",
                "pull-requests": "write",
                "id-token": "write",
            }),
            // A promoted channel's guard reads the upstream's deploy runs and their records (actions: read).
            "deploy.yml": Object.fromEntries(
                channels.map((c) => [
                    `deploy-${c.name}`,
                    {
                        ...(c.promotedFrom === "main" ? {} : { actions: "read" }),
                        contents: "read",
                        "id-token": "write",
                        // The Airflow health gate's status, on channels others are promoted from.
                        ...(channels.some((d) => d.promotedFrom === c.name) ? { statuses: "write" } : {}),
                    } as Record<string, string>,
                ]),
            ),
            "promote.yml": Object.fromEntries(
                channels.flatMap((c) => [
                    ...(c.promotedFrom === "main"
                        ? []
                        : [[`check-${c.name}`, { actions: "read", contents: "read" }]]),
                    [`promote-${c.name}`, { contents: "read" }],
                ]),
            ),
            "plan-pr.yml": perChannel("plan", { contents: "read" }),
            "release-gate.yml": perChannel("gate", {}),
            "plan-comment.yml": { comment: { actions: "read", "pull-requests": "write" } },
        };
        for (const [file, jobs] of Object.entries(expected)) {
            assert.deepEqual(wf(file).permissions, {}, file);
            assert.deepEqual(
                Object.fromEntries(jobsOf(file).map(([id, j]) => [id, j.permissions])),
                jobs,
                file,
            );
        }
    });

    it("creates deploy concurrency per channel that never cancels a running deploy", () => {
        for (const [id, job] of jobsOf("deploy.yml")) {
            const channel = id.replace("deploy-", "");
            assert.deepEqual(job.concurrency, { group: `deploy-${channel}`, "cancel-in-progress": false });
            // One Composer operation (customTimeouts, PyPI install included) plus an hour for what follows it, and
            // within GitHub's 360-minute cap for hosted runners.
            assert.equal(job["timeout-minutes"], 240, "clear headroom over Composer's longest operation");
            assert.ok(
                job["timeout-minutes"] >= COMPOSER_OPERATION_MINUTES + 60 && job["timeout-minutes"] <= 360,
            );
        }
        for (const [id, job] of jobsOf("preview.yml")) {
            assert.deepEqual(job.concurrency, {
                group: `${id}-\${{ github.event.pull_request.number }}`,
                "cancel-in-progress": false,
            });
        }
    });

    it("fails the release gate unless the pull request is the promotion from this repository's upstream", () => {
        // main for a channel promoted from main; else promote/<channel>, the promote workflow's commit on the
        // upstream's tested commit
        const upstream = Object.fromEntries(
            channels.map((c) => [`gate-${c.name}`, c.promotedFrom === "main" ? "main" : `promote/${c.name}`]),
        );
        assert.equal(upstream["gate-test"], "main");
        assert.equal(upstream["gate-prod"], "promote/prod");
        for (const [id, job] of jobsOf("release-gate.yml")) {
            const channel = id.replace("gate-", "");
            // THEN the job fails first when the pull request targets another release branch
            assert.deepEqual(job.steps[0].env, {
                BASE_REF: "${{ github.base_ref }}",
                CHANNEL_BRANCH: `releases/${channel}`,
            });
            // AND then compares head branch and head repository id, from the event only
            const check = job.steps[1];
            assert.equal(check.name, `Check the pull request comes from ${upstream[id]} of this repository`);
            assert.deepEqual(check.env, {
                HEAD_REF: "${{ github.head_ref }}",
                HEAD_REPO_ID: "${{ github.event.pull_request.head.repo.id }}",
                REPO_ID: "${{ github.repository_id }}",
                EXPECTED_HEAD: upstream[id],
            });
            assert.match(
                String(check.run),
                /"\$HEAD_REF" != "\$EXPECTED_HEAD" \] \|\| \[ "\$HEAD_REPO_ID" != "\$REPO_ID"/,
            );
            assert.match(String(check.run), /exit 1/);
        }
    });

    it("runs the deploy guard on the stack's preview between the CLI install and pulumi up", () => {
        for (const [id, job] of jobsOf("deploy.yml")) {
            const channel = id.split("-")[1];
            const names = job.steps.map((s) => s.name);
            const guard = names.indexOf("Refuse unintended replacements and deletions");
            assert.ok(names.indexOf("Install the Pulumi CLI") < guard && guard < names.indexOf("Deploy"), id);
            const step = job.steps[guard];
            assert.ok(
                step.run!.includes(
                    `pulumi preview --stack ${channel} --json > "$RUNNER_TEMP/preview.json" && npx tsx tools/deploy-guard.ts "$RUNNER_TEMP/preview.json"`,
                ),
                step.run,
            );
            assert.equal(step.env?.DATA_INFRA_ALLOW_DESTROY, "${{ inputs.allow_destroy }}");
        }
    });

    it("creates jobs that all have a timeout", () => {
        for (const file of Object.keys(committed)) {
            for (const [id, job] of jobsOf(file)) assert.ok(job["timeout-minutes"] > 0, `${file} ${id}`);
        }
    });

    it("derives the stack from github.base_ref on PRs and the full github.ref on push, never GITHUB_REF", () => {
        for (const [id, job] of [...jobsOf("preview.yml"), ...jobsOf("deploy.yml")]) {
            const channel = id.split("-")[1];
            if (id.startsWith("preview")) {
                const pulumi = job.steps.find(
                    (s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command,
                )!;
                assert.equal(pulumi.with?.["stack-name"], channel);
                assert.equal(job.steps[0].env?.BASE_REF, "${{ github.base_ref }}");
            } else {
                // The deploy runs the CLI (for its event log) on the stack named after the job's full ref
                assert.match(
                    job.steps.find((s) => s.id === "up")!.run!,
                    new RegExp(`pulumi up --stack ${channel} `),
                );
                assert.equal(job.if, `github.ref == 'refs/heads/releases/${channel}'`);
            }
        }
        for (const text of Object.values(committed)) {
            assert.doesNotMatch(text, /GITHUB_REF\b/);
            assert.doesNotMatch(text, /github\.ref_name/, "a tag named like the branch would match");
        }
    });

    it("creates previews that comment once per stack with the summary kept", () => {
        for (const [, job] of jobsOf("preview.yml")) {
            const step = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
            assert.equal(step.with?.command, "preview");
            assert.equal(step.with?.diff, true);
            assert.equal(step.with?.["comment-on-pr"], true);
            assert.equal(step.with?.["always-include-summary"], true);
            assert.equal(
                step.with?.["edit-pr-comment"],
                undefined,
                "default true: one sticky comment per stack",
            );
        }
    });

    it("pins the Pulumi CLI to the SDK version in package-lock.json and actions to a commit", () => {
        assert.match(lockVersion, /^3\.\d+\.\d+$/);
        for (const [file, text] of Object.entries(committed)) {
            for (const w of parse(text).jobs ? Object.values(wf(file).jobs) : []) {
                for (const step of w.steps) {
                    if (step.uses) assert.match(step.uses, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, step.uses);
                    if (step.uses?.startsWith("pulumi/actions@"))
                        assert.equal(step.with?.["pulumi-version"], lockVersion);
                }
            }
        }
    });

    it("creates deploy jobs that read the variables the governance component sets", () => {
        for (const [, job] of jobsOf("deploy.yml")) {
            const text = JSON.stringify(job);
            for (const name of Object.values(environmentVariables))
                assert.ok(text.includes(`vars.${name}`), name);
            assert.doesNotMatch(text, /credentials_json|GOOGLE_CREDENTIALS/, "no long-lived keys");
        }
    });

    it("never runs pull request code with secrets or write tokens", () => {
        for (const [file, text] of Object.entries(committed)) {
            const w = wf(file);
            if ("pull_request_target" in w.on) {
                // The gate runs the base branch's definition: it checks out nothing, runs no action, reads no
                // secret and has a token without any permission.
                assert.equal(file, "release-gate.yml");
                assert.doesNotMatch(text, /secrets\.|uses:/, file);
                for (const [, job] of jobsOf(file)) assert.deepEqual(job.permissions, {});
                continue;
            }
            if (!("pull_request" in w.on)) continue;
            assert.doesNotMatch(text, /secrets\./, `${file} runs PR code: no secrets`);
            // A job that runs only on push (its `if`, or a job it needs, requires it: a skipped need skips it) never
            // runs for a pull request: build-<package>.yml's publish job.
            const pushOnly = (id: string): boolean =>
                (w.jobs[id].if ?? "").includes("github.event_name == 'push'") ||
                (w.jobs[id].needs ?? []).some(pushOnly);
            for (const [id, job] of jobsOf(file)) {
                if (pushOnly(id)) continue;
                const writes = Object.entries(job.permissions).filter(([, v]) => v === "write");
                const allowed = file === "preview.yml" ? ["pull-requests", "id-token"] : [];
                assert.deepEqual(
                    writes.map(([k]) => k).filter((k) => !allowed.includes(k)),
                    [],
                    `${file} ${id}`,
                );
            }
        }
        // The commenter has a write token, so it must not check out (or run) anything from the pull request.
        const steps = wf("plan-comment.yml").jobs.comment.steps;
        assert.deepEqual(
            steps.map((s) => [s.uses?.split("@")[0], s.run]),
            [
                ["actions/download-artifact", undefined],
                ["actions/github-script", undefined],
            ],
        );
    });

    it("creates one plan (<channel>) job per channel that writes its marked markdown file", () => {
        for (const c of names) {
            const job = wf("plan-pr.yml").jobs[`plan-${c}`];
            assert.equal(job.name, `plan (${c})`);
            assert.equal(job.if, undefined, "always runs");
            // It applies to its release branch and to non-release branches (main), and fails on another channel's.
            assert.match(String(job.steps[0].run), /releases\/\*\) echo "::error::[^"]*"; exit 1/);
            assert.deepEqual(job.steps[0].env, {
                BASE_REF: "${{ github.base_ref }}",
                CHANNEL_BRANCH: `releases/${c}`,
            });
            const steps = job.steps;
            const plan = steps.find((s) => s.name === `Plan ${c}`)!;
            assert.equal(
                plan.run,
                `npm run --silent plan -- --stack ${c} --base "$BASE_SHA" --format markdown > plan-${c}.md`,
            );
            assert.equal(plan.env?.BASE_SHA, "${{ github.event.pull_request.base.sha }}");
            // A failed plan (a mandatory policy violation) still gets its comment; a cancelled run does not.
            assert.equal(
                steps.find((s) => s.name === "Record the pull request number")?.if,
                "success() || failure()",
            );
            const upload = steps.find((s) => s.name === "Upload the plan")!;
            assert.equal(upload.if, "(success() || failure()) && steps.plan.conclusion != 'skipped'");
            assert.equal(upload.with?.name, `plan-markdown-${c}`);
        }
        const script = String(wf("plan-comment.yml").jobs.comment.steps[1].with?.script);
        assert.ok(script.includes('"test":"<!-- data-infra-plan:test -->"'));
        assert.ok(script.includes("pr.head.sha !== run.head_sha"), "the artifact's PR number is checked");
        // A failed plan run still gets its comments; one crashed channel does not stop the others.
        assert.match(String(wf("plan-comment.yml").jobs.comment.if), /conclusion == 'failure'/);
        assert.ok(
            script.includes("core.warning(`${file} does not start with ${marker}: not commenting it`);"),
        );
        assert.ok(
            !script.includes("throw new Error(`${file}"),
            "a bad file does not abort the other channels",
        );
    });

    it("creates promotion jobs along promotedFrom; the check runs repository code in a job without the App token", () => {
        const jobs = wf("promote.yml").jobs;
        const env = (j: Job) => j.steps.find((s) => s.name.startsWith("Open or update"))!.env!;
        assert.deepEqual(
            [env(jobs["promote-test"]).HEAD, env(jobs["promote-test"]).BASE],
            ["main", "releases/test"],
        );
        // prod's pull request comes from the promotion commit, not the moving releases/test
        assert.deepEqual(
            [env(jobs["promote-prod"]).HEAD, env(jobs["promote-prod"]).BASE],
            ["promote/prod", "releases/prod"],
        );
        assert.equal(env(jobs["promote-prod"]).GH_TOKEN, "${{ steps.app-token.outputs.token }}");
        // The promote App's key is a secret of promote-<channel> only
        assert.equal(jobs["promote-prod"].environment, "promote-prod");
        assert.equal(jobs["promote-test"].environment, "promote-test");
        // The check job runs npm ci and the plan, and never sees the App's key
        const check = jobs["check-prod"];
        assert.ok(!JSON.stringify(check).includes("secrets."), "no secret in the check job");
        assert.deepEqual(
            check.steps.map((s) => s.name),
            [
                "Find the test deploy to promote",
                "Check out",
                "Set up Node.js",
                "Install dependencies",
                "Download what test ran",
                // Issue 19: refused while a pull request's try has borrowed test.
                "Refuse while test is borrowed by a pull request",
                "Promotion check test → prod",
                "Pin the digests test ran in Pulumi.prod.yaml",
                "Upload the promotion",
            ],
        );
        // AND it checks out exactly the commit test's deploy ran, and takes that run's record
        assert.equal(check.steps[1].with?.ref, "${{ steps.tested.outputs.sha }}");
        assert.deepEqual(check.steps[4].with, {
            name: "tested-test",
            path: "${{ runner.temp }}",
            "run-id": "${{ steps.tested.outputs.run-id }}",
            "github-token": "${{ github.token }}",
        });
        assert.equal(check.steps[0].env?.RUN_ID, "${{ github.event.workflow_run.id }}");
        assert.equal(check.steps[0].env?.SHA, "${{ github.event.workflow_run.head_sha }}");
        assert.match(check.steps[0].run!, /\^\[0-9a-f\]\{40\}\$/);
        assert.equal(
            check.steps.find((s) => s.name.startsWith("Promotion check"))!.run,
            'set +e\nnpm run --silent plan -- --promotion test prod > promotion.md\ncode=$?\necho "code=$code" >> "$GITHUB_OUTPUT"\n[ "$code" = 0 ] || [ "$code" = 5 ]',
        );
        assert.equal(
            check.steps.find((s) => s.name.startsWith("Pin the digests"))!.run,
            'npx tsx tools/promote.ts pin prod "$RUNNER_TEMP/tested.json" "$TESTED"\nmkdir -p promotion-out\ncp promotion.md Pulumi.prod.yaml promotion-out/',
        );
        // AND the promote job runs no repository code: no checkout, no npm
        const promote = jobs["promote-prod"];
        assert.deepEqual(promote.needs, ["check-prod"]);
        assert.ok(
            !promote.steps.some((s) => s.uses?.startsWith("actions/checkout") || s.run?.includes("npm ")),
        );
        // AND its token may write the promotion commit, the pull request and the commit status, nothing else
        const token = promote.steps.find((s) => s.name === "Create promote App token")!;
        assert.equal(token.with?.["private-key"], "${{ secrets.DATA_INFRA_PROMOTE_APP_PRIVATE_KEY }}");
        assert.deepEqual(
            Object.fromEntries(Object.entries(token.with ?? {}).filter(([k]) => k.startsWith("permission-"))),
            {
                "permission-contents": "write",
                "permission-pull-requests": "write",
                "permission-statuses": "write",
            },
        );
        // AND the test channel's token (from main) only opens pull requests
        const testToken = jobs["promote-test"].steps.find((s) => s.name === "Create promote App token")!;
        assert.deepEqual(
            Object.fromEntries(
                Object.entries(testToken.with ?? {}).filter(([k]) => k.startsWith("permission-")),
            ),
            { "permission-contents": "read", "permission-pull-requests": "write" },
        );
        // AND the promotion commit is the tested commit's tree plus the pinned file, on top of releases/prod
        const write = promote.steps.find((s) => s.name === "Write the promotion commit to promote/prod")!;
        assert.deepEqual(write.env, {
            GH_TOKEN: "${{ steps.app-token.outputs.token }}",
            GH_REPO: "${{ github.repository }}",
            BASE: "releases/prod",
            BRANCH: "promote/prod",
            TESTED: "${{ needs.check-prod.outputs.sha }}",
            UPSTREAM: "test",
            CHANNEL: "prod",
            FILE: "Pulumi.prod.yaml",
            FILE_DIR: "promotion-out",
        });
        assert.match(write.run!, /base_tree: \$base, tree: \[\{path: \$path, mode: "100644"/);
        assert.match(write.run!, /parents: \[\$base, \$tested\]/);
        // AND it reports promotion (prod) on that commit, failing it on untested artifacts
        const status = promote.steps.find(
            (s) => s.name === "Report promotion (prod) on the promotion commit",
        )!;
        assert.equal(status.env?.CONTEXT, "promotion (prod)");
        assert.equal(status.env?.COMMIT, "${{ steps.commit.outputs.commit }}");
        assert.match(status.run!, /if \[ "\$CODE" = 0 \]; then state=success; else state=failure; fi/);
        // AND untested artifacts still update the pull request, then fail the run
        const names = promote.steps.map((s) => s.name);
        assert.ok(names.indexOf("Fail on untested artifacts") > names.indexOf("Create promote App token"));
        assert.equal(
            promote.steps.find((s) => s.name === "Fail on untested artifacts")!.if,
            "needs.check-prod.outputs.code == '5'",
        );
    });

    it("gates a promotion on Airflow's health: test's deploy snapshots DAGs before up and posts airflow-health after; promote copies it", () => {
        const deploy = jobsOf("deploy.yml").find(([id]) => id === "deploy-test")![1];
        const names = deploy.steps.map((s) => s.name);
        const snapshot = names.indexOf("Snapshot Airflow's active DAGs");
        const up = names.indexOf("Deploy");
        const report = names.indexOf("Report airflow-health (test) on the deployed commit");
        assert.ok(snapshot >= 0 && up > snapshot && report > up, names.join("\n"));
        const step = deploy.steps[report];
        assert.equal(step.env?.CONTEXT, "airflow-health (test)");
        assert.match(
            step.run!,
            /tools\/airflow-health\.ts check --url "\$AIRFLOW_URI" --channel "\$CHANNEL"/,
        );
        assert.match(step.run!, /echo "::add-mask::\$AIRFLOW_ACCESS_TOKEN"/);
        assert.match(step.run!, /gh api "repos\/\$GH_REPO\/statuses\/\$GITHUB_SHA" --input -/);
        assert.ok(!/\$\{\{/.test(step.run!), "no expression inside the script");
        // prod is promoted from nobody: no health steps there
        const prodDeploy = jobsOf("deploy.yml").find(([id]) => id === "deploy-prod")![1];
        assert.ok(!prodDeploy.steps.some((s) => /airflow/i.test(s.name)));
        const promote = jobsOf("promote.yml").find(([id]) => id === "promote-prod")![1];
        const copy = promote.steps.find(
            (s) => s.name === "Report airflow-health (test) on the promotion commit",
        )!;
        assert.equal(copy.env?.CONTEXT, "airflow-health (test)");
        assert.equal(copy.env?.TESTED, "${{ needs.check-prod.outputs.sha }}");
        assert.match(copy.run!, /commits\/\$TESTED\/statuses/);
        assert.match(
            copy.run!,
            /--jq '\[\.\[\] \| select\(\.context == env\.CONTEXT\)\]\[0\] \/\/ \{state: "error"/,
            "a missing status is an error, never a pass",
        );
    });

    it("records what an upstream channel's deploy ran, and guards a promoted channel's deploy before any credential", () => {
        const jobs = wf("deploy.yml").jobs;
        const upstreams = new Set(channels.map((c) => c.promotedFrom));
        for (const c of channels) {
            const job = jobs[`deploy-${c.name}`];
            const names = job.steps.map((s) => s.name);
            const record = names.indexOf("Record what this deploy ran");
            if (upstreams.has(c.name)) {
                // THEN after pulumi up it uploads {commit, channel, images} as tested-<channel>
                assert.equal(record, names.indexOf("Read the environment URL") + 1, c.name);
                assert.match(job.steps[record].run!, /--arg commit "\$GITHUB_SHA"/);
                assert.match(job.steps[record].run!, /images: \(\.images \/\/ \{\}\)/);
                assert.equal(job.steps[record + 1].with?.name, `tested-${c.name}`);
            } else {
                assert.equal(record, -1, c.name);
            }
            const guard = names.indexOf(`Refuse anything ${c.promotedFrom} did not deploy`);
            if (c.promotedFrom === "main") {
                assert.equal(guard, -1, c.name);
                continue;
            }
            // THEN a promoted channel runs the promotion guard right after npm ci, before Google or App credentials
            assert.equal(guard, names.indexOf("Install dependencies") + 1, c.name);
            assert.ok(guard < names.indexOf("Authenticate to Google Cloud"), c.name);
            assert.equal(
                job.steps[guard].run,
                `npx tsx tools/deploy-guard.ts promotion ${c.name} ${c.promotedFrom}`,
            );
            assert.deepEqual(job.steps[guard].env, { GH_TOKEN: "${{ github.token }}" });
            assert.equal(job.steps[0].with?.["fetch-depth"], 0);
        }
        assert.ok(jobs["deploy-test"].steps.some((s) => s.name === "Record what this deploy ran"));
        assert.ok(jobs["deploy-prod"].steps.some((s) => s.name === "Refuse anything test did not deploy"));
    });

    it("requires in branch protection exactly the check names the workflows report", () => {
        // Job names, and the commit statuses a step posts (its CONTEXT)
        const reported = new Set(
            Object.keys(committed).flatMap((f) =>
                jobsOf(f).flatMap(([, j]) => [
                    j.name,
                    ...j.steps.flatMap((s) => (s.env?.CONTEXT ? [s.env.CONTEXT] : [])),
                ]),
            ),
        );
        for (const c of readChannels()) {
            const rules = protectionRules({
                repository: "r",
                channel: c.name,
                manageDefaultBranch: c.managesDefaultBranch,
                releaseManagers: ["org/team"],
                promotedFrom: c.promotedFrom,
            });
            for (const r of rules)
                for (const check of r.requiredChecks) assert.ok(reported.has(check), check);
        }
        assert.ok(reported.has(checkNames.test) && reported.has(checkNames.preview("prod")));
        assert.ok(reported.has(checkNames.gate("prod")) && reported.has(checkNames.promotion("prod")));
    });

    it("lists a stale file and a leftover generated file in --check", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflows-"));
        for (const [f, t] of Object.entries(committed)) fs.writeFileSync(path.join(dir, f), t);
        fs.appendFileSync(path.join(dir, "deploy.yml"), "# edited\n");
        fs.writeFileSync(path.join(dir, "old.yml"), "# Generated by `npm run workflows`\n");
        fs.writeFileSync(path.join(dir, "hand-written.yml"), "on: push\n");
        assert.deepEqual(staleWorkflows(committed, dir), ["deploy.yml", "old.yml"]);
        fs.rmSync(dir, { recursive: true });
    });
});

describe("validateChannels", () => {
    const ch = (name: string, promotedFrom = "main", managesDefaultBranch = false): ChannelSpec => ({
        name,
        promotedFrom,
        managesDefaultBranch,
    });
    const cases: [string, ChannelSpec[], RegExp][] = [
        [
            "an unknown upstream",
            [ch("test", "main", true), ch("prod", "staging")],
            /must be "main" or another/,
        ],
        ["a promotion cycle", [ch("a", "b", true), ch("b", "a")], /cycle/],
        ["no owner of main", [ch("test"), ch("prod", "test")], /exactly one stack must own/],
        [
            "two owners of main",
            [ch("test", "main", true), ch("prod", "test", true)],
            /exactly one stack must own/,
        ],
        ["a name a branch cannot carry", [ch("Prod", "main", true)], /lowercase/],
    ];
    for (const [what, channels, message] of cases) {
        it(`fails when the list has ${what}`, () => {
            const problems = validateChannels(channels)
                .list.map((p) => p.what)
                .join("\n");
            assert.match(problems, message);
            assert.throws(() => renderWorkflows({ channels, pulumiVersion: "3.0.0" }), message);
        });
    }

    it("accepts the shipped channel list (main owned by exactly one stack across Pulumi.*.yaml)", () => {
        const channels = readChannels();
        assert.deepEqual(validateChannels(channels).list, []);
        assert.deepEqual(
            channels.filter((c) => c.managesDefaultBranch).map((c) => c.name),
            ["prod"],
        );
    });
});

describe("pulumiVersionFromLock", () => {
    it("fails when the lock has no exact @pulumi/pulumi version", () => {
        assert.throws(() => pulumiVersionFromLock('{"packages":{}}'), /no exact version of @pulumi\/pulumi/);
        assert.equal(
            pulumiVersionFromLock('{"packages":{"node_modules/@pulumi/pulumi":{"version":"3.1.2"}}}'),
            "3.1.2",
        );
    });
});

describe("npm run workflows", () => {
    it("exits 0 with --check on the committed tree and 2 on an unknown option", () => {
        const run = (...args: string[]) =>
            spawnSync(process.execPath, [require.resolve("tsx/cli"), "tools/workflows.ts", ...args], {
                cwd: REPO_ROOT,
                encoding: "utf8",
            });
        assert.equal(run("--check").status, 0);
        const bad = run("--bogus");
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /Unknown option '--bogus'/);
    });
});
