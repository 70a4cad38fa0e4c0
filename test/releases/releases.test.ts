import { strict as assert } from "node:assert";
import * as path from "node:path";
import { helmInputs } from "../../components/releases/inputs";
import type { HelmReleaseConfig } from "../../components/releases/types";
import type { RecordedResource } from "../../runtime/recorder";
import type { ProgramRun } from "../../runtime/run-program";
import { isAsset, isSecret, UNKNOWN } from "../../runtime/wire";
import { plan, REPO_ROOT } from "../harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const SECRET = "kubernetes:core/v1:Secret";
const urn = (stack: string, name: string, type = RELEASE) =>
    `urn:pulumi:${stack}::data-infra::data-infra:releases:Releases$${type}::${name}`;
const assetPaths = (r: RecordedResource) =>
    (r.inputs.valueYamlFiles as unknown[]).map((a) =>
        isAsset(a) ? path.relative(REPO_ROOT, a.path ?? "") : a,
    );

describe("Releases", () => {
    let test: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        test = await plan("test");
        prod = await plan("prod");
    });

    it("creates a Helm Release with its explicit name, namespace, chart, values in order and chart hash", () => {
        // GIVEN the shipped test stack WHEN it is planned THEN the backup release has exactly these inputs
        const r = test.recorder.get(RELEASE, "releases-postgresql-backup-metabase");
        assert.equal(r.parent, "urn:pulumi:test::data-infra::data-infra:releases:Releases::releases");
        assert.equal(r.provider, "urn:pulumi:test::data-infra::pulumi:providers:kubernetes::k8s");
        const chartHash = helmInputs(
            {
                chart: "charts/postgresql-backup",
                valuesFiles: [],
                values: {},
            } as unknown as HelmReleaseConfig,
            REPO_ROOT,
        ).chartHash;
        const inputs = { ...r.inputs };
        delete inputs.valueYamlFiles; // compared below, as repository-relative paths
        assert.deepEqual(inputs, {
            name: "postgresql-backup",
            namespace: "metabase",
            chart: "./charts/postgresql-backup",
            values: { dataInfraChartHash: chartHash, image: UNKNOWN },
            atomic: true,
            cleanupOnFail: true,
            timeout: 600,
            createNamespace: false,
            compat: "true",
        });
        assert.deepEqual(assetPaths(r), [
            "kubernetes/values/postgresql-backup-metabase.yaml",
            "kubernetes/values/postgresql-backup-metabase-test.yaml",
        ]);
        assert.deepEqual(r.options.dependsOn, [
            "urn:pulumi:test::data-infra::data-infra:images:Images$docker:index/image:Image::images-postgresql-backup",
            urn("test", "releases-namespace-metabase", NAMESPACE),
            urn("test", "releases-secret-metabase/metabase-database", SECRET),
        ]);
    });

    it("creates one Namespace per namespace and the same Helm name in two namespaces (prod)", () => {
        const namespaces = prod.recorder
            .ofType(NAMESPACE)
            .map((n) => [n.name, n.inputs.metadata, n.options.retainOnDelete]);
        assert.deepEqual(namespaces, [
            ["releases-namespace-metabase", { name: "metabase" }, true],
            ["releases-namespace-reports", { name: "reports" }, true],
            ["releases-namespace-sentry", { name: "sentry" }, true],
        ]);
        const releases = prod.recorder
            .ofType(RELEASE)
            .map((r) => [r.name, r.inputs.name, r.inputs.namespace]);
        assert.deepEqual(releases.sort(), [
            ["releases-postgresql-backup-metabase", "postgresql-backup", "metabase"],
            ["releases-postgresql-backup-sentry", "postgresql-backup", "sentry"],
            ["releases-reports-site", "reports-site", "reports"],
        ]);
        const sentry = prod.recorder.get(RELEASE, "releases-postgresql-backup-sentry");
        assert.deepEqual(
            sentry.options.dependsOn?.filter((d) => d.includes("Namespace")),
            [urn("prod", "releases-namespace-sentry", NAMESPACE)],
        );
    });

    it("configures test smaller than prod", () => {
        const values = (run: ProgramRun) =>
            run.recorder.get(RELEASE, "releases-reports-site").inputs.values as Record<string, unknown>;
        assert.equal(values(test).replicas, undefined, "test uses the chart's single replica");
        assert.equal(values(prod).replicas, 2);
    });

    it("creates Secrets from Secret Manager with a known name and secret data", () => {
        const s = test.recorder.get(SECRET, "releases-secret-metabase/metabase-database");
        assert.deepEqual(s.inputs.metadata, {
            name: "metabase-database",
            namespace: "metabase",
            // The payload is unknown offline; its source (and a changed version pin) is what a plan diff shows.
            annotations: { "data-infra/secret-source": "metabase-database-password@latest" },
        });
        assert.equal(s.inputs.type, "Opaque");
        assert.ok(isSecret(s.inputs.stringData), "data stays secret even when unknown");
        assert.equal(s.inputs.data, undefined, "a single value is written as stringData only");
        assert.deepEqual(
            test.recorder.invokes.filter((i) => i.token.startsWith("gcp:secretmanager")),
            [
                {
                    token: "gcp:secretmanager/getSecretVersion:getSecretVersion",
                    inputs: { secret: "metabase-database-password" },
                },
            ],
        );
    });

    it("deploys a release after the earlier releases it depends on", async () => {
        const releases = [
            {
                name: "first",
                driver: "helm",
                namespace: "a",
                chart: "charts/web-service",
                values: { image: "x:1.0" },
            },
            {
                name: "second",
                driver: "kustomize",
                dependsOn: ["first"],
                kustomizeDir: "test/fixtures/legacy-channel/kubernetes/apps/base/gtfs-rt-archiver-v3",
            },
        ];
        const run = await plan("test", { releases });
        assert.deepEqual(
            run.recorder.get("kubernetes:kustomize/v2:Directory", "releases-second").options.dependsOn,
            [urn("test", "releases-first")],
        );
    });

    it("exports the Helm release names", () => {
        assert.deepEqual(prod.outputs.helmReleases, {
            "postgresql-backup-metabase": "postgresql-backup",
            "postgresql-backup-sentry": "postgresql-backup",
            "reports-site": "reports-site",
        });
    });

    it("fails the plan before creating anything when values break the chart's schema or paths are missing", async () => {
        const base = "kubernetes/values/postgresql-backup-metabase.yaml";
        const backup = {
            name: "backup",
            driver: "helm",
            namespace: "metabase",
            chart: "charts/postgresql-backup",
            valuesFiles: [base, "kubernetes/values/missing.yaml"],
            values: { schedule: 7, bucket: "backups" },
            images: { image: "postgresql-backup" },
        };
        const releases = [
            backup,
            { name: "k", driver: "kustomize", kustomizeDir: "kubernetes/overlays/missing" },
        ];
        await assert.rejects(plan("test", { releases }), (e: Error) => {
            assert.equal(
                e.message,
                [
                    "Releases releases: 2 problems",
                    "  - backup: kubernetes/values/missing.yaml: values file not found",
                    "  - k: kustomizeDir kubernetes/overlays/missing: folder not found",
                ].join("\n"),
            );
            return true;
        });
        // With readable values files the schema check runs and names the layer and JSON path.
        await assert.rejects(plan("test", { releases: [{ ...backup, valuesFiles: [base] }] }), {
            message:
                "Releases releases: 1 problem\n  - backup: inline values: $.schedule: must be string (got 7)",
        });
    });
});
