/**
 * Issue 15, item 7: the rendered workflows keep the admin App's key out of every channel deploy. Parsed YAML of what
 * `npm run workflows` renders for the shipped channels (and of main's deploy.yml before the change, as a fixture).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { expectedWorkflows, readChannels } from "../../tools/workflows";
import type { Workflow } from "../../tools/workflows/render";
import { REPO_ROOT } from "../harness";

const now = expectedWorkflows();
const wf = (file: string) => parse(now[file]) as Workflow;
const names = readChannels().map((c) => c.name);
const BEFORE = path.join(REPO_ROOT, "test", "fixtures", "workflows-before-governance", "deploy.yml");

describe("governance workflow (issue 15, item 7)", () => {
    it("runs one governance (<channel>) job per channel, only on releases/prod, in github-admin", () => {
        const w = wf("governance.yml");
        assert.deepEqual(w.on, { push: { branches: ["releases/prod"] }, workflow_dispatch: {} });
        assert.deepEqual(w.permissions, {});
        assert.deepEqual(
            Object.entries(w.jobs).map(([id, j]) => [id, j.name, j.if, j.environment]),
            names.map((c) => [
                `governance-${c}`,
                `governance (${c})`,
                "github.ref == 'refs/heads/releases/prod'",
                "github-admin",
            ]),
        );
    });

    it("guards, logs in, reads the admin key from Secret Manager, mints the token, and applies only the governance stack", () => {
        for (const c of names) {
            const job = wf("governance.yml").jobs[`governance-${c}`];
            assert.deepEqual(job.permissions, { actions: "read", contents: "read", "id-token": "write" });
            const at = (pred: (s: (typeof job.steps)[number]) => boolean) => job.steps.findIndex(pred);
            const guard = at((s) => s.run === "npx tsx tools/deploy-guard.ts promotion prod test");
            const auth = at((s) => s.uses?.startsWith("google-github-actions/auth@") ?? false);
            const fetch = at((s) => s.id === "admin-key");
            const token = at((s) => s.id === "app-token");
            const up = at((s) => /pulumi up/.test(s.run ?? ""));
            // guard → auth → fetch → token → up, the fetch right after the login and right before the token
            assert.deepEqual(
                [guard, auth, fetch, token, up].map((i) => job.steps[i]?.name),
                [
                    "Refuse anything test did not deploy",
                    "Authenticate to Google Cloud",
                    "Read the admin App key (Secret Manager)",
                    "Create admin App token",
                    "Apply the governance",
                ],
            );
            assert.ok(guard < auth && auth + 1 === fetch && fetch + 1 === token && token < up, c);
            // The key comes from Secret Manager (pinned action, value masked and kept as a step output only) and
            // goes into the App token alone; no GitHub secret holds it
            assert.deepEqual(job.steps[fetch], {
                name: "Read the admin App key (Secret Manager)",
                id: "admin-key",
                uses: "google-github-actions/get-secretmanager-secrets@2b5f97c5a4b9c105e64646762ad4fc3f5128e6f5",
                with: { secrets: "key:${{ vars.GOVERNANCE_ADMIN_KEY_SECRET }}" },
            });
            assert.deepEqual(job.steps[token].with, {
                "app-id": "${{ vars.DATA_INFRA_APP_ID }}",
                "private-key": "${{ steps.admin-key.outputs.key }}",
            });
            assert.deepEqual(
                job.steps.filter((s) => JSON.stringify(s).includes("steps.admin-key")).map((s) => s.id),
                ["app-token"],
            );
            assert.doesNotMatch(JSON.stringify(job), /secrets\./);
            assert.deepEqual(job.steps[auth].with, {
                workload_identity_provider: "${{ vars.GOVERNANCE_GCP_WORKLOAD_IDENTITY_PROVIDER }}",
                service_account: "${{ vars.GOVERNANCE_GCP_SERVICE_ACCOUNT }}",
            });
            assert.match(job.steps[up].run!, new RegExp(`pulumi up --cwd governance --stack ${c} --yes`));
            // No npm cache (another run's files under node_modules) in a job that holds the admin key
            assert.equal(
                job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"))?.with?.cache,
                undefined,
            );
        }
    });

    it("gives the deploy jobs no GitHub App token (main's deploy.yml before had one in each)", () => {
        const tokens = (w: Workflow) =>
            Object.entries(w.jobs).flatMap(([id, j]) =>
                j.steps
                    .filter(
                        (s) =>
                            s.uses?.startsWith("actions/create-github-app-token@") ||
                            /app-token/.test(JSON.stringify(s.env ?? {})),
                    )
                    .map((s) => `${id}: ${s.name}`),
            );
        assert.deepEqual(tokens(wf("deploy.yml")), []);
        assert.deepEqual(tokens(parse(fs.readFileSync(BEFORE, "utf8")) as Workflow), [
            "deploy-prod: Create admin App token",
            "deploy-prod: Refuse unintended replacements and deletions",
            "deploy-prod: Deploy",
            "deploy-test: Create admin App token",
            "deploy-test: Refuse unintended replacements and deletions",
            "deploy-test: Deploy",
        ]);
    });

    it("puts each channel's governance review into its plan comment", () => {
        for (const c of names) {
            const steps = wf("plan-pr.yml").jobs[`plan-${c}`].steps;
            const plan = steps.findIndex((s) => s.id === "plan");
            const gov = steps.findIndex((s) => s.name === `Plan ${c}'s GitHub settings (governance/)`);
            assert.ok(plan >= 0 && gov === plan + 1, c);
            assert.match(
                steps[gov].run!,
                new RegExp(
                    `plan -- --project governance --stack ${c} --base "\\$BASE_SHA" --format markdown >> plan-${c}\\.md`,
                ),
            );
        }
    });
});
