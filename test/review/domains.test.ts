import { strict as assert } from "node:assert";
import { TYPES } from "../../lib/plan-document";
import { diffPlans } from "../../tools/plan/review/diff";
import { buildReport } from "../../tools/plan/review/report";
import { composer, dagObject, doc, release, res } from "./fixtures";

const labels = { base: "main", head: "HEAD" };
const report = (base: Parameters<typeof doc>[1], head: Parameters<typeof doc>[1]) =>
    buildReport(diffPlans(doc("test", base), doc("test", head), labels));

describe("Review sections", () => {
    describe("Composer", () => {
        it("tables PyPI pins old → new, added and removed, and lists env and override keys", () => {
            const r = report(
                [
                    composer("test", {
                        imageVersion: "composer-3-airflow-2.10.5-build.36",
                        pypiPackages: { requests: "==2.31.0", pandas: "==2.2.0" },
                        envVariables: { A: "1", B: "2" },
                        airflowConfigOverrides: { "core-x": "1" },
                    }),
                ],
                [
                    composer("test", {
                        imageVersion: "composer-3-airflow-2.10.5-build.36",
                        pypiPackages: { requests: "==2.32.3", "dbt-core": "" },
                        envVariables: { A: "1", C: "3" },
                        airflowConfigOverrides: { "core-x": "2" },
                    }),
                ],
            );
            const [c] = r.composer;
            assert.deepEqual(c.pypi, [
                { package: "dbt-core", kind: "added", new: "" },
                { package: "pandas", kind: "removed", old: "==2.2.0" },
                { package: "requests", kind: "changed", old: "==2.31.0", new: "==2.32.3" },
            ]);
            assert.equal(c.imageVersion, undefined);
            assert.equal(c.imageAndPypiTogether, false);
            assert.deepEqual(c.envVariables, [
                { key: "B", kind: "removed" },
                { key: "C", kind: "added" },
            ]);
            assert.deepEqual(c.airflowConfigOverrides, [{ key: "core-x", kind: "changed" }]);
            assert.deepEqual(
                r.risks.map((e) => [e.tier, e.reason]),
                [["high", "Composer PyPI packages changed (3)"]],
            );
        });

        it("warns loudly when imageVersion and pypiPackages change together", () => {
            const r = report(
                [
                    composer("test", {
                        imageVersion: "composer-3-airflow-2.10.5-build.36",
                        pypiPackages: { requests: "==2.31.0" },
                    }),
                ],
                [
                    composer("test", {
                        imageVersion: "composer-3-airflow-2.10.5-build.40",
                        pypiPackages: { requests: "==2.32.3" },
                    }),
                ],
            );
            assert.equal(r.composer[0].imageAndPypiTogether, true);
            assert.deepEqual(r.composer[0].imageVersion, {
                old: "composer-3-airflow-2.10.5-build.36",
                new: "composer-3-airflow-2.10.5-build.40",
            });
        });
    });

    describe("DAGs", () => {
        it("lists files added, changed and removed per prefix and calls out removed DAGs", () => {
            const r = report(
                [
                    dagObject("test", "dags/a.py", "1"),
                    dagObject("test", "dags/b.py", "2"),
                    dagObject("test", "plugins/p.py", "3"),
                ],
                [
                    dagObject("test", "dags/a.py", "9"),
                    dagObject("test", "dags/c.py", "4"),
                    dagObject("test", "plugins/p.py", "3"),
                    dagObject("test", "plugins/q.py", "5"),
                ],
            );
            assert.deepEqual(r.dags, [
                { prefix: "dags/", added: ["dags/c.py"], changed: ["dags/a.py"], removed: ["dags/b.py"] },
                { prefix: "plugins/", added: ["plugins/q.py"], changed: [], removed: [] },
            ]);
            assert.deepEqual(r.removedDags, ["dags/b.py"]);
            assert.deepEqual(
                r.risks.filter((e) => e.tier === "medium").map((e) => e.reason),
                [
                    // The replacement window of a changed DAG (engine-facts C3) is surfaced, not only deletions.
                    "DAG file dags/a.py re-uploaded as delete + create: briefly absent, and Airflow may deactivate the DAG if it lists the folder in that window",
                    "DAG file dags/b.py deleted",
                ],
            );
        });
        it("names each file of a manifest resource (one per prefix) added, changed or removed", () => {
            const manifest = (prefix: string, files: Record<string, string>) =>
                res("test", TYPES.prefixManifest, prefix, {
                    bucket: "b",
                    prefix,
                    source: `./airflow/${prefix}`,
                    files,
                });
            const e = (md5: string) => `${md5} 10 text/x-python`;
            const r = report(
                [
                    manifest("dags/", { "dags/a.py": e("1"), "dags/b.py": e("2") }),
                    manifest("plugins/", { "plugins/p.py": e("3") }),
                ],
                [
                    manifest("dags/", { "dags/a.py": e("9"), "dags/c.py": e("4") }),
                    manifest("plugins/", { "plugins/p.py": e("3"), "plugins/q.py": e("5") }),
                ],
            );
            assert.deepEqual(r.dags, [
                { prefix: "dags/", added: ["dags/c.py"], changed: ["dags/a.py"], removed: ["dags/b.py"] },
                { prefix: "plugins/", added: ["plugins/q.py"], changed: [], removed: [] },
            ]);
            assert.deepEqual(r.removedDags, ["dags/b.py"]);
            assert.deepEqual(
                r.risks.filter((x) => x.tier === "medium").map((x) => x.reason),
                ["DAG file dags/b.py deleted"],
            );
        });
        it("names every file of a manifest removed whole as deleted, each a medium risk", () => {
            const manifest = res("test", TYPES.prefixManifest, "dags/", {
                bucket: "b",
                prefix: "dags/",
                source: "./airflow/dags",
                files: { "dags/b.py": "2 10 text/x-python", "dags/a.py": "1 10 text/x-python" },
            });
            const r = report([manifest], []);
            assert.deepEqual(r.dags, [
                { prefix: "dags/", added: [], changed: [], removed: ["dags/a.py", "dags/b.py"] },
            ]);
            assert.deepEqual(r.removedDags, ["dags/a.py", "dags/b.py"]);
            assert.deepEqual(
                r.risks.filter((x) => x.tier === "medium").map((x) => x.reason),
                ["DAG file dags/a.py deleted", "DAG file dags/b.py deleted"],
            );
        });
    });

    describe("Helm", () => {
        it("shows per release the chart version change, content hash change and changed values keys", () => {
            const remote = {
                chart: "metabase",
                version: "2.10.0",
                repositoryOpts: { repo: "https://charts.example" },
            };
            const r = report(
                [
                    release("test", "metabase", { ...remote, values: { replicas: 1, db: { host: "a" } } }),
                    release("test", "backup", {
                        chart: "charts/postgresql-backup",
                        values: { chartHash: "h1", schedule: "0 1 * * *" },
                        valueYamlFiles: [
                            { asset: "file", path: "kubernetes/values/backup.yaml", sha256: "f1" },
                        ],
                    }),
                ],
                [
                    release("test", "metabase", {
                        ...remote,
                        version: "3.0.1",
                        values: { replicas: 2, db: { host: "a" } },
                    }),
                    release("test", "backup", {
                        chart: "charts/postgresql-backup",
                        values: { chartHash: "h2", schedule: "0 1 * * *" },
                        valueYamlFiles: [
                            { asset: "file", path: "kubernetes/values/backup.yaml", sha256: "f2" },
                        ],
                    }),
                ],
            );
            const byName = Object.fromEntries(r.helm.map((h) => [h.release, h]));
            assert.deepEqual(byName["metabase/metabase"].chart, {
                old: "https://charts.example metabase@2.10.0",
                new: "https://charts.example metabase@3.0.1",
            });
            assert.equal(byName["metabase/metabase"].majorBump, true);
            assert.deepEqual(byName["metabase/metabase"].values, [{ key: "replicas", kind: "changed" }]);
            assert.equal(byName["backup/backup"].contentHashChanged, true);
            assert.deepEqual(byName["backup/backup"].valuesFiles, ["kubernetes/values/backup.yaml"]);
            assert.deepEqual(
                r.risks.filter((e) => e.tier === "medium").map((e) => e.subject),
                ["Release metabase"],
            );
        });
    });

    describe("Helm values files", () => {
        it("names each key a values file changed, old → new, when both versions can be read", () => {
            // GIVEN a values file whose image tag changed and whose replicas key was added
            const backup = (sha: string) =>
                release("test", "web", {
                    chart: "charts/web-service",
                    valueYamlFiles: [{ asset: "file", path: "kubernetes/values/web.yaml", sha256: sha }],
                });
            const texts = {
                base: "image: nginx:1.27.3\nport: 8080\n",
                head: "image: nginx:1.27.4\nport: 8080\nreplicas: 2\n",
            };
            const diff = diffPlans(doc("test", [backup("a")]), doc("test", [backup("b")]), {
                base: "main",
                head: "working tree",
            });
            // WHEN the report reads both versions
            const report = buildReport(diff, [], (side, file) =>
                file === "kubernetes/values/web.yaml" ? texts[side] : undefined,
            );
            // THEN the keys that changed are listed with their values and file
            assert.deepEqual(report.helm[0].values, [
                { key: "image", kind: '"nginx:1.27.3" → "nginx:1.27.4" in kubernetes/values/web.yaml' },
                { key: "replicas", kind: "added 2 in kubernetes/values/web.yaml" },
            ]);
            assert.deepEqual(report.helm[0].valuesFiles, ["kubernetes/values/web.yaml"]);
            // AND without a reader only the file is named
            assert.deepEqual(buildReport(diff).helm[0].values, []);
        });
    });

    describe("GitHub", () => {
        it("flags every weakening of branch and environment protection", () => {
            const strong = {
                pattern: "releases/prod",
                allowsForcePushes: false,
                allowsDeletions: false,
                requiredStatusChecks: [{ strict: true, contexts: ["preview (prod)", "test"] }],
                requiredPullRequestReviews: [{ requiredApprovingReviewCount: 2 }],
            };
            const weak = {
                ...strong,
                allowsForcePushes: true,
                allowsDeletions: true,
                requiredStatusChecks: [{ strict: true, contexts: ["test"] }],
                requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1 }],
            };
            const env = {
                environment: "prod",
                reviewers: [{ users: [1, 2], teams: [7] }],
                preventSelfReview: true,
            };
            const r = report(
                [
                    res("prod", TYPES.branchProtection, "releases-prod", strong),
                    res("prod", TYPES.environment, "prod", env),
                    res("prod", TYPES.branchProtection, "main", { pattern: "main" }),
                ],
                [
                    res("prod", TYPES.branchProtection, "releases-prod", weak),
                    res("prod", TYPES.environment, "prod", {
                        ...env,
                        reviewers: [{ users: [1] }],
                        preventSelfReview: false,
                    }),
                ],
            );
            assert.deepEqual(
                r.weakenings.map((w) => `${w.subject}: ${w.what}`),
                [
                    "branch main: branch protection removed",
                    "branch releases/prod: force pushes allowed",
                    "branch releases/prod: branch deletion allowed",
                    "branch releases/prod: required checks removed: preview (prod)",
                    "branch releases/prod: required reviews 2 → 1",
                    "environment prod: reviewers removed (users: 2)",
                    "environment prod: reviewers removed (teams: 7)",
                    "environment prod: self-review no longer prevented",
                ],
            );
            assert.ok(r.risks.filter((e) => e.tier === "high").length >= 8);
        });

        it("does not flag a strengthening", () => {
            const r = report(
                [
                    res("prod", TYPES.branchProtection, "p", {
                        pattern: "releases/prod",
                        requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1 }],
                    }),
                ],
                [
                    res("prod", TYPES.branchProtection, "p", {
                        pattern: "releases/prod",
                        requiredPullRequestReviews: [{ requiredApprovingReviewCount: 2 }],
                        requireConversationResolution: true,
                    }),
                ],
            );
            assert.deepEqual(r.weakenings, []);
        });
    });
});
