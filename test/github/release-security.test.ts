import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { protectionRules, type ProtectionRule } from "../../components/github/governance";
import { expectedWorkflows, readChannels } from "../../tools/workflows";
import { planGovernance, REPO_ROOT } from "../harness";
import {
    adminKeyHolders,
    adminKeyReaders,
    appKeysOutsideEnvironments,
    missingReleaseGates,
    skippableChannelChecks,
    smallerHoles,
    untestedPromotions,
    weakReleaseProtection,
    type PlannedEnvironment,
    type Workflows,
} from "./release-audit";

/** The workflows main rendered before issue 15 (7a239ad), as committed then. */
const BEFORE_DIR = path.join(REPO_ROOT, "test", "fixtures", "workflows-before-issue-15");
const before: Workflows = Object.fromEntries(
    fs.readdirSync(BEFORE_DIR).map((f) => [f, fs.readFileSync(path.join(BEFORE_DIR, f), "utf8")]),
);
/** The channels that fixture was rendered for: it is a snapshot, so a channel added since must not change it. */
const BEFORE_CHANNELS = ["prod", "test"];
const now = expectedWorkflows();
const channels = readChannels();
const names = channels.map((c) => c.name);

/** Branch protection as main's governance planned it before issue 15 (test/github/governance.test.ts then). */
const beforeRules: Record<string, ProtectionRule[]> = {
    test: [
        {
            key: "release",
            pattern: "releases/test",
            requiredChecks: ["preview (test)", "plan"],
            requiredReviews: 0,
            strict: false,
        } as unknown as ProtectionRule,
    ],
    prod: [
        {
            key: "release",
            pattern: "releases/prod",
            requiredChecks: ["preview (prod)", "plan"],
            requiredReviews: 1,
            strict: false,
        } as unknown as ProtectionRule,
    ],
};

describe("release security (issue 15): each hole of the review, before and after", () => {
    it("C1: no job reads an App's private key outside an environment", () => {
        assert.deepEqual(appKeysOutsideEnvironments(now), []);
        assert.deepEqual(appKeysOutsideEnvironments(before), [
            "C1: promote.yml promote-prod: reads secrets.DATA_INFRA_APP_PRIVATE_KEY with no environment",
            "C1: promote.yml promote-test: reads secrets.DATA_INFRA_APP_PRIVATE_KEY with no environment",
        ]);
    });

    it("C1: each key is read only in the environment that holds it: promote in promote-<channel>; admin in none (Secret Manager, see K1-K4)", () => {
        const read: string[] = [];
        for (const [file, text] of Object.entries(now)) {
            const w = (require("yaml") as typeof import("yaml")).parse(text) as {
                jobs: Record<string, { environment?: string | { name: string }; steps: unknown[] }>;
            };
            for (const [id, job] of Object.entries(w.jobs)) {
                for (const m of JSON.stringify(job.steps).match(/secrets\.[A-Z0-9_]+/g) ?? [])
                    read.push(
                        `${file} ${id} ${typeof job.environment === "object" ? job.environment.name : job.environment} ${m}`,
                    );
            }
        }
        assert.deepEqual(
            read.sort(),
            [
                // The optional notification webhook, an environment secret of the channel too
                ...names.map((c) => `deploy.yml deploy-${c} ${c} secrets.DEPLOY_WEBHOOK_URL`),
                ...names.map(
                    (c) => `promote.yml promote-${c} promote-${c} secrets.DATA_INFRA_PROMOTE_APP_PRIVATE_KEY`,
                ),
            ].sort(),
        );
    });

    it("M5 (item 7): only the governance jobs hold the admin key, in github-admin, which admits only releases/prod and has reviewers", async () => {
        // GIVEN the environments every channel's governance stack plans (the real program, offline)
        const environments: Record<string, PlannedEnvironment> = {};
        for (const c of names) {
            const run = await planGovernance(c);
            const policies = run.recorder.ofType(
                "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
            );
            for (const e of run.recorder.ofType("github:index/repositoryEnvironment:RepositoryEnvironment")) {
                const name = e.inputs.environment as string;
                const reviewers = (e.inputs.reviewers as Array<{ users: number[]; teams: number[] }>) ?? [];
                const policy = e.inputs.deploymentBranchPolicy as { customBranchPolicies: boolean };
                assert.equal(policy.customBranchPolicies, true, name);
                environments[name] = {
                    // A policy's environment is the environment resource's output: its name when planned offline.
                    branches: policies
                        .filter((p) => p.parent === e.parent && p.name === `${e.name}-branch`)
                        .map((p) => p.inputs.branchPattern as string),
                    reviewers: reviewers.reduce((n, r) => n + r.users.length + r.teams.length, 0),
                    preventSelfReview: e.inputs.preventSelfReview as boolean,
                    canAdminsBypass: e.inputs.canAdminsBypass as boolean,
                };
            }
        }
        const governing = `releases/${channels.find((c) => c.managesDefaultBranch)!.name}`;
        assert.equal(governing, "releases/prod");
        assert.deepEqual(environments["github-admin"], {
            branches: ["releases/prod"],
            reviewers: 1,
            preventSelfReview: true,
            canAdminsBypass: false,
        });
        // THEN no job that can run on releases/test, a pull request or a writer's branch reads the admin key
        assert.deepEqual(adminKeyHolders(now, environments, governing), []);
        // AND main's deploy.yml before this change fails: both deploys held the key, test's on releases/test (judged
        // against today's planned environments: test's has reviewers since issue 19 lets it be tried)
        const lastDeploy: Workflows = {
            "deploy.yml": fs.readFileSync(
                path.join(REPO_ROOT, "test", "fixtures", "workflows-before-governance", "deploy.yml"),
                "utf8",
            ),
        };
        assert.deepEqual(adminKeyHolders(lastDeploy, environments, governing), [
            // prod's environment admits only releases/prod and has reviewers, but it is prod's deploy job
            "M5: deploy.yml deploy-prod: a channel deploy holds the admin key",
            "M5: deploy.yml deploy-test: reads the admin key in environment test, which admits releases/test",
            "M5: deploy.yml deploy-test: not selected by refs/heads/releases/prod",
            "M5: deploy.yml deploy-test: a channel deploy holds the admin key",
        ]);
    });

    it("C1/M5: a job reads a key when it names it anywhere in the job (here: its env), and holds the admin key when it runs in github-admin at all", () => {
        // GIVEN the environments as planned (github-admin: only releases/prod, a reviewer, no self-review, no bypass)
        const environments: Record<string, PlannedEnvironment> = {
            "github-admin": {
                branches: ["releases/prod"],
                reviewers: 1,
                preventSelfReview: true,
                canAdminsBypass: false,
            },
            test: {
                branches: ["releases/test"],
                reviewers: 1,
                preventSelfReview: true,
                canAdminsBypass: false,
            },
        };
        type Editable = { jobs: Record<string, Record<string, unknown>> };
        const edit = (file: string, change: (w: Editable) => void): Workflows => {
            const w = parseYaml(now[file]) as Editable;
            change(w);
            return { ...now, [file]: stringifyYaml(w) };
        };
        // WHEN test's deploy reads the key through its job-level env (no step names it)
        const jobEnv = edit("deploy.yml", (w) => {
            w.jobs["deploy-test"].env = { KEY: "${{ secrets.DATA_INFRA_APP_PRIVATE_KEY }}" };
        });
        // THEN the audit sees it (a step can read any job env variable)
        assert.deepEqual(adminKeyHolders(jobEnv, environments, "releases/prod"), [
            "M5: deploy.yml deploy-test: reads the admin key in environment test, which admits releases/test",
            "M5: deploy.yml deploy-test: not selected by refs/heads/releases/prod",
            "M5: deploy.yml deploy-test: a channel deploy holds the admin key",
        ]);
        // AND a job without an environment that names a key only in its env is a C1 hole
        const noEnv = edit("drift.yml", (w) => {
            const [id] = Object.keys(w.jobs);
            w.jobs[id].env = { KEY: "${{ secrets.DATA_INFRA_APP_PRIVATE_KEY }}" };
        });
        const driftJob = Object.keys((parseYaml(now["drift.yml"]) as { jobs: object }).jobs)[0];
        assert.deepEqual(appKeysOutsideEnvironments(noEnv), [
            `C1: drift.yml ${driftJob}: reads secrets.DATA_INFRA_APP_PRIVATE_KEY with no environment`,
        ]);
        // WHEN a job in github-admin names no secret today but deploys a channel ("Secrets stored in an environment are
        // only available to workflow jobs that reference the environment": GitHub docs, Deployments and environments)
        const inAdmin = edit("governance.yml", (w) => {
            const { environment, permissions } = w.jobs["governance-prod"];
            w.jobs.extra = {
                name: "extra",
                "runs-on": "ubuntu-24.04",
                environment,
                permissions,
                steps: [{ name: "up", run: "pulumi up --stack prod --yes" }],
            };
        });
        // THEN it is a holder too
        assert.deepEqual(adminKeyHolders(inAdmin, environments, "releases/prod"), [
            "M5: governance.yml extra: not selected by refs/heads/releases/prod",
            "M5: governance.yml extra: a channel deploy holds the admin key",
        ]);
    });

    it("K1-K4: the admin key is no GitHub secret, and only the governance job reads it from Secret Manager, after logging in as the governance account, into the App token alone", () => {
        type Editable = {
            jobs: Record<string, { steps: Array<Record<string, unknown>> } & Record<string, unknown>>;
        };
        const edit = (file: string, change: (w: Editable) => void): Workflows => {
            const w = parseYaml(now[file]) as Editable;
            change(w);
            return { ...now, [file]: stringifyYaml(w) };
        };
        const steps = (w: Editable, job: string) => w.jobs[job].steps;
        const fetchAt = (w: Editable, job: string) => steps(w, job).findIndex((s) => s.id === "admin-key");
        // The current rendering: nothing
        assert.deepEqual(adminKeyReaders(now, "releases/prod"), []);
        // main's governance.yml before this change: the key was a github-admin environment secret (reachable by any
        // job a reviewer approves in that environment, whatever its workflow, event or ref)
        const envSecret: Workflows = {
            "governance.yml": fs.readFileSync(
                path.join(
                    REPO_ROOT,
                    "test",
                    "fixtures",
                    "workflows-before-governance",
                    "governance-env-secret.yml",
                ),
                "utf8",
            ),
        };
        assert.deepEqual(adminKeyReaders(envSecret, "releases/prod"), [
            "K1: governance.yml: names the admin key as a GitHub secret (secrets.DATA_INFRA_APP_PRIVATE_KEY)",
        ]);
        // A deploy job that reads the secret (it would fail at Google: the deployer has no access; still refused)
        const inDeploy = edit("deploy.yml", (w) => {
            const gov = parseYaml(now["governance.yml"]) as Editable;
            const fetch = gov.jobs["governance-prod"].steps.find((s) => s.id === "admin-key")!;
            steps(w, "deploy-test").push(fetch);
        });
        const deployIndex =
            (parseYaml(inDeploy["deploy.yml"]) as Editable).jobs["deploy-test"].steps.length - 1;
        const where = `deploy.yml deploy-test step ${deployIndex} (Read the admin App key (Secret Manager))`;
        assert.deepEqual(adminKeyReaders(inDeploy, "releases/prod"), [
            `K2: ${where}: reads Secret Manager outside governance.yml in github-admin`,
            `K2: ${where}: not selected by refs/heads/releases/prod`,
            // deploy-test logs in, but as its deployer
            `K3: ${where}: reads Secret Manager before logging in as GOVERNANCE_GCP_SERVICE_ACCOUNT`,
            `K4: ${where}: its value reaches no step (exactly the App token's private-key expected)`,
        ]);
        // The fetch before the login, or exporting the value to the job's environment
        const early = edit("governance.yml", (w) => {
            const s = steps(w, "governance-prod");
            const [fetch] = s.splice(fetchAt(w, "governance-prod"), 1);
            s.splice(0, 0, fetch);
            steps(w, "governance-test")[fetchAt(w, "governance-test")].with = {
                secrets: "key:${{ vars.GOVERNANCE_ADMIN_KEY_SECRET }}",
                export_to_environment: true,
            };
        });
        assert.deepEqual(adminKeyReaders(early, "releases/prod"), [
            "K3: governance.yml governance-prod step 0 (Read the admin App key (Secret Manager)): reads Secret Manager before logging in as GOVERNANCE_GCP_SERVICE_ACCOUNT",
            "K3: governance.yml governance-test step 5 (Read the admin App key (Secret Manager)): exports the secret to the job's environment",
        ]);
        // A later step that echoes the value, or a gcloud read in a writer's job on another branch
        const echoed = edit("governance.yml", (w) => {
            steps(w, "governance-prod").push({
                name: "debug",
                run: "echo ${{ steps.admin-key.outputs.key }}",
            });
            w.jobs.extra = {
                name: "extra",
                "runs-on": "ubuntu-24.04",
                environment: "github-admin",
                steps: [
                    {
                        name: "read",
                        run: "gcloud secrets versions access latest --secret github-admin-app-private-key",
                    },
                ],
            } as unknown as Editable["jobs"][string];
        });
        const n = steps(parseYaml(echoed["governance.yml"]) as Editable, "governance-prod").length - 1;
        assert.deepEqual(adminKeyReaders(echoed, "releases/prod"), [
            "K4: governance.yml governance-prod step 5 (Read the admin App key (Secret Manager)): its value reaches step 6 (Create admin App token), step " +
                n +
                " (debug) (exactly the App token's private-key expected)",
            "K2: governance.yml extra step 0 (read): not selected by refs/heads/releases/prod",
            "K3: governance.yml extra step 0 (read): reads Secret Manager before logging in as GOVERNANCE_GCP_SERVICE_ACCOUNT",
            "K4: governance.yml extra step 0 (read): its value reaches no step (exactly the App token's private-key expected)",
        ]);
    });

    it("H1: every release branch has a gate a pull request cannot redefine", () => {
        assert.deepEqual(missingReleaseGates(now, names), []);
        assert.deepEqual(missingReleaseGates(before, BEFORE_CHANNELS), [
            "H1: releases/prod: no pull_request_target gate job",
            "H1: releases/test: no pull_request_target gate job",
        ]);
    });

    it("H1/H6: release protection needs a review after the last push, restricted merges, the gate and plan, and the upstream deploy", () => {
        for (const c of channels) {
            const rules = protectionRules({
                repository: "r",
                channel: c.name,
                manageDefaultBranch: c.managesDefaultBranch,
                releaseManagers: ["transit-data/release-managers"],
                promotedFrom: c.promotedFrom,
            });
            assert.deepEqual(weakReleaseProtection(rules, c.name, c.promotedFrom), [], c.name);
        }
        assert.deepEqual(weakReleaseProtection(beforeRules.test, "test", "main"), [
            "H1: releases/test: merges with 0 reviews",
            "H1: releases/test: no last-push approval",
            "H1: releases/test: any writer may merge",
            'H1: releases/test: "release gate (test)" not required',
            'H1: releases/test: "plan (test)" not required',
        ]);
        assert.deepEqual(weakReleaseProtection(beforeRules.prod, "prod", "test"), [
            "H1: releases/prod: no last-push approval",
            "H1: releases/prod: any writer may merge",
            'H1: releases/prod: "release gate (prod)" not required',
            'H1: releases/prod: "plan (prod)" not required',
            "H6: releases/prod: a commit test did not deploy can be promoted",
        ]);
    });

    it("H6b: a promoted channel deploys only what its upstream recorded, checked by the deploy guard first", () => {
        assert.deepEqual(untestedPromotions(now, channels), []);
        assert.deepEqual(
            untestedPromotions(before, [
                { name: "prod", promotedFrom: "test" },
                { name: "test", promotedFrom: "main" },
            ]),
            [
                "H6b: deploy-prod: deploys whatever is on releases/prod, not what test ran",
                "H6b: deploy-test: records no digests for prod to pin",
            ],
        );
    });

    it("H2: per-channel checks always run, re-run on a base change, and the plan is per channel", () => {
        assert.deepEqual(skippableChannelChecks(now, names), []);
        assert.deepEqual(skippableChannelChecks(before, BEFORE_CHANNELS), [
            "H2: plan-pr.yml: a base change (edited) re-runs nothing",
            "H2: preview.yml: a base change (edited) re-runs nothing",
            `H2: preview.yml preview-prod: skipped by "github.base_ref == 'releases/prod'", which reports success`,
            `H2: preview.yml preview-test: skipped by "github.base_ref == 'releases/test'", which reports success`,
            "H2: test.yml: a base change (edited) re-runs nothing",
            'H2: no per-channel plan check "plan (prod)"',
            'H2: no per-channel plan check "plan (test)"',
        ]);
    });

    it("L7, L8, L9: full refs, workflow_run from this repository only, actions pinned to commits", () => {
        assert.deepEqual(smallerHoles(now), []);
        const found = smallerHoles(before);
        assert.deepEqual(
            found.filter((h) => !h.startsWith("L8")),
            [
                "L7: deploy.yml deploy-prod: selected by ref_name",
                "L7: deploy.yml deploy-test: selected by ref_name",
                "L9: plan-comment.yml comment: trusts any workflow_run of that name",
                "L9: promote.yml check-prod: trusts any workflow_run of that name",
            ],
        );
        assert.ok(found.includes("L8: deploy.yml deploy-prod: actions/checkout@v4 not pinned"));
    });
});
