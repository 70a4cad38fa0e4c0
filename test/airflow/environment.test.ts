import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { plan, REPO_ROOT, stackConfig } from "../harness";
import type { ProgramRun } from "../../runtime/run-program";
import { UNKNOWN } from "../../runtime/wire";
import { bucketOfDagGcsPrefix, composerEnvironmentConfig } from "../../components/airflow/environment";

const ENV = "gcp:composer/environment:Environment";
const PYPI = {
    backoff: "==2.2.1",
    "dbt-bigquery": "==1.8.2",
    "dbt-core": "==1.8.7",
    "gtfs-realtime-bindings": "==1.0.0",
    partridge: "==1.1.2",
    protobuf: ">=4.25.3,<5",
    requests: "==2.32.3",
    "sentry-sdk": "[celery,sqlalchemy]==2.14.0",
    "transit-service-date": "==0.1.0",
};
const TMP = path.join(REPO_ROOT, ".tmp", `environment-test-${process.pid}`);

/** Writes a requirements file under the repository's ignored .tmp/ and returns its repository-relative path. */
function requirementsFile(name: string, text: string): string {
    fs.mkdirSync(TMP, { recursive: true });
    fs.writeFileSync(path.join(TMP, name), text);
    return path.relative(REPO_ROOT, path.join(TMP, name));
}

function composerWith(stack: string, patch: Record<string, unknown>): Record<string, unknown> {
    return { ...JSON.parse(stackConfig(stack).config["data-infra:composer"]), ...patch };
}

describe("ComposerEnvironment", () => {
    let test: ProgramRun;
    before(async () => {
        test = await plan("test");
    });
    after(() => fs.rmSync(TMP, { recursive: true, force: true }));

    it("creates the test environment with the exact inputs of Pulumi.test.yaml and requirements.txt", () => {
        const env = test.recorder.get(ENV, "composer");
        // Parent and provider: the component and the stack's explicit gcp provider.
        assert.equal(env.parent, test.recorder.get("data-infra:airflow:ComposerEnvironment", "composer").urn);
        assert.equal(env.provider, test.recorder.get("pulumi:providers:gcp", "gcp").urn);
        assert.match(env.parent!, /data-infra:airflow:ComposerEnvironment::composer$/);
        assert.deepEqual(env.inputs, {
            name: "data-infra-test",
            labels: { channel: "test" },
            deletionPolicy: "DELETE",
            config: {
                environmentSize: "ENVIRONMENT_SIZE_SMALL",
                nodeConfig: { serviceAccount: "composer@transit-data-test.iam.gserviceaccount.com" },
                softwareConfig: {
                    imageVersion: "composer-2.14.2-airflow-2.9.3",
                    pypiPackages: PYPI,
                    envVariables: { CHANNEL: "test", GTFS_BUCKET: "transit-data-test-gtfs" },
                    airflowConfigOverrides: {
                        "celery-worker_concurrency": "8",
                        "core-dags_are_paused_at_creation": "True",
                    },
                },
                workloadsConfig: {
                    scheduler: { cpu: 0.5, memoryGb: 2, storageGb: 1, count: 1 },
                    webServer: { cpu: 0.5, memoryGb: 2, storageGb: 1 },
                    worker: { cpu: 0.5, memoryGb: 2, storageGb: 1, minCount: 1, maxCount: 3 },
                    triggerer: { cpu: 0.5, memoryGb: 0.5, count: 1 },
                },
            },
        });
        assert.deepEqual(env.options.customTimeouts, { create: "180m", update: "180m", delete: "60m" });
        assert.equal(env.options.protect, undefined);
    });

    it("renders the PyPI map with sorted keys, byte for byte", () => {
        const env = test.recorder.get(ENV, "composer");
        const pypi = (env.inputs.config as { softwareConfig: { pypiPackages: object } }).softwareConfig.pypiPackages;
        assert.equal(JSON.stringify(pypi), JSON.stringify(PYPI));
    });

    it("exports the Airflow URI and bucket as computed until the environment exists", () => {
        assert.equal(test.outputs.airflowUri, UNKNOWN);
        assert.equal(test.outputs.composerBucket, UNKNOWN);
    });

    it("protects the environment of any production channel, not only the one named prod", async () => {
        // GIVEN a channel that declares itself production without setting composer.protect
        const run = await plan("test", { policy: { production: true } });
        // THEN its environment is protected and cannot be deleted by Composer either
        const env = run.recorder.get(ENV, "composer");
        assert.equal(env.options.protect, true);
        assert.equal(env.inputs.deletionPolicy, "PREVENT");
    });

    it("creates the prod environment larger and protected", async () => {
        const prod = await plan("prod");
        const env = prod.recorder.get(ENV, "composer");
        assert.equal(env.options.protect, true);
        assert.deepEqual(env.inputs, {
            name: "data-infra-prod",
            labels: { channel: "prod" },
            deletionPolicy: "PREVENT",
            config: {
                environmentSize: "ENVIRONMENT_SIZE_MEDIUM",
                nodeConfig: { serviceAccount: "composer@transit-data-prod.iam.gserviceaccount.com" },
                softwareConfig: {
                    imageVersion: "composer-2.14.2-airflow-2.9.3",
                    pypiPackages: PYPI,
                    envVariables: { CHANNEL: "prod", GTFS_BUCKET: "transit-data-prod-gtfs" },
                    airflowConfigOverrides: {
                        "celery-worker_concurrency": "16",
                        "core-dags_are_paused_at_creation": "True",
                    },
                },
                workloadsConfig: {
                    scheduler: { cpu: 2, memoryGb: 7.5, storageGb: 5, count: 2 },
                    webServer: { cpu: 2, memoryGb: 7.5, storageGb: 5 },
                    worker: { cpu: 2, memoryGb: 7.5, storageGb: 5, minCount: 2, maxCount: 8 },
                    triggerer: { cpu: 0.5, memoryGb: 1, count: 2 },
                },
            },
        });
    });

    it("changes only pypiPackages when requirements change", async () => {
        // GIVEN requirements.txt with one pin bumped and one package added
        const text = fs
            .readFileSync(path.join(REPO_ROOT, "airflow/requirements.txt"), "utf8")
            .replace("requests==2.32.3", "requests==2.32.4")
            .concat("humanize==4.10.0\n");
        const file = requirementsFile("requirements.txt", text);
        // WHEN the test stack is planned with it
        const changed = await plan("test", { composer: composerWith("test", { requirementsFile: file }) });
        // THEN the environment's inputs differ in pypiPackages only
        type Inputs = { config: { softwareConfig: { pypiPackages: object } } };
        const before = test.recorder.get(ENV, "composer").inputs as Inputs;
        const after = changed.recorder.get(ENV, "composer").inputs as Inputs;
        const withPypi = (i: Inputs, pypiPackages: object) => ({
            ...i,
            config: { ...i.config, softwareConfig: { ...i.config.softwareConfig, pypiPackages } },
        });
        assert.deepEqual(after.config.softwareConfig.pypiPackages, {
            ...PYPI,
            humanize: "==4.10.0",
            requests: "==2.32.4",
        });
        assert.deepEqual(withPypi(after, PYPI), before);
    });

    it("fails the plan naming every bad line of the requirements file", async () => {
        const file = requirementsFile("bad.txt", "requests==2\nRequests==3\nfoo; os_name=='nt'\nhttps://x.org/p.zip\n");
        await assert.rejects(plan("test", { composer: composerWith("test", { requirementsFile: file }) }), (e: Error) => {
            assert.equal(
                e.message,
                [
                    "ComposerEnvironment composer: 3 problems",
                    `  - ${file}:2: duplicate package requests (also at ${file}:1); names are compared after PEP 503 normalization (got "Requests==3")`,
                    `  - ${file}:3: environment markers (; ...) are not supported: Composer's PyPI map cannot express them (got "foo; os_name=='nt'")`,
                    `  - ${file}:4: URLs, VCS references and local paths are not supported: Composer installs from PyPI (got "https://x.org/p.zip")`,
                ].join("\n"),
            );
            return true;
        });
    });

    it("fails when the requirements file is missing", async () => {
        const cfg = { composer: composerWith("test", { requirementsFile: "airflow/nope.txt" }) };
        await assert.rejects(plan("test", cfg), /airflow\/nope\.txt: requirements file does not exist/);
    });
});

describe("composerEnvironmentConfig", () => {
    it("leaves out nodeConfig and workloadsConfig when not given, and sorts every map", () => {
        const config = composerEnvironmentConfig(
            { imageVersion: "composer-2-airflow-2", envVariables: { B: "1", A: "2" } },
            { z: "", a: "==1" },
        );
        assert.deepEqual(config, {
            environmentSize: undefined,
            softwareConfig: {
                imageVersion: "composer-2-airflow-2",
                pypiPackages: { a: "==1", z: "" },
                envVariables: { A: "2", B: "1" },
                airflowConfigOverrides: {},
            },
        });
        const sw = config.softwareConfig as { pypiPackages: object; envVariables: object };
        assert.equal(JSON.stringify(sw.pypiPackages), '{"a":"==1","z":""}');
        assert.equal(JSON.stringify(sw.envVariables), '{"A":"2","B":"1"}');
    });

    it("reads the bucket from dagGcsPrefix", () => {
        assert.equal(bucketOfDagGcsPrefix("gs://us-west2-data-infra-test-1a2b3c-bucket/dags"), "us-west2-data-infra-test-1a2b3c-bucket");
        assert.throws(() => bucketOfDagGcsPrefix("dags"), /expected gs:\/\/<bucket>\/dags/);
    });
});
