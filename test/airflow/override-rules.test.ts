import { strict as assert } from "node:assert";
import { parseStackConfig } from "../../config";
import { ValidationError } from "../../lib/problems";
import { composerMajor, overrideProblems } from "../../components/airflow/override-rules";
import { stackConfig } from "../harness";

const C3 = "composer-3-airflow-2.10.5-build.5";
const C2 = "composer-2.14.2-airflow-2.9.3";
const show = (imageVersion: string, overrides: Record<string, string>) =>
    overrideProblems(imageVersion, overrides).map((p) => `${p.key}: ${p.what} (got ${JSON.stringify(p.got)})`);

describe("Composer's override rules (docs: Airflow configuration options blocked or limited)", () => {
    // image, overrides → problems
    const table: Array<[string, string, Record<string, string>, string[]]> = [
        [
            "composer-override-limits: processor timeout above 600 and import timeout below it",
            C3,
            { "core-dag_file_processor_timeout": "900", "core-dagbag_import_timeout": "300" },
            [
                'core-dag_file_processor_timeout: must be at most 600 on Composer 3 (got "900")',
                'core-dagbag_import_timeout: must be at least core-dag_file_processor_timeout (900) on Composer 3 (got "300")',
            ],
        ],
        ["both at their limits", C3, { "core-dag_file_processor_timeout": "600", "core-dagbag_import_timeout": "600" }, []],
        [
            "import timeout above 600",
            C3,
            { "core-dagbag_import_timeout": "700" },
            ['core-dagbag_import_timeout: must be at most 600 on Composer 3 (got "700")'],
        ],
        ["import timeout alone within 600 (the processor default is not published)", C3, { "core-dagbag_import_timeout": "120" }, []],
        ["the same 900 on Composer 2 (no published limit)", C2, { "core-dag_file_processor_timeout": "900" }, []],
        [
            "worker concurrency 0 and 32",
            C3,
            { "celery-worker_concurrency": "32" },
            ['celery-worker_concurrency: must be at most 24 on Composer 3 (got "32")'],
        ],
        ["worker concurrency 8", C3, { "celery-worker_concurrency": "8" }, []],
        [
            "min_file_process_interval below 30",
            C3,
            { "core-min_file_process_interval": "10" },
            ['core-min_file_process_interval: must be at least 30 on Composer 3 (got "10")'],
        ],
        [
            "scheduler health threshold below 2 × heartbeat",
            C3,
            { "scheduler-scheduler_heartbeat_sec": "20", "scheduler-scheduler_health_check_threshold": "30" },
            [
                'scheduler-scheduler_health_check_threshold: must be at least 2 × scheduler-scheduler_heartbeat_sec (40) on Composer 3 (got "30")',
            ],
        ],
        [
            "triggerer threshold below 2 × job heartbeat",
            C3,
            { "triggerer-job_heartbeat_sec": "40", "triggerer-triggerer_health_check_threshold": "60" },
            [
                'triggerer-triggerer_health_check_threshold: must be at least 2 × triggerer-job_heartbeat_sec (80) on Composer 3 (got "60")',
            ],
        ],
        [
            "queued-check interval outside 30..60",
            C3,
            { "kubernetes_executor-worker_pods_queued_check_interval": "90" },
            ['kubernetes_executor-worker_pods_queued_check_interval: must be at most 60 on Composer 3 (got "90")'],
        ],
        [
            "a limited option that is not a number",
            C3,
            { "celery-worker_concurrency": "eight" },
            ['celery-worker_concurrency: must be a number (Composer 3 limits this option) (got "eight")'],
        ],
        [
            "a blocked option, on any version",
            C2,
            { "core-dags_folder": "/tmp/dags" },
            ['core-dags_folder: Composer manages this option itself and blocks overrides of it (got "core-dags_folder")'],
        ],
        [
            "a blocked section",
            C3,
            { "cli-endpoint_url": "http://x" },
            ['cli-endpoint_url: Composer blocks every [cli] option; it cannot be overridden (got "cli-endpoint_url")'],
        ],
        ["an unknown option stays allowed", C3, { "core-some_future_option": "1" }, []],
    ];
    for (const [what, image, overrides, expected] of table) {
        it(`${expected.length ? "fails on" : "accepts"} ${what}`, () => assert.deepEqual(show(image, overrides), expected));
    }

    it("reads the major version from every image version form", () => {
        assert.deepEqual(
            [C3, C2, "composer-latest-airflow-2", "composer-1.20.12-airflow-1.10.15"].map(composerMajor),
            [3, 2, undefined, 1],
        );
    });

    it("composer-override-limits: fails the config under data-infra:composer.airflowConfigOverrides", () => {
        const composer = {
            ...JSON.parse(stackConfig("test").config["data-infra:composer"]),
            imageVersion: C3,
            airflowConfigOverrides: { "core-dag_file_processor_timeout": "900", "core-dagbag_import_timeout": "300" },
        };
        assert.throws(
            () => parseStackConfig("test", stackConfig("test", { composer }).config),
            (e: ValidationError) => {
                assert.deepEqual(
                    e.problems.map((p) => p.where),
                    [
                        "data-infra:composer.airflowConfigOverrides.core-dag_file_processor_timeout",
                        "data-infra:composer.airflowConfigOverrides.core-dagbag_import_timeout",
                    ],
                );
                return true;
            },
        );
    });
});
