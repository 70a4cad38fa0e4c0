#!/usr/bin/env bash
# Our CI's minimal variant of test-airflow.yml: real Airflow 2.9.3 (the shipped Composer image's version) on
# Python 3.11, without the google provider and airflow/requirements.txt (hundreds of MB more; the real DAGs need
# them, so they are imported on GitHub by test-airflow.yml). It proves the pieces test-airflow.yml relies on:
#   - the transit plugin loads with the in-repository transit-service-date package (and fails without it);
#   - tools/airflow/dagbag_check.py passes a DAG using the plugin's macro, and fails a cycle and an import error.
# Installs into .tmp/airflow/venv (reused while the constraints file is unchanged; ~90 s and 280 MB the first time).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
AIRFLOW_VERSION=2.9.3
constraints="tools/airflow/constraints-$AIRFLOW_VERSION-py3.11.txt"
venv=.tmp/airflow/venv
stamp="$venv/.constraints.sha256"
want=$(sha256sum "$constraints" | cut -d' ' -f1)
py=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
[ "$py" = 3.11 ] || echo "note: python3 is $py, Composer's Airflow $AIRFLOW_VERSION runs 3.11" >&2
if [ ! -x "$venv/bin/airflow" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "airflow: installing apache-airflow==$AIRFLOW_VERSION into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "apache-airflow==$AIRFLOW_VERSION" --constraint "$constraints"
    echo "$want" > "$stamp"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps ./packages/transit-service-date
export AIRFLOW_HOME="$root/.tmp/airflow/home" AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__CORE__UNIT_TEST_MODE=True
export AIRFLOW__CORE__PLUGINS_FOLDER="$root/airflow/plugins" AIRFLOW__LOGGING__LOGGING_LEVEL=ERROR
"$venv/bin/airflow" db migrate > /dev/null
check() { "$venv/bin/python" tools/airflow/dagbag_check.py "test/fixtures/airflow-dagbag/$1"; }
fails() { if check "$1" > /dev/null 2>&1; then echo "airflow: $2 was accepted" >&2; exit 1; fi; echo "airflow: $2 fails, as it must"; }
check good
fails cycle "a DAG with a cycle"
fails broken "a DAG that cannot import"
"$venv/bin/pip" uninstall --quiet -y transit-service-date
fails good "the plugin without transit-service-date"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps ./packages/transit-service-date
echo "airflow $AIRFLOW_VERSION: plugin and DagBag checks passed"
