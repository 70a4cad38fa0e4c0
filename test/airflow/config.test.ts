import { strict as assert } from "node:assert";
import { parseStackConfig, type StackConfig } from "../../config";
import { ValidationError, formatProblem } from "../../lib/problems";
import { stackConfig } from "../harness";

function load(stack: string, overrides: Record<string, unknown> = {}): StackConfig {
    const cfg = stackConfig(stack, overrides);
    return parseStackConfig(stack, cfg.config, cfg.secretKeys);
}

function problemsWith(overrides: Record<string, unknown>, stack = "test"): string[] {
    try {
        load(stack, overrides);
        return [];
    } catch (e) {
        assert.ok(e instanceof ValidationError, `expected a ValidationError, got ${e}`);
        return e.problems.map(formatProblem);
    }
}

/** The shipped test stack's composer value with some keys replaced. */
function composer(patch: Record<string, unknown>): Record<string, unknown> {
    const base = JSON.parse(stackConfig("test").config["data-infra:composer"]) as Record<string, unknown>;
    return { ...base, ...patch };
}

describe("composer and dags config", () => {
    it("leaves protect to the channel's production flag unless the stack sets it", () => {
        // Unset: index.ts protects exactly the production channels (data-infra:policy.production)
        assert.deepEqual([load("prod").composer.protect, load("prod").policy.production], [undefined, true]);
        assert.deepEqual([load("test").composer.protect, load("test").policy.production], [undefined, false]);
        assert.equal(load("test", { composer: composer({ protect: true }) }).composer.protect, true);
        assert.equal(load("prod", { composer: composer({ protect: false }) }).composer.protect, false);
    });

    it("sizes test smaller than prod", () => {
        const [test, prod] = [load("test").composer, load("prod").composer];
        assert.equal(test.environmentSize, "ENVIRONMENT_SIZE_SMALL");
        assert.equal(prod.environmentSize, "ENVIRONMENT_SIZE_MEDIUM");
        assert.ok(test.workloads.worker!.maxCount < prod.workloads.worker!.maxCount);
        assert.ok(test.workloads.scheduler!.cpu < prod.workloads.scheduler!.cpu);
    });

    it("fills defaults when optional keys are left out", () => {
        const c = load("test", { composer: { name: "env", imageVersion: "composer-2-airflow-2" }, dags: undefined });
        assert.deepEqual(
            { ...c.composer },
            {
                name: "env",
                imageVersion: "composer-2-airflow-2",
                environmentSize: "ENVIRONMENT_SIZE_SMALL",
                requirementsFile: "airflow/requirements.txt",
                workloads: {},
                envVariables: {},
                airflowConfigOverrides: {},
                labels: {},
                serve: "current",
            },
        );
        assert.deepEqual(c.dags, {
            folders: [
                { source: "airflow/dags", prefix: "dags/" },
                { source: "airflow/plugins", prefix: "plugins/" },
            ],
            include: ["**"],
            exclude: ["**/__pycache__", "**/*.pyc", "**/.!(airflowignore)"],
            maxFileSizeMiB: 100,
            deleteUnmanaged: false,
        });
    });

    const cases: Array<[string, Record<string, unknown>, string[]]> = [
        [
            "the environment name is not a Composer id",
            { composer: composer({ name: "Data_Infra" }) },
            [
                'data-infra:composer.name: must be a lowercase name of letters, digits and hyphens (at most 64, letter first) (got "Data_Infra")',
            ],
        ],
        [
            "the image version is malformed",
            { composer: composer({ imageVersion: "airflow-2.9.3" }) },
            [
                'data-infra:composer.imageVersion: must be composer-<major|x.y.z|latest>-airflow-<x[.y[.z]]>[-build.<n>], e.g. composer-2.14.2-airflow-2.9.3 (got "airflow-2.9.3")',
            ],
        ],
        [
            "an env variable is reserved and an override key has no section",
            { composer: composer({ envVariables: { DAGS_FOLDER: "/x" }, airflowConfigOverrides: { parallelism: "4" } }) },
            [
                'data-infra:composer.airflowConfigOverrides.parallelism: key must be <section>-<property> with a snake_case property, e.g. core-dags_are_paused_at_creation (got "parallelism")',
                'data-infra:composer.envVariables.DAGS_FOLDER: name is reserved by Composer (got "DAGS_FOLDER")',
            ],
        ],
        [
            "worker minCount exceeds maxCount",
            {
                composer: composer({
                    workloads: { worker: { cpu: 1, memoryGb: 2, minCount: 4, maxCount: 2 } },
                }),
            },
            [
                'data-infra:composer.workloads.worker.minCount: must not exceed maxCount (got {"cpu":1,"memoryGb":2,"minCount":4,"maxCount":2})',
            ],
        ],
        [
            "labels set channel",
            { composer: composer({ labels: { channel: "x" } }) },
            ["data-infra:composer.labels.channel: is set by the program to the stack name"],
        ],
        [
            "an environment size is unknown",
            { composer: composer({ environmentSize: "HUGE" }) },
            [
                'data-infra:composer.environmentSize: must be one of "ENVIRONMENT_SIZE_SMALL", "ENVIRONMENT_SIZE_MEDIUM", "ENVIRONMENT_SIZE_LARGE" (got "HUGE")',
            ],
        ],
        [
            "a DAG prefix is the bucket root",
            { dags: { folders: [{ source: "airflow/dags", prefix: "/" }] } },
            [
                'data-infra:dags.folders[0].prefix: must be a folder prefix such as dags/ or plugins/ (lowercase, ends with /) (got "/")',
            ],
        ],
        [
            "two DAG prefixes overlap",
            {
                dags: {
                    folders: [
                        { source: "airflow/dags", prefix: "dags/" },
                        { source: "airflow/more", prefix: "dags/more/" },
                    ],
                },
            },
            [
                'data-infra:dags.folders[1].prefix: overlaps folders[0].prefix "dags/": two folders would manage the same objects (got "dags/more/")',
            ],
        ],
    ];
    for (const [what, overrides, expected] of cases) {
        it(`fails when ${what}`, () => assert.deepEqual(problemsWith(overrides), expected));
    }
});
