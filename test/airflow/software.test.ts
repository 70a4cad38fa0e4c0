import { strict as assert } from "node:assert";
import { Problems, formatProblem } from "../../lib/problems";
import {
    checkSoftwareSettings,
    compareComposerSoftware,
    composerSoftwareOfInputs,
    type SoftwareSettings,
} from "../../components/airflow/software";

function check(s: Partial<SoftwareSettings>): string[] {
    const problems = new Problems();
    checkSoftwareSettings(
        { imageVersion: "composer-2.14.2-airflow-2.9.3", ...s },
        (...p) => `args.${p.join(".")}`,
        problems,
    );
    return problems.list.map(formatProblem);
}

describe("Composer software rules", () => {
    const goodImages = [
        "composer-2.14.2-airflow-2.9.3",
        "composer-2-airflow-2",
        "composer-2-airflow-2.9",
        "composer-latest-airflow-2.10.5",
        "composer-2.0.0-preview.3-airflow-2.1.4",
        "composer-3-airflow-2.10.5-build.36",
    ];
    for (const imageVersion of goodImages) {
        it(`accepts image version ${imageVersion}`, () => assert.deepEqual(check({ imageVersion }), []));
    }
    const badImages = ["2.9.3", "composer-2.14-airflow-2.9.3", "composer-3-airflow-2.10.5-build", "composer-2-airflow-"];
    for (const imageVersion of badImages) {
        it(`fails when the image version is ${imageVersion}`, () => {
            assert.deepEqual(check({ imageVersion }), [
                `args.imageVersion: must be composer-<major|x.y.z|latest>-airflow-<x[.y[.z]]>[-build.<n>], e.g. composer-2.14.2-airflow-2.9.3 (got ${JSON.stringify(imageVersion)})`,
            ]);
        });
    }

    const cases: Array<[string, Partial<SoftwareSettings>, string[]]> = [
        ["good overrides and variables", { airflowConfigOverrides: { "core-dag_concurrency": "8", "secrets-backend": "x" }, envVariables: { CHANNEL: "test", _private: "1" } }, []],
        [
            "an override key without a section",
            { airflowConfigOverrides: { dag_concurrency: "8" } },
            ['args.airflowConfigOverrides.dag_concurrency: key must be <section>-<property> with a snake_case property, e.g. core-dags_are_paused_at_creation (got "dag_concurrency")'],
        ],
        [
            "an override key with a dotted property",
            { airflowConfigOverrides: { "core-dag.concurrency": "8" } },
            ['args.airflowConfigOverrides.core-dag.concurrency: key must be <section>-<property> with a snake_case property, e.g. core-dags_are_paused_at_creation (got "core-dag.concurrency")'],
        ],
        [
            "an env variable with an invalid name",
            { envVariables: { "1BAD-NAME": "x" } },
            ['args.envVariables.1BAD-NAME: name must match [a-zA-Z_][a-zA-Z0-9_]* (got "1BAD-NAME")'],
        ],
        [
            "an Airflow override in disguise",
            { envVariables: { AIRFLOW__CORE__PARALLELISM: "32" } },
            ['args.envVariables.AIRFLOW__CORE__PARALLELISM: Airflow settings go in airflowConfigOverrides, not env variables: use key "core-parallelism" (got "AIRFLOW__CORE__PARALLELISM")'],
        ],
        [
            "a reserved name",
            { envVariables: { GCS_BUCKET: "x", SQL_USER: "y" } },
            [
                'args.envVariables.GCS_BUCKET: name is reserved by Composer (got "GCS_BUCKET")',
                'args.envVariables.SQL_USER: name is reserved by Composer (got "SQL_USER")',
            ],
        ],
    ];
    for (const [what, settings, expected] of cases) {
        it(expected.length ? `fails on ${what}` : `accepts ${what}`, () => assert.deepEqual(check(settings), expected));
    }
});

describe("compareComposerSoftware", () => {
    const base = { imageVersion: "composer-2.14.2-airflow-2.9.3", pypiPackages: { a: "==1", b: "==1", c: "" } };

    it("flags an image upgrade together with PyPI changes", () => {
        const head = { imageVersion: "composer-2.14.3-airflow-2.9.3", pypiPackages: { a: "==2", c: "", d: "==1" } };
        assert.deepEqual(compareComposerSoftware(base, head), {
            imageVersion: { from: "composer-2.14.2-airflow-2.9.3", to: "composer-2.14.3-airflow-2.9.3" },
            pypiPackages: { added: ["d"], removed: ["b"], changed: ["a"] },
            imageAndPackagesTogether: true,
        });
    });

    it("does not flag an image upgrade alone, or PyPI changes alone", () => {
        const imageOnly = compareComposerSoftware(base, { ...base, imageVersion: "composer-2.14.3-airflow-2.9.3" });
        assert.equal(imageOnly.imageAndPackagesTogether, false);
        const pypiOnly = compareComposerSoftware(base, { ...base, pypiPackages: { ...base.pypiPackages, c: "==3" } });
        assert.deepEqual(pypiOnly, {
            pypiPackages: { added: [], removed: [], changed: ["c"] },
            imageAndPackagesTogether: false,
        });
    });

    it("reads the software from planned Environment inputs, and refuses unknown values", () => {
        const inputs = { config: { softwareConfig: base } };
        assert.deepEqual(composerSoftwareOfInputs(inputs), base);
        assert.equal(composerSoftwareOfInputs({ config: { softwareConfig: { imageVersion: "(computed)", pypiPackages: "(computed)" } } }), undefined);
        assert.equal(composerSoftwareOfInputs({}), undefined);
    });
});
