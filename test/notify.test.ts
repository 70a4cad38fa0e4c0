import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { deployMessage, failingResources, parseEventLog } from "../tools/notify/message";
import { expectedWorkflows, readChannels } from "../tools/workflows";
import type { Workflow } from "../tools/workflows/render";
import { REPO_ROOT } from "./harness";

const LOG = path.join(REPO_ROOT, "test", "fixtures", "notify", "failed-up.jsonl");
const events = parseEventLog(fs.readFileSync(LOG, "utf8"));
const base = {
    channel: "prod",
    commit: "0123456789abcdef0123456789abcdef01234567",
    runUrl: "https://github.com/transit-data/data-infra/actions/runs/7",
};

describe("deploy notification (issue 19, item 5)", () => {
    it("names the failing resources of a failed deploy from the event log, never a diagnostic's text", () => {
        // GIVEN a log whose last line was cut (a killed run) WHEN read THEN the complete lines count
        assert.equal(events.length, 8);
        assert.deepEqual(failingResources(events), [
            "composer (gcp:composer/environment:Environment)",
            "reports-site (kubernetes:helm.sh/v3:Release)",
        ]);
        const text = deployMessage({ ...base, status: "failure", events });
        assert.equal(
            text,
            "data-infra prod: deploy FAILED 0123456789ab · failing: composer (gcp:composer/environment:Environment), " +
                "reports-site (kubernetes:helm.sh/v3:Release) · run: https://github.com/transit-data/data-infra/actions/runs/7",
        );
        assert.ok(!text.includes("PLANTED-SECRET"));
    });

    it("links Airflow's UI on success, says when a failure touched no resource, and caps the names", () => {
        assert.equal(
            deployMessage({
                ...base,
                status: "success",
                environmentUrl: "https://abc-dot-us-west2.composer.googleusercontent.com",
                events: [],
            }),
            "data-infra prod: deployed 0123456789ab · Airflow: https://abc-dot-us-west2.composer.googleusercontent.com · run: https://github.com/transit-data/data-infra/actions/runs/7",
        );
        assert.match(
            deployMessage({ ...base, status: "failure", events: [] }),
            /failed before any resource operation \(see the run\)/,
        );
        assert.match(
            deployMessage({ ...base, status: "cancelled", events: [] }),
            /^data-infra prod: deploy cancelled /,
        );
        const many = Array.from({ length: 8 }, (_, i) => ({
            resOpFailedEvent: { metadata: { urn: `u::p::t::r${i}` } },
        }));
        assert.match(
            deployMessage({ ...base, status: "failure", events: many }),
            /r4 \(t\) and 3 more · run:/,
        );
        assert.deepEqual(
            failingResources([
                { diagnosticEvent: { urn: "u::p::t::https://a:PLANTED@h", severity: "error" } },
            ]),
            ["https://***:***@h (t)"],
        );
    });

    it("posts {text} to the webhook of the environment secret, and never fails the job", async () => {
        const got: string[] = [];
        const server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (d) => (body += d));
            req.on("end", () => {
                got.push(`${req.method} ${req.headers["content-type"]} ${body}`);
                res.statusCode = 500;
                res.end();
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
        const port = (server.address() as { port: number }).port;
        const summary = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "notify-")), "summary.md");
        const env = {
            ...process.env,
            ...base,
            CHANNEL: "prod",
            COMMIT: base.commit,
            RUN_URL: base.runUrl,
            JOB_STATUS: "failure",
            GITHUB_STEP_SUMMARY: summary,
            DEPLOY_WEBHOOK_URL: `http://127.0.0.1:${port}/hook/SECRET-PATH`,
        };
        const child = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
            const p = spawn(process.execPath, ["--import", "tsx", "tools/notify.ts", LOG], {
                cwd: REPO_ROOT,
                env,
            });
            let stdout = "";
            p.stdout.on("data", (d: Buffer) => (stdout += d));
            p.on("close", (status: number | null) => resolve({ status, stdout }));
        });
        server.close();
        assert.equal(child.status, 0, "an unreachable or failing webhook is a warning");
        assert.match(child.stdout, /::warning::the deploy webhook answered HTTP 500/);
        assert.ok(!child.stdout.includes("SECRET-PATH"), "the webhook URL is never printed");
        assert.equal(got.length, 1);
        assert.match(
            got[0],
            /^POST application\/json \{"text":"data-infra prod: deploy FAILED 0123456789ab · failing: composer/,
        );
        assert.match(fs.readFileSync(summary, "utf8"), /^data-infra prod: deploy FAILED/);
        // AND without the secret nothing is posted
        const quiet = spawnSync(process.execPath, ["--import", "tsx", "tools/notify.ts", LOG], {
            cwd: REPO_ROOT,
            env: { ...env, DEPLOY_WEBHOOK_URL: "", GITHUB_STEP_SUMMARY: "" },
            encoding: "utf8",
        });
        assert.equal(quiet.status, 0);
        assert.equal(got.length, 1);
    });
});

describe("deploy.yml deployments and notifications", () => {
    const w = parse(expectedWorkflows()["deploy.yml"]) as Workflow;
    it("records a deployment per run (the job's environment) with Airflow's URL, logs engine events, and always notifies", () => {
        for (const c of readChannels().map((x) => x.name)) {
            const job = w.jobs[`deploy-${c}`];
            // GitHub creates the deployment and its in_progress/success/failure statuses for a job with an
            // environment; `url` becomes the deployment status's environment_url.
            assert.deepEqual(job.environment, { name: c, url: "${{ steps.outputs.outputs.url }}" });
            const up = job.steps.find((s) => s.id === "up")!;
            assert.match(
                up.run!,
                new RegExp(`pulumi up --stack ${c} --yes .*--event-log "\\$RUNNER_TEMP/events\\.jsonl"`),
            );
            const read = job.steps.find((s) => s.id === "outputs")!;
            assert.match(read.run!, new RegExp(`pulumi stack output --stack ${c} airflowUri`));
            const notify = job.steps.at(-1)!;
            assert.equal(notify.if, "always()");
            assert.equal(notify.env?.DEPLOY_WEBHOOK_URL, "${{ secrets.DEPLOY_WEBHOOK_URL }}");
            assert.equal(notify.env?.JOB_STATUS, "${{ job.status }}");
            assert.equal(notify.run, 'npx tsx tools/notify.ts "$RUNNER_TEMP/events.jsonl"');
        }
    });
});
