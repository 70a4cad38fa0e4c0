/**
 * The workload identity trust policy (bootstrap/identity-rules.ts) evaluated, not compared as text: the attribute
 * condition and every attribute mapping run in cel-go (the reference CEL implementation; Google STS evaluates both
 * in CEL: https://cloud.google.com/iam/docs/workload-identity-federation#mapping and #conditions) against the OIDC
 * claims GitHub issues for each kind of run (https://docs.github.com/en/actions/reference/security/oidc: `ref`,
 * `event_name`, `environment` only for a job with one, `job_workflow_ref` = `<repo>/<path>@<ref>`). Each case names
 * the principals (bootstrap's bindings) the token would reach. `npm run test:identity-cel` (needs Go; .ci/run).
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { ATTRIBUTE_MAPPING, attributeCondition } from "../../bootstrap/identity-rules";

const REPO = "transit-data/data-infra";
const IDS = { repositoryId: "810000001", ownerId: "81000001" };
const base = {
    repository: REPO,
    repository_id: IDS.repositoryId,
    repository_owner_id: IDS.ownerId,
    sub: "x",
};
const wf = (file: string, ref: string) => `${REPO}/.github/workflows/${file}@${ref}`;
const PROD = "refs/heads/releases/prod";
const TEST = "refs/heads/releases/test";

/** The principals bootstrap binds (ci-identity.ts), as attribute → value. */
const PRINCIPALS: Record<string, [string, string]> = {
    "deployer prod": ["attribute.deploy_channel", "prod"],
    "deployer test": ["attribute.deploy_channel", "test"],
    "deployer test (try)": ["attribute.try_channel", "test"],
    "previewer prod": ["attribute.pull_request_base", "releases/prod"],
    "previewer test": ["attribute.pull_request_base", "releases/test"],
    "previewer (drift)": ["attribute.drift", "main"],
    governance: ["attribute.governance", PROD],
};

type Claims = Record<string, string>;
const CASES: Array<[string, Claims, string[]]> = [
    [
        "governance.yml push on releases/prod in github-admin",
        {
            ...base,
            event_name: "push",
            ref: PROD,
            environment: "github-admin",
            job_workflow_ref: wf("governance.yml", PROD),
        },
        ["governance"],
    ],
    [
        "governance.yml dispatched on releases/prod in github-admin",
        {
            ...base,
            event_name: "workflow_dispatch",
            ref: PROD,
            environment: "github-admin",
            job_workflow_ref: wf("governance.yml", PROD),
        },
        ["governance"],
    ],
    [
        "governance.yml dispatched on a TAG releases/prod",
        {
            ...base,
            event_name: "workflow_dispatch",
            ref: "refs/tags/releases/prod",
            environment: "github-admin",
            job_workflow_ref: wf("governance.yml", "refs/tags/releases/prod"),
        },
        [],
    ],
    [
        "a pushed TAG releases/prod running governance.yml",
        {
            ...base,
            event_name: "push",
            ref: "refs/tags/releases/prod",
            environment: "github-admin",
            job_workflow_ref: wf("governance.yml", "refs/tags/releases/prod"),
        },
        [],
    ],
    [
        "a writer's governance.yml on branch foo",
        {
            ...base,
            event_name: "workflow_dispatch",
            ref: "refs/heads/foo",
            environment: "github-admin",
            job_workflow_ref: wf("governance.yml", "refs/heads/foo"),
        },
        [],
    ],
    [
        "governance.yml on releases/prod without an environment",
        { ...base, event_name: "push", ref: PROD, job_workflow_ref: wf("governance.yml", PROD) },
        [],
    ],
    [
        "governance.yml on releases/prod in environment prod",
        {
            ...base,
            event_name: "push",
            ref: PROD,
            environment: "prod",
            job_workflow_ref: wf("governance.yml", PROD),
        },
        [],
    ],
    [
        "governance.yml on releases/prod from workflow_run",
        {
            ...base,
            event_name: "workflow_run",
            ref: PROD,
            environment: "github-admin",
            job_workflow_ref: wf("governance.yml", PROD),
        },
        [],
    ],
    [
        "deploy.yml on releases/prod in github-admin",
        {
            ...base,
            event_name: "push",
            ref: PROD,
            environment: "github-admin",
            job_workflow_ref: wf("deploy.yml", PROD),
        },
        [],
    ],
    [
        "deploy.yml on releases/prod in prod",
        {
            ...base,
            event_name: "push",
            ref: PROD,
            environment: "prod",
            job_workflow_ref: wf("deploy.yml", PROD),
        },
        ["deployer prod"],
    ],
    [
        "deploy.yml on a TAG releases/prod in prod",
        {
            ...base,
            event_name: "push",
            ref: "refs/tags/releases/prod",
            environment: "prod",
            job_workflow_ref: wf("deploy.yml", "refs/tags/releases/prod"),
        },
        [],
    ],
    [
        "try-in-test.yml dispatched on releases/test in test",
        {
            ...base,
            event_name: "workflow_dispatch",
            ref: TEST,
            environment: "test",
            job_workflow_ref: wf("try-in-test.yml", TEST),
        },
        ["deployer test (try)"],
    ],
    [
        "try-in-test.yml on releases/prod in github-admin",
        {
            ...base,
            event_name: "workflow_dispatch",
            ref: PROD,
            environment: "github-admin",
            job_workflow_ref: wf("try-in-test.yml", PROD),
        },
        [],
    ],
    [
        "pull_request with head releases/prod into a writer's branch, in github-admin",
        {
            ...base,
            event_name: "pull_request",
            ref: "refs/pull/7/merge",
            base_ref: "foo",
            head_ref: "releases/prod",
            environment: "github-admin",
            job_workflow_ref: wf("x.yml", "refs/pull/7/merge"),
        },
        [],
    ],
    [
        "pull_request to releases/prod",
        {
            ...base,
            event_name: "pull_request",
            ref: "refs/pull/8/merge",
            base_ref: "releases/prod",
            head_ref: "feature",
            job_workflow_ref: wf("preview.yml", "refs/pull/8/merge"),
        },
        ["previewer prod"],
    ],
    [
        "pull_request_target to releases/prod running governance.yml in github-admin",
        {
            ...base,
            event_name: "pull_request_target",
            ref: PROD,
            base_ref: "releases/prod",
            environment: "github-admin",
            job_workflow_ref: wf("governance.yml", PROD),
        },
        [],
    ],
    [
        "another repository that took the old name",
        {
            ...base,
            repository_id: "999",
            event_name: "push",
            ref: PROD,
            environment: "github-admin",
            job_workflow_ref: wf("governance.yml", PROD),
        },
        [],
    ],
    [
        "drift.yml scheduled on main",
        {
            ...base,
            event_name: "schedule",
            ref: "refs/heads/main",
            job_workflow_ref: wf("drift.yml", "refs/heads/main"),
        },
        ["previewer (drift)"],
    ],
];

describe("workload identity trust policy, evaluated in CEL (cel-go)", function () {
    this.timeout(300000);
    let results: Record<string, Record<string, unknown>>;
    before(() => {
        const bin = execFileSync("bash", [path.join(__dirname, "build.sh")], { encoding: "utf8" }).trim();
        const input = JSON.stringify({
            condition: attributeCondition(IDS),
            mapping: ATTRIBUTE_MAPPING,
            cases: Object.fromEntries(CASES.map(([name, claims]) => [name, claims])),
        });
        results = JSON.parse(execFileSync(bin, { input, encoding: "utf8" })) as typeof results;
    });

    for (const [name, , expected] of CASES)
        it(`${name} → ${expected.length ? expected.join(", ") : "no principal"}`, () => {
            const r = results[name];
            for (const [attr, v] of Object.entries(r))
                assert.ok(typeof v !== "string" || !v.startsWith("error:"), `${attr}: ${String(v)}`);
            const reached = Object.entries(PRINCIPALS)
                .filter(([, [attr, value]]) => r.condition === true && r[attr] === value)
                .map(([p]) => p);
            assert.deepEqual(reached, expected);
        });
});
