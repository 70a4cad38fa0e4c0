/**
 * `test-airflow.yml`: DAG import tests at the Composer image's Airflow version (issue 19, item 3).
 */
import { DEFAULT_BRANCH } from "../../components/github/naming";
import { byCodeUnit } from "../../lib/order";
import { actions, RUNNER, timeoutMinutes, type Job, type Workflow } from "./common";

/**
 * The Python of Composer 2 images (every `composer-2.*-airflow-2.*` image runs Python 3.11); CI imports the DAGs
 * with the same interpreter line.
 */
export const COMPOSER_PYTHON = "3.11";

/** `composer-2.14.2-airflow-2.9.3` → `2.9.3`; `undefined` for an alias (`latest`, `airflow-2`) that pins nothing. */
export function airflowVersion(imageVersion: string): string | undefined {
    return /-airflow-(\d+\.\d+\.\d+)$/.exec(imageVersion)?.[1];
}

const INSTALL = `set -euo pipefail
constraints="https://raw.githubusercontent.com/apache/airflow/constraints-$AIRFLOW_VERSION/constraints-$PYTHON_VERSION.txt"
# The google extra: Composer images preinstall apache-airflow-providers-google, which the DAGs import.
python -m pip install --disable-pip-version-check "apache-airflow[google]==$AIRFLOW_VERSION" --constraint "$constraints"
# In-repository packages first (requirements.txt pins them; they may not be on the index before main publishes).
for p in packages/*/pyproject.toml; do python -m pip install --disable-pip-version-check "./$(dirname "$p")"; done
# What Composer installs on top of its image.
python -m pip install --disable-pip-version-check -r airflow/requirements.txt`;

/**
 * One job per Airflow version the channels' `composer.imageVersion` names: install that Airflow (with Airflow's
 * constraints for it), the in-repository packages and `airflow/requirements.txt`, import every DAG with `DagBag`
 * (plugins folder set, so the plugin's imports count), and run pytest on `airflow/tests/` when it exists.
 */
export function airflowTestWorkflow(imageVersions: readonly string[]): Workflow {
    const versions = [...new Set(imageVersions.map(airflowVersion).filter((v): v is string => !!v))].sort(
        byCodeUnit,
    );
    const paths = ["airflow/**", "packages/**", "tools/airflow/**", ".github/workflows/test-airflow.yml"];
    const jobs: Record<string, Job> = {};
    for (const v of versions) {
        jobs[`dags-${v.replace(/\./g, "-")}`] = {
            name: `dags (airflow ${v})`,
            "runs-on": RUNNER,
            "timeout-minutes": timeoutMinutes.build,
            permissions: { contents: "read" },
            env: {
                AIRFLOW_VERSION: v,
                PYTHON_VERSION: COMPOSER_PYTHON,
                AIRFLOW__CORE__LOAD_EXAMPLES: "False",
                AIRFLOW__CORE__UNIT_TEST_MODE: "True",
            },
            steps: [
                { name: "Check out", uses: actions.checkout, with: { "persist-credentials": false } },
                {
                    name: `Set up Python ${COMPOSER_PYTHON}`,
                    uses: actions.setupPython,
                    with: { "python-version": COMPOSER_PYTHON },
                },
                { name: `Install Airflow ${v} and the DAGs' requirements`, run: INSTALL },
                {
                    name: "Import every DAG (DagBag: import errors and cycles fail)",
                    run:
                        'export AIRFLOW_HOME="$RUNNER_TEMP/airflow" AIRFLOW__CORE__PLUGINS_FOLDER="$PWD/airflow/plugins"\n' +
                        'export AIRFLOW__CORE__DAGS_FOLDER="$PWD/airflow/dags"\n' +
                        "airflow db migrate > /dev/null\n" +
                        "python tools/airflow/dagbag_check.py airflow/dags",
                },
                {
                    name: "Test airflow/tests",
                    run: 'if [ -d airflow/tests ]; then python -m pip install --disable-pip-version-check pytest && python -m pytest airflow/tests; else echo "no airflow/tests"; fi',
                },
            ],
        };
    }
    return {
        name: "test-airflow",
        on: {
            pull_request: { types: ["opened", "synchronize", "reopened"], paths },
            push: { branches: [DEFAULT_BRANCH], paths },
        },
        permissions: {},
        jobs,
    };
}
