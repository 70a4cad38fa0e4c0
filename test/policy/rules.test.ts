import { strict as assert } from "node:assert";
import { TYPES } from "../../lib/plan-document";
import { RULES, evaluateDiff, evaluatePolicies, formatViolation } from "../../policy/catalog";
import { isCredentialKey } from "../../policy/rules-governance";
import type { PolicyContext, PolicyResource } from "../../policy/rules";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

const prod: PolicyContext = { channel: "prod", production: true, managedPrefixes: ["dags/", "plugins/"] };
const test: PolicyContext = { ...prod, channel: "test", production: false };
const digest = `sha256:${"a".repeat(64)}`;

function r(
    type: string,
    inputs: Record<string, unknown>,
    options: PolicyResource["options"] = {},
): PolicyResource {
    return { urn: `urn:pulumi:prod::data-infra::${type}::x`, type, name: "x", inputs, options };
}

/** Per rule: resources that pass and resources that fail (with the input path named), in a channel. */
const table: Record<
    string,
    { pass: Array<[PolicyResource, PolicyContext]>; fail: Array<[PolicyResource, PolicyContext, string]> }
> = {
    "composer-prod-protected": {
        pass: [
            [r(TYPES.composer, {}, { protect: true }), prod],
            [r(TYPES.composer, {}), test],
            // Blue/green: the environment that no longer serves may have its protection lifted before `retire`.
            [
                { ...r(TYPES.composer, {}), name: "composer" },
                { ...prod, composerNotServing: ["composer"] },
            ],
        ],
        fail: [
            [r(TYPES.composer, {}), prod, "(options).protect"],
            [
                { ...r(TYPES.composer, {}), name: "composer-next" },
                { ...prod, composerNotServing: ["composer"] },
                "(options).protect",
            ],
        ],
    },
    "composer-no-replace": {
        pass: [[r(TYPES.composer, {}, { protect: true }), prod]],
        fail: [
            [
                r(TYPES.composer, {}, { protect: true, replaceOnChanges: ["config"] }),
                prod,
                "(options).replaceOnChanges",
            ],
            [
                r(TYPES.composer, {}, { protect: true, deleteBeforeReplace: true }),
                test,
                "(options).deleteBeforeReplace",
            ],
        ],
    },
    "helm-chart-pinned": {
        pass: [
            [
                r(TYPES.release, {
                    chart: "metabase",
                    version: "2.10.4",
                    repositoryOpts: { repo: "https://c" },
                }),
                prod,
            ],
            [r(TYPES.release, { chart: "oci://r/c", version: "1.0.0-rc.1" }), prod],
            [r(TYPES.release, { chart: "/repo/charts/backup", values: { chartHash: "abc" } }), prod],
        ],
        fail: [
            [
                r(TYPES.release, {
                    chart: "metabase",
                    version: "^2.10",
                    repositoryOpts: { repo: "https://c" },
                }),
                prod,
                "version",
            ],
            [r(TYPES.release, { chart: "metabase", repositoryOpts: { repo: "https://c" } }), test, "version"],
            [r(TYPES.release, { chart: "/repo/charts/backup", values: {} }), prod, "values"],
        ],
    },
    "image-digest": {
        pass: [
            [r(TYPES.release, { values: { image: { repository: "r/app", tag: "1", digest } } }), prod],
            [r(DEPLOYMENT, { spec: { containers: [{ image: `r/app@${digest}` }] } }), prod],
            [r(TYPES.release, { values: { image: { repository: "r/app", tag: "1" } } }), test],
        ],
        fail: [
            [
                r(TYPES.release, { values: { image: { repository: "r/app", tag: "1" } } }),
                prod,
                "values.image.digest",
            ],
            [
                r(DEPLOYMENT, { spec: { containers: [{ image: "r/app:1.2" }] } }),
                prod,
                "spec.containers[0].image",
            ],
        ],
    },
    "bucket-object-prefix": {
        pass: [
            [r(TYPES.bucketObject, { name: "dags/a.py" }), prod],
            [r(TYPES.bucketObject, { name: "plugins/p/x.py" }), test],
            [r(TYPES.prefixManifest, { prefix: "dags/", files: { "dags/a.py": "x 1 text/x-python" } }), prod],
        ],
        fail: [
            [r(TYPES.bucketObject, { name: "data/x.csv" }), prod, "name"],
            [r(TYPES.prefixManifest, { prefix: "data/", files: {} }), prod, "prefix"],
        ],
    },
    "kubernetes-secret-data-secret": {
        pass: [
            [r(TYPES.k8sSecret, { data: "[secret]" }), prod],
            [r(TYPES.k8sSecret, { stringData: { a: "[secret]" } }), prod],
        ],
        fail: [[r(TYPES.k8sSecret, { stringData: { password: "hunter2" } }), test, "stringData.password"]],
    },
    "prod-branch-protection": {
        pass: [
            [
                r(TYPES.branchProtection, {
                    pattern: "releases/prod",
                    requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1 }],
                    requiredStatusChecks: [{ contexts: ["preview (prod)"] }],
                }),
                prod,
            ],
            [r(TYPES.branchProtection, { pattern: "releases/test" }), test],
        ],
        fail: [
            [
                r(TYPES.branchProtection, {
                    pattern: "releases/prod",
                    requiredStatusChecks: [{ contexts: ["preview (prod)"] }],
                }),
                prod,
                "requiredPullRequestReviews[0].requiredApprovingReviewCount",
            ],
            [
                r(TYPES.branchProtection, {
                    pattern: "releases/prod",
                    requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1 }],
                    requiredStatusChecks: [{ contexts: ["test"] }],
                }),
                prod,
                "requiredStatusChecks[0].contexts",
            ],
        ],
    },
    "prod-environment-reviewers": {
        pass: [
            [r(TYPES.environment, { environment: "prod", reviewers: [{ teams: [12] }] }), prod],
            [r(TYPES.environment, { environment: "test" }), test],
        ],
        fail: [[r(TYPES.environment, { environment: "prod", reviewers: [] }), prod, "reviewers"]],
    },
    "no-plaintext-credentials": {
        pass: [
            [
                r(TYPES.release, {
                    values: {
                        db: { password: "[secret]", existingSecret: "db", host: "h" },
                        tolerations: [{ key: "dedicated" }],
                    },
                }),
                prod,
            ],
            [
                r(TYPES.composer, {
                    config: { softwareConfig: { envVariables: { API_URL: "https://x", SECRET_NAME: "s" } } },
                }),
                prod,
            ],
            [
                r(TYPES.release, {
                    chart: "oci://registry.example/charts/web",
                    repositoryOpts: {
                        repo: "https://charts.example",
                        username: "robot",
                        password: "[secret]",
                    },
                    valueYamlFiles: [{ asset: "file", path: "values/web.yaml", sha256: "x" }],
                }),
                {
                    ...prod,
                    readFile: () => "db:\n  host: h\n  existingSecret: db\nrepo: ssh://git@github.com/o/r\n",
                },
            ],
            [r(TYPES.kustomize, { directory: "https://github.com/o/r//k8s?ref=v1" }), prod],
            [
                r(TYPES.dockerImage, { build: { args: { BASE: "python:3.11", TOKEN_URL: "https://auth" } } }),
                prod,
            ],
        ],
        fail: [
            [r(TYPES.release, { values: { db: { password: "hunter2" } } }), prod, "values.db.password"],
            [
                r(TYPES.composer, {
                    config: { softwareConfig: { envVariables: { GTFS_API_KEY: "k-123" } } },
                }),
                test,
                "config.softwareConfig.envVariables.GTFS_API_KEY",
            ],
            [
                r(TYPES.composer, {
                    config: {
                        softwareConfig: {
                            airflowConfigOverrides: {
                                "secrets-backend_kwargs": '{"type": "service_account", "private_key": "x"}',
                            },
                        },
                    },
                }),
                prod,
                "config.softwareConfig.airflowConfigOverrides.secrets-backend_kwargs",
            ],
            [
                r(TYPES.release, { values: { cert: "-----BEGIN RSA PRIVATE KEY-----\nabc" } }),
                prod,
                "values.cert",
            ],
            // Issue 16 item 6: URLs with userinfo, build arguments, PyPI specifiers and values files.
            [r(TYPES.release, { chart: "oci://robot:pa55@registry.example/charts/web" }), prod, "chart"],
            [
                r(TYPES.release, { repositoryOpts: { repo: "https://user:pa55@charts.example" } }),
                prod,
                "repositoryOpts.repo",
            ],
            [
                r(TYPES.release, { repositoryOpts: { repo: "https://charts.example", password: "pa55" } }),
                prod,
                "repositoryOpts.password",
            ],
            [r(TYPES.kustomize, { directory: "https://ghp_abc123@github.com/o/r//k8s" }), prod, "directory"],
            [
                r(TYPES.dockerImage, { build: { args: { NPM_TOKEN: "npm_abc" } } }),
                prod,
                "build.args.NPM_TOKEN",
            ],
            [
                r(TYPES.composer, {
                    config: {
                        softwareConfig: { pypiPackages: { private: "@ git+https://tok@github.com/o/p" } },
                    },
                }),
                prod,
                "config.softwareConfig.pypiPackages.private",
            ],
            [
                r(TYPES.composer, {
                    config: {
                        softwareConfig: { envVariables: { AIRFLOW_CONN_WAREHOUSE: "postgres://u:p@db/w" } },
                    },
                }),
                prod,
                "config.softwareConfig.envVariables.AIRFLOW_CONN_WAREHOUSE",
            ],
            [
                r(TYPES.release, {
                    valueYamlFiles: [{ asset: "file", path: "values/web.yaml", sha256: "x" }],
                }),
                {
                    ...prod,
                    readFile: (f) =>
                        f === "values/web.yaml" ? "db:\n  host: h\n  password: hunter2\n" : undefined,
                },
                "valueYamlFiles[0] values/web.yaml: db.password",
            ],
        ],
    },
};

describe("Policy rules", () => {
    it("has a passing and a failing case for every rule", () => {
        assert.deepEqual(Object.keys(table).sort(), RULES.map((x) => x.name).sort());
    });
    for (const rule of RULES) {
        const cases = table[rule.name];
        cases.pass.forEach(([resource, ctx], i) =>
            it(`${rule.name}: passes case ${i + 1} (${ctx.channel})`, () =>
                assert.deepEqual(rule.check(resource, ctx), [])),
        );
        cases.fail.forEach(([resource, ctx, path], i) =>
            it(`${rule.name}: fails case ${i + 1} naming ${path}`, () => {
                const found = rule.check(resource, ctx);
                assert.deepEqual(
                    found.map((f) => f.path),
                    [path],
                );
                assert.ok(found[0].message && found[0].fix);
            }),
        );
    }

    it("fits the no-plaintext-credentials fix to the resource: Airflow's Secret Manager backend for Composer", () => {
        const fixOf = (res: PolicyResource) =>
            RULES.find((x) => x.name === "no-plaintext-credentials")!.check(res, prod)[0].fix;
        const composerFix = fixOf(
            r(TYPES.composer, { config: { softwareConfig: { envVariables: { GTFS_API_KEY: "k-123" } } } }),
        );
        assert.match(composerFix, /CloudSecretManagerBackend/);
        assert.match(composerFix, /airflow-variables-<name>/);
        assert.doesNotMatch(composerFix, /release/);
        const releaseFix = fixOf(r(TYPES.release, { values: { db: { password: "hunter2" } } }));
        assert.match(releaseFix, /^move it to Secret Manager and list it in the release's secrets/);
    });

    it("recognizes credential-like keys", () => {
        for (const k of [
            "password",
            "dbPassword",
            "API_TOKEN",
            "fernet_key",
            "serviceAccountKey",
            "secret",
            "client-secret",
            "GPG_PASSPHRASE",
            "SENTRY_DSN",
            "connectionString",
            "AIRFLOW_CONN_WAREHOUSE",
        ])
            assert.equal(isCredentialKey(k), true, k);
        for (const k of [
            "key",
            "secretName",
            "existingSecret",
            "tokenTtl",
            "keyFile",
            "passwordSecretRef",
            "AIRFLOW_CONN",
            "connection",
            "dsnHost",
        ])
            assert.equal(isCredentialKey(k), false, k);
    });

    it("applies the channel's enforcement levels and disabled rules", () => {
        const bad = r(TYPES.bucketObject, { name: "data/x" });
        const enforced = evaluatePolicies([bad], prod, { enforcement: "mandatory", rules: {} });
        assert.deepEqual(
            enforced.map((v) => [v.rule, v.level]),
            [["bucket-object-prefix", "mandatory"]],
        );
        assert.equal(
            formatViolation(enforced[0]),
            "mandatory: bucket-object-prefix: BucketObject x (name): object data/x is outside the managed prefixes (dags/, plugins/). Fix: write it under a managed prefix, or add the prefix to data-infra:policy.managedPrefixes",
        );
        assert.deepEqual(
            evaluatePolicies([bad], prod, {
                enforcement: "mandatory",
                rules: { "bucket-object-prefix": "advisory" },
            })[0].level,
            "advisory",
        );
        assert.deepEqual(
            evaluatePolicies([bad], prod, {
                enforcement: "mandatory",
                rules: { "bucket-object-prefix": "disabled" },
            }),
            [],
        );
    });
});

describe("composer-no-replace on a diff: a retired blue/green environment", () => {
    const removed = (name: string) => ({
        urn: `urn:pulumi:prod::data-infra::${TYPES.composer}::${name}`,
        type: TYPES.composer,
        name,
        kind: "remove" as const,
        group: TYPES.composer,
        changes: [],
        optionChanges: [],
        secrets: [],
    });
    const diff = (name: string) => ({
        project: "data-infra",
        stack: "prod",
        baseLabel: "HEAD~1",
        headLabel: "HEAD",
        resources: [removed(name)],
        unchanged: 0,
    });
    const cfg = { enforcement: "mandatory" as const, rules: {}, production: true, managedPrefixes: [] };
    const cases: Array<[string, string, readonly string[] | undefined, string[]]> = [
        ["a delete nobody asked for", "composer", undefined, ["composer"]],
        ["the slot retire names", "composer", ["composer"], []],
        ["another slot than the one retired", "composer-next", ["composer"], ["composer-next"]],
    ];
    for (const [name, env, retired, expected] of cases)
        it(name, () =>
            assert.deepEqual(
                evaluateDiff(diff(env), { ...cfg, composerRetired: retired }).map((v) => v.name),
                expected,
            ),
        );
});
