/**
 * Fixture program for the review CLI tests: a Composer environment with PyPI pins from requirements.txt, one
 * bucket object per file in dags/, a Helm release with values from values.json, and a Kubernetes Secret whose
 * value (secret.txt) must never appear in any output.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";

const read = (f: string) => fs.readFileSync(path.join(__dirname, f), "utf8");
const gcpProvider = new gcp.Provider("gcp", { project: "review-fixture", region: "us-west2" });
const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "{}" });

const pypiPackages = Object.fromEntries(
    read("requirements.txt")
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split("=="))
        .map(([name, version]) => [name, `==${version}`]),
);
new gcp.composer.Environment(
    "composer",
    {
        name: "review-fixture",
        region: "us-west2",
        config: { softwareConfig: { imageVersion: "composer-3-airflow-2.10.5-build.36", pypiPackages } },
    },
    { provider: gcpProvider },
);

for (const file of fs.readdirSync(path.join(__dirname, "dags")).sort()) {
    new gcp.storage.BucketObject(
        `dags/${file}`,
        {
            bucket: "review-fixture-bucket",
            name: `dags/${file}`,
            source: new pulumi.asset.FileAsset(path.join(__dirname, "dags", file)),
        },
        { provider: gcpProvider },
    );
}

new k8s.helm.v3.Release(
    "metabase",
    {
        name: "metabase",
        namespace: "metabase",
        chart: "metabase",
        version: "2.10.4",
        repositoryOpts: { repo: "https://charts.example" },
        values: JSON.parse(read("values.json")),
    },
    { provider: k8sProvider },
);

new k8s.core.v1.Secret(
    "db",
    {
        metadata: { name: "db", namespace: "metabase" },
        stringData: { password: pulumi.secret(read("secret.txt").trim()) },
    },
    { provider: k8sProvider },
);
