/**
 * The rendered health-gate steps of deploy.yml, run as GitHub would run them (bash, the step's env), with `pulumi`,
 * `gcloud` and `gh` replaced by stubs on PATH and Airflow by a real HTTP server answering the documented shapes:
 * the scripts themselves are under test, not our picture of them.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { REPO_ROOT } from "../harness";

interface Step {
    name: string;
    run?: string;
    env?: Record<string, string>;
}

function deployStep(name: string): Step {
    const wf = parse(fs.readFileSync(path.join(REPO_ROOT, ".github/workflows/deploy.yml"), "utf8")) as {
        jobs: Record<string, { steps: Step[] }>;
    };
    const step = wf.jobs["deploy-test"].steps.find((s) => s.name === name);
    assert.ok(step?.run, `deploy-test has a step "${name}"`);
    return step;
}

const TOKEN = "ya29.stub-token";

describe("deploy.yml: the Airflow health gate's steps, run by bash", () => {
    let server: http.Server;
    let url: string;
    let dags: Array<{ dag_id: string; is_active: boolean }>;
    let tmp: string;
    before(async () => {
        dags = [
            { dag_id: "keep", is_active: true },
            { dag_id: "lost", is_active: true },
        ];
        server = http.createServer((req, res) => {
            const u = new URL(req.url!, "http://x");
            const send = (body: unknown) => {
                res.writeHead(req.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401, {
                    "Content-Type": "application/json",
                });
                res.end(JSON.stringify(body));
            };
            if (u.pathname === "/api/v1/health")
                return send({ metadatabase: { status: "healthy" }, scheduler: { status: "healthy" } });
            if (u.pathname === "/api/v1/importErrors") return send({ import_errors: [], total_entries: 0 });
            const active = dags.filter((d) => d.is_active);
            return send({ dags: active, total_entries: active.length });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "health-steps-"));
        const bin = path.join(tmp, "bin");
        fs.mkdirSync(bin);
        const stub = (name: string, body: string) =>
            fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
        // pulumi: `login` succeeds, `stack output airflowUri` prints the fake's URL.
        stub("pulumi", `[ "$1" = stack ] && [ "$3" = airflowUri ] && echo "${url}"; exit 0`);
        stub("gcloud", `echo "${TOKEN}"`);
        // gh: records the request and its body.
        stub("gh", `echo "$*" >> "${tmp}/gh-args"; cat >> "${tmp}/gh-body"`);
    });
    after(() => {
        server.closeAllConnections();
        server.close();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** Runs a step's script with bash, asynchronously: the fake Airflow answers from this process's event loop. */
    function run(step: Step): Promise<{ code: number | null; out: string }> {
        const child = spawn("bash", ["-e", "-c", step.run!], {
            cwd: REPO_ROOT,
            env: {
                ...process.env,
                ...step.env,
                PATH: `${path.join(tmp, "bin")}:${process.env.PATH}`,
                RUNNER_TEMP: tmp,
                GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
                GH_REPO: "transit-data/data-infra",
                PULUMI_BACKEND_URL: "gs://state",
                SOAK: "0",
            },
        });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
    }

    it("snapshots before the deploy, then posts a failing status naming the DAG that disappeared", async () => {
        const snapshot = await run(deployStep("Snapshot Airflow's active DAGs"));
        assert.equal(snapshot.code, 0, snapshot.out);
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(tmp, "airflow-dags-before.json"), "utf8")), {
            activeDags: ["keep", "lost"],
        });
        assert.match(snapshot.out, new RegExp(`::add-mask::${TOKEN.replace(/\./g, "\\.")}`));

        dags = [{ dag_id: "keep", is_active: true }];
        const report = await run(deployStep("Report airflow-health (test) on the deployed commit"));
        assert.equal(report.code, 1, report.out);
        assert.equal(
            fs.readFileSync(path.join(tmp, "gh-args"), "utf8").trim(),
            "api repos/transit-data/data-infra/statuses/0123456789abcdef0123456789abcdef01234567 --input -",
        );
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(tmp, "gh-body"), "utf8")), {
            state: "failure",
            context: "airflow-health (test)",
            description: "1 DAG gone (lost)",
        });
    });
});
