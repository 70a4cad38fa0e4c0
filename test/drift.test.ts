import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { DRIFT_BODY_BUDGET, driftReport, mask, type DriftDigest } from "../tools/drift/body";
import { expectedWorkflows, readChannels } from "../tools/workflows";
import type { Workflow } from "../tools/workflows/render";
import { REPO_ROOT } from "./harness";

const fixture = (rel: string): DriftDigest =>
    JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "test", "fixtures", rel), "utf8")) as DriftDigest;
const RUN = "https://github.com/transit-data/data-infra/actions/runs/42";

describe("drift issue body (issue 19, item 4)", () => {
    it("lists each drifted resource with its change and the property paths, under a stable marker", () => {
        const r = driftReport("prod", fixture("preview-json/updates-only.json"), RUN);
        assert.equal(r.drifted, true);
        assert.equal(r.title, "Drift in prod: the cloud differs from the last deploy");
        const lines = r.body.split("\n");
        assert.equal(lines[0], "<!-- data-infra-drift:prod -->");
        assert.match(
            lines[1],
            /^\*\*prod\*\* differs from its last deploy: .* plans \d+ changes \(.*update \d+.*\)\. \[Drift run\]\(https:\/\/github\.com\/transit-data\/data-infra\/actions\/runs\/42\)$/,
        );
        assert.ok(
            lines.includes(
                "| update | composer | gcp:composer/environment:Environment | config.softwareConfig.pypiPackages.pandas |",
            ),
            r.body,
        );
        assert.ok(
            lines.includes("| replace | dags-dags/etl.py | gcp:storage/bucketObject:BucketObject | source |"),
            r.body,
        );
        assert.match(r.body, /closed by the first one that finds no change/);
    });

    it("reports no drift when every step is unchanged or a read", () => {
        const r = driftReport(
            "test",
            {
                steps: [
                    { op: "same", urn: "u::p::t::a" },
                    { op: "read", urn: "u::p::t::b" },
                ],
            },
            RUN,
        );
        assert.equal(r.drifted, false);
        assert.equal(r.body.split("\n")[1], `**test** matches its last deploy. [Drift run](${RUN})`);
        assert.ok(!r.body.includes("| change |"));
    });

    it("never shows a value, and masks credentials in names and paths", () => {
        const r = driftReport("prod", fixture("drift/secrets.json"), RUN);
        assert.equal(r.drifted, true);
        for (const n of [1, 2, 3, 4, 5])
            assert.ok(!r.body.includes(`PLANTED-SECRET-${n}`), `secret ${n} leaked:\n${r.body}`);
        assert.ok(!r.body.includes("UExBTlRFRC1TRUNSRVQtMQ"), "base64 of a secret leaked");
        assert.ok(
            r.body.includes(
                "| update | metabase-database | kubernetes:core/v1:Secret | stringData.password |",
            ),
            r.body,
        );
        // AND a pipe in a name cannot break the table
        assert.ok(r.body.includes("https://***:***@charts.example.org/repo\\|x"), r.body);
        assert.ok(r.body.includes("repositoryOpts.repo?token=***"), r.body);
        assert.equal(mask("https://a:b@h/x?sig=s&k=v"), "https://***:***@h/x?sig=***&k=v");
    });

    it("stays within the size budget, saying how many resources it left out", () => {
        const steps = Array.from({ length: 5000 }, (_, i) => ({
            op: "update",
            urn: `urn:pulumi:prod::data-infra::gcp:storage/bucketObject:BucketObject::dags-${"x".repeat(60)}-${String(i).padStart(4, "0")}.py`,
            detailedDiff: { source: {}, md5hash: {} },
        }));
        const r = driftReport("prod", { steps }, RUN);
        assert.ok(r.body.length <= DRIFT_BODY_BUDGET, String(r.body.length));
        const shown = r.body.split("\n").filter((l) => l.startsWith("| update |")).length;
        assert.ok(shown > 100 && shown < 5000, String(shown));
        assert.match(
            r.body,
            new RegExp(`_${5000 - shown} more not listed \\(size budget\\); see the run\\._`),
        );
        // AND a long name is cut in its cell
        const long = driftReport(
            "prod",
            { steps: [{ op: "delete", urn: `u::p::t::${"n".repeat(500)}` }] },
            RUN,
        );
        assert.ok(long.body.includes(`| delete | ${"n".repeat(199)}… |`), long.body);
    });

    it("the command line fails on a preview error without changes (not drift) and on a file that is not JSON", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-"));
        fs.writeFileSync(path.join(dir, "empty.json"), '{"steps": []}');
        fs.writeFileSync(path.join(dir, "bad.json"), "error: no stack");
        const run = (...args: string[]) =>
            spawnSync(process.execPath, ["--import", "tsx", "tools/drift.ts", ...args], {
                cwd: REPO_ROOT,
                encoding: "utf8",
            });
        const failed = run("prod", path.join(dir, "empty.json"), "255", RUN, path.join(dir, "out1"));
        assert.equal(failed.status, 1);
        assert.match(failed.stderr, /the preview of prod failed \(exit 255\) without planning a change/);
        assert.equal(run("prod", path.join(dir, "bad.json"), "0", RUN, path.join(dir, "out2")).status, 2);
        // AND a clean preview writes drifted=false
        assert.equal(run("prod", path.join(dir, "empty.json"), "0", RUN, path.join(dir, "out3")).status, 0);
        assert.equal(fs.readFileSync(path.join(dir, "out3", "drifted"), "utf8"), "false");
    });
});

describe("drift.yml", () => {
    const w = parse(expectedWorkflows()["drift.yml"]) as Workflow;
    const channels = readChannels().map((c) => c.name);

    it("runs daily and by hand, per channel: a read-only preview job, then an issue job without repository code", () => {
        assert.deepEqual(w.on, { schedule: [{ cron: "23 5 * * *" }], workflow_dispatch: {} });
        assert.deepEqual(w.permissions, {});
        for (const c of channels) {
            const detect = w.jobs[`detect-${c}`];
            const report = w.jobs[`report-${c}`];
            assert.equal(detect.name, `drift (${c})`);
            assert.deepEqual(detect.permissions, { contents: "read", "id-token": "write" });
            assert.equal(detect.environment, undefined);
            assert.equal(detect.steps[0].with?.ref, `releases/${c}`, "previews what is deployed");
            const upper = c.toUpperCase();
            assert.equal(
                detect.steps.find((s) => s.name === "Authenticate to Google Cloud")!.with?.service_account,
                `\${{ vars.PREVIEW_${upper}_GCP_SERVICE_ACCOUNT }}`,
            );
            assert.match(
                detect.steps.find((s) => s.name.startsWith("Preview"))!.run!,
                new RegExp(
                    `pulumi preview --stack ${c} --refresh --expect-no-changes --json --non-interactive`,
                ),
            );
            assert.ok(!JSON.stringify(detect).includes("secrets."));
            assert.deepEqual(report.needs, [`detect-${c}`]);
            assert.deepEqual(report.permissions, { issues: "write" });
            assert.ok(
                !report.steps.some((s) => s.uses?.startsWith("actions/checkout") || s.run?.includes("npx ")),
            );
            const upsert = report.steps.at(-1)!;
            assert.equal(upsert.env?.MARKER, `<!-- data-infra-drift:${c} -->`);
            assert.match(upsert.run!, /gh issue close "\$number" --repo "\$GH_REPO" --comment/);
        }
    });
});
