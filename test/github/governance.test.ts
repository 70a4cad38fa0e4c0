import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "../../config";
import { GithubGovernance, protectionRules, workflowVariables } from "../../components/github/governance";
import type { ProgramRun } from "../../runtime/run-program";
import { planGovernance as plan, stackConfig } from "../harness";

const GOV = "data-infra:github:Governance";
const govUrn = (stack: string) => `urn:pulumi:${stack}::data-infra-governance::${GOV}::github`;
const ci = {
    workloadIdentityProvider:
        "projects/123456789012/locations/global/workloadIdentityPools/github/providers/data-infra",
    deployServiceAccount: "deploy-test@transit-data-test.iam.gserviceaccount.com",
    previewServiceAccount: "preview-test@transit-data-test.iam.gserviceaccount.com",
    backendUrl: "gs://transit-data-test-pulumi-state",
};
const github = (extra: Record<string, unknown> = {}) => ({
    owner: "transit-data",
    repository: "data-infra",
    releaseManagers: ["transit-data/release-managers"],
    ...extra,
});

describe("GithubGovernance", () => {
    let test: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        // GIVEN the shipped stacks, test with the CI identity the bootstrap project writes
        test = await plan("test", { github: github({ ci }) });
        prod = await plan("prod");
    });

    it("creates protection for releases/test in the test stack and releases/prod plus main in the prod stack", () => {
        const patterns = (run: ProgramRun) =>
            run.recorder
                .ofType("github:index/branchProtection:BranchProtection")
                .map((r) => [r.name, r.inputs.pattern]);
        assert.deepEqual(patterns(test), [["github-protect-release", "releases/test"]]);
        assert.deepEqual(patterns(prod).sort(), [
            ["github-protect-main", "main"],
            ["github-protect-release", "releases/prod"],
        ]);
    });

    it("creates rulesets for the merge methods: merge commits only on release branches, squash only on main (issue 19, item 7)", () => {
        const rulesets = (run: ProgramRun) =>
            run.recorder
                .ofType("github:index/repositoryRuleset:RepositoryRuleset")
                .filter((r) => r.inputs.target === "branch")
                .map((r) => [r.name, r.inputs]);
        const set = (branch: string, methods: string[]) => ({
            repository: "data-infra",
            name: `data-infra merge methods: ${branch}`,
            target: "branch",
            enforcement: "active",
            conditions: { refName: { includes: [`refs/heads/${branch}`], excludes: [] } },
            rules: { pullRequest: { allowedMergeMethods: methods }, deletion: true, nonFastForward: true },
        });
        assert.deepEqual(rulesets(test), [["github-merge-release", set("releases/test", ["merge"])]]);
        assert.deepEqual(rulesets(prod), [
            ["github-merge-release", set("releases/prod", ["merge"])],
            ["github-merge-main", set("main", ["squash"])],
        ]);
        // THEN no ruleset lets anyone bypass it
        for (const [, inputs] of [...rulesets(test), ...rulesets(prod)])
            assert.equal((inputs as { bypassActors?: unknown }).bypassActors, undefined);
    });

    it("forbids tags named like the channel's release branch, plain or behind origin/, to everyone", () => {
        // A writer's tag `releases/test` counted as the branch for the runs API and workflow_run (break-19), and a tag
        // `origin/releases/test` shadowed the remote-tracking branch in git (break-15).
        const tags = (run: ProgramRun) =>
            run.recorder
                .ofType("github:index/repositoryRuleset:RepositoryRuleset")
                .filter((r) => r.inputs.target === "tag")
                .map((r) => [r.name, r.parent, r.inputs]);
        for (const [run, channel] of [
            [test, "test"],
            [prod, "prod"],
        ] as const) {
            assert.deepEqual(tags(run), [
                [
                    "github-tags-release",
                    govUrn(channel),
                    {
                        repository: "data-infra",
                        name: `data-infra release tags: releases/${channel}`,
                        target: "tag",
                        enforcement: "active",
                        conditions: {
                            refName: {
                                includes: [
                                    `refs/tags/releases/${channel}`,
                                    `refs/tags/origin/releases/${channel}`,
                                ],
                                excludes: [],
                            },
                        },
                        rules: { creation: true, update: true, deletion: true },
                    },
                ],
            ]);
        }
    });

    it("creates release protection requiring the channel's preview check, with no force push or deletion", () => {
        const r = prod.recorder.get(
            "github:index/branchProtection:BranchProtection",
            "github-protect-release",
        );
        assert.equal(r.parent, govUrn("prod"));
        assert.equal(r.provider, "urn:pulumi:prod::data-infra-governance::pulumi:providers:github::github");
        assert.deepEqual(r.inputs, {
            repositoryId: "data-infra",
            pattern: "releases/prod",
            // Not strict: a promotion PR's long-lived head never contains earlier promotions' merge commits.
            // The offline plan fails on mandatory policy violations; requiring it makes policy block merges.
            // The gate (pull_request_target: defined by the base branch) and, for prod, test's deploy of the head.
            requiredStatusChecks: [
                {
                    strict: false,
                    contexts: [
                        "release gate (prod)",
                        "preview (prod)",
                        "plan (prod)",
                        "promotion (prod)",
                        // Airflow on test came back healthy after deploying what is promoted (docs/airflow-health.md).
                        "airflow-health (test)",
                    ],
                },
            ],
            // Pulumi.prod.yaml: a person approves every promotion into prod, after its last push.
            requiredPullRequestReviews: [
                { requiredApprovingReviewCount: 1, dismissStaleReviews: true, requireLastPushApproval: true },
            ],
            // Merging is a push: only the release managers may merge (or push) into releases/prod.
            restrictPushes: [{ pushAllowances: ["transit-data/release-managers"], blocksCreations: true }],
            requireConversationResolution: true,
            allowsForcePushes: false,
            allowsDeletions: false,
            enforceAdmins: true,
        });
        assert.deepEqual(r.options, { deleteBeforeReplace: true });
    });

    it("creates main protection requiring the test check and the configured review count", () => {
        const r = prod.recorder.get("github:index/branchProtection:BranchProtection", "github-protect-main");
        assert.deepEqual(r.inputs.requiredStatusChecks, [{ strict: true, contexts: ["test"] }]);
        assert.deepEqual(r.inputs.requiredPullRequestReviews, [
            { requiredApprovingReviewCount: 1, dismissStaleReviews: true, requireLastPushApproval: true },
        ]);
        assert.equal(r.inputs.restrictPushes, undefined);
    });

    it("creates one environment per channel, limited to its release branch; prod with reviewers", () => {
        const env = (run: ProgramRun) =>
            run.recorder.get("github:index/repositoryEnvironment:RepositoryEnvironment", "github-environment")
                .inputs;
        assert.deepEqual(env(test), {
            repository: "data-infra",
            environment: "test",
            reviewers: [],
            preventSelfReview: false,
            canAdminsBypass: true,
            deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
        });
        assert.deepEqual(env(prod).reviewers, [{ users: [], teams: [4210001] }]);
        assert.equal(env(prod).preventSelfReview, true);
        assert.equal(env(prod).canAdminsBypass, false);
        for (const [run, channel] of [
            [test, "test"],
            [prod, "prod"],
        ] as const) {
            const policy = run.recorder.get(
                "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
                "github-environment-branch",
            );
            assert.deepEqual(policy.inputs, {
                repository: "data-infra",
                environment: channel,
                branchPattern: `releases/${channel}`,
            });
        }
    });

    it("creates promote-<channel>, which admits only main, for the promote App's key (issue 15, C1)", () => {
        for (const [run, channel] of [
            [test, "test"],
            [prod, "prod"],
        ] as const) {
            const env = run.recorder.get(
                "github:index/repositoryEnvironment:RepositoryEnvironment",
                "github-promote-environment",
            );
            assert.equal(env.inputs.environment, `promote-${channel}`);
            assert.equal(env.inputs.canAdminsBypass, false);
            assert.deepEqual(env.inputs.deploymentBranchPolicy, {
                protectedBranches: false,
                customBranchPolicies: true,
            });
            const policy = run.recorder.get(
                "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
                "github-promote-environment-branch",
            );
            assert.deepEqual(policy.inputs, {
                repository: "data-infra",
                environment: `promote-${channel}`,
                branchPattern: "main",
            });
        }
    });

    it("creates github-admin (the admin key's environment) only in the stack that owns main: releases/prod only, approved by someone else (issue 15, item 7)", () => {
        const admin = (run: ProgramRun) =>
            run.recorder
                .ofType("github:index/repositoryEnvironment:RepositoryEnvironment")
                .filter((r) => r.inputs.environment === "github-admin");
        assert.deepEqual(admin(test), []);
        const [env] = admin(prod);
        assert.equal(env.name, "github-admin-environment");
        assert.deepEqual(env.inputs, {
            repository: "data-infra",
            environment: "github-admin",
            // prod's environmentReviewers, as data-infra:github.adminReviewers is not set
            reviewers: [{ users: [], teams: [4210001] }],
            preventSelfReview: true,
            canAdminsBypass: false,
            deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
        });
        assert.deepEqual(
            prod.recorder
                .ofType(
                    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
                )
                .filter((p) => p.name === "github-admin-environment-branch")
                .map((p) => p.inputs),
            [{ repository: "data-infra", environment: "github-admin", branchPattern: "releases/prod" }],
        );
    });

    it("takes github-admin's reviewers from adminReviewers, and refuses a stack owning main without any", async () => {
        const prodGithub = stackConfig("prod").config["data-infra:github"];
        const own = await plan("prod", {
            github: { ...JSON.parse(prodGithub), adminReviewers: { users: [7], teams: [] } },
        });
        const env = own.recorder
            .ofType("github:index/repositoryEnvironment:RepositoryEnvironment")
            .find((r) => r.inputs.environment === "github-admin")!;
        assert.deepEqual(env.inputs.reviewers, [{ users: [7], teams: [] }]);
        // A test stack that owns main (no environment reviewers): github-admin would start without approval
        await assert.rejects(
            plan("test", { github: github({ manageDefaultBranch: true }) }),
            /adminEnvironment\.reviewers: the github-admin environment holds the admin key: name at least one required reviewer/,
        );
    });

    it("creates the workflows' variables from the bootstrap outputs, and none before bootstrap", () => {
        const vars = (type: string) =>
            Object.fromEntries(
                test.recorder
                    .ofType(type)
                    .map((r) => [
                        r.inputs.variableName,
                        [r.inputs.environment ?? "(repository)", r.inputs.value],
                    ]),
            );
        assert.deepEqual(vars("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"), {
            GCP_WORKLOAD_IDENTITY_PROVIDER: ["test", ci.workloadIdentityProvider],
            GCP_SERVICE_ACCOUNT: ["test", ci.deployServiceAccount],
            PULUMI_BACKEND_URL: ["test", ci.backendUrl],
            PULUMI_STACK: ["test", "test"],
        });
        assert.deepEqual(vars("github:index/actionsVariable:ActionsVariable"), {
            PREVIEW_TEST_GCP_WORKLOAD_IDENTITY_PROVIDER: ["(repository)", ci.workloadIdentityProvider],
            PREVIEW_TEST_GCP_SERVICE_ACCOUNT: ["(repository)", ci.previewServiceAccount],
            PREVIEW_TEST_PULUMI_BACKEND_URL: ["(repository)", ci.backendUrl],
        });
        assert.deepEqual(
            prod.recorder.ofType("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"),
            [],
        );
    });

    it("exports the protected branch patterns", () => {
        assert.deepEqual(prod.outputs.githubProtectedBranches, ["releases/prod", "main"]);
    });

    it("fails when the channel cannot name a release branch", () => {
        assert.throws(
            () => new GithubGovernance("g", { repository: "r", channel: "main", releaseManagers: ["/a"] }),
            (e: unknown) => e instanceof pulumi.ResourceError && /channel: must be lowercase/.test(e.message),
        );
    });
});

describe("protectionRules / workflowVariables", () => {
    it("creates only the release rule without manageDefaultBranch, and uses the configured review counts", () => {
        assert.deepEqual(
            protectionRules({
                repository: "r",
                channel: "test",
                releaseRequiredReviews: 2,
                releaseManagers: ["org/team"],
            }),
            [
                {
                    key: "release",
                    pattern: "releases/test",
                    requiredChecks: ["release gate (test)", "preview (test)", "plan (test)"],
                    requiredReviews: 2,
                    strict: false,
                    requireLastPushApproval: true,
                    pushAllowances: ["org/team"],
                },
            ],
        );
        assert.deepEqual(
            protectionRules({
                repository: "r",
                channel: "prod",
                manageDefaultBranch: true,
                mainRequiredReviews: 3,
                releaseManagers: ["org/team"],
            })[1],
            {
                key: "main",
                pattern: "main",
                requiredChecks: ["test"],
                requiredReviews: 3,
                strict: true,
                requireLastPushApproval: true,
            },
        );
    });

    it("names preview variables after the channel", () => {
        assert.deepEqual(Object.keys(workflowVariables("data-dev", ci).repository), [
            "PREVIEW_DATA_DEV_GCP_WORKLOAD_IDENTITY_PROVIDER",
            "PREVIEW_DATA_DEV_GCP_SERVICE_ACCOUNT",
            "PREVIEW_DATA_DEV_PULUMI_BACKEND_URL",
        ]);
    });
});

describe("config data-infra:github", () => {
    const parse = (stack: string, value: Record<string, unknown>) =>
        parseStackConfig(stack, stackConfig(stack, { github: value }).config);

    it("defaults manageDefaultBranch to true for prod only, and reviews to 1 on main", () => {
        assert.equal(parseStackConfig("test", stackConfig("test").config).github.manageDefaultBranch, false);
        const prod = parseStackConfig("prod", stackConfig("prod").config).github;
        assert.equal(prod.manageDefaultBranch, true);
        assert.equal(prod.mainRequiredReviews, 1);
        assert.equal(prod.promotedFrom, "test");
    });

    it("lets the shipped test channel be tried (with reviewers), and no channel by default", () => {
        const shipped = parseStackConfig("test", stackConfig("test").config).github;
        assert.equal(shipped.tryPullRequests, true);
        assert.deepEqual(shipped.environmentReviewers, { teams: [4210001], users: [] });
        assert.equal(parseStackConfig("prod", stackConfig("prod").config).github.tryPullRequests, false);
        assert.equal(parse("test", github()).github.tryPullRequests, false);
    });

    const failing: [string, string, Record<string, unknown>, RegExp][] = [
        [
            "prod has no environment reviewers",
            "prod",
            github(),
            /data-infra:github\.environmentReviewers: prod deploys need at least one required reviewer/,
        ],
        [
            "a channel is promoted from itself",
            "test",
            github({ promotedFrom: "test" }),
            /data-infra:github\.promotedFrom: a channel cannot be promoted from itself/,
        ],
        [
            "a reviewer is a login instead of an id",
            "test",
            github({ environmentReviewers: { users: ["octocat"] } }),
            /data-infra:github\.environmentReviewers\.users\[0\]: must be integer/,
        ],
        [
            "a release branch would merge without review (issue 15, H1)",
            "test",
            github({ releaseRequiredReviews: 0 }),
            /data-infra:github\.releaseRequiredReviews: must be >= 1/,
        ],
        [
            "nobody is named to push and merge to the release branch (issue 15, H1)",
            "test",
            github({ releaseManagers: [] }),
            /data-infra:github\.releaseManagers: must NOT have fewer than 1 items/,
        ],
        [
            "a release manager is not an actor name",
            "test",
            github({ releaseManagers: ["release-managers"] }),
            /data-infra:github\.releaseManagers\[0\]: must/,
        ],
        [
            "mainRequiredReviews is above 6",
            "test",
            github({ mainRequiredReviews: 7 }),
            /data-infra:github\.mainRequiredReviews: must be <= 6/,
        ],
        [
            "the workload identity provider is given by project id",
            "test",
            github({
                ci: { ...ci, workloadIdentityProvider: "projects/transit-data-test/locations/global/x" },
            }),
            /data-infra:github\.ci\.workloadIdentityProvider: must be projects\/<number>/,
        ],
        [
            "the backend is not a gs:// URL",
            "test",
            github({ ci: { ...ci, backendUrl: "s3://bucket" } }),
            /data-infra:github\.ci\.backendUrl: must be gs:\/\//,
        ],
        [
            // Issue 19, item 6: a try runs unmerged code as the deployer; the environment's reviewers approve it.
            "a channel that can be tried has no environment reviewers",
            "test",
            github({ tryPullRequests: true }),
            /^ValidationError: [^]*data-infra:github\.tryPullRequests: a try deploys a pull request's unmerged code as this channel's deployer: give environmentReviewers, who approve each try \(got true\)/,
        ],
        [
            "a promoted channel could be tried (it deploys only what its upstream ran)",
            "prod",
            github({ tryPullRequests: true, promotedFrom: "test", environmentReviewers: { teams: [12] } }),
            /data-infra:github\.tryPullRequests: only a channel promoted from main can be borrowed: prod deploys only what test ran \(got true\)/,
        ],
        [
            "tryPullRequests is not a boolean",
            "test",
            github({ tryPullRequests: "yes" }),
            /data-infra:github\.tryPullRequests: must be boolean/,
        ],
        [
            "ci lacks the preview service account",
            "test",
            github({ ci: { ...ci, previewServiceAccount: undefined } }),
            /data-infra:github\.ci\.previewServiceAccount: required key is missing/,
        ],
    ];
    for (const [what, stack, value, message] of failing) {
        it(`fails when ${what}`, () => {
            assert.throws(() => parse(stack, value), message);
        });
    }
});
