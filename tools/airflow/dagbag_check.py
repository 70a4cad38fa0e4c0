"""Imports every DAG under a folder with Airflow's DagBag and fails on import errors (cycles included).

usage: python tools/airflow/dagbag_check.py <dags folder>

DagBag records a module that raises, and a DAG with a cycle (its `check_cycle` raises AirflowDagCycleException
while the DAG is bagged), in `import_errors`; an empty bag is an error too (a wrong folder would pass otherwise).
Run by test-airflow.yml with the Composer image's Airflow version, plugins folder and requirements.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tools/airflow/dagbag_check.py <dags folder>", file=sys.stderr)
        return 2
    from airflow import plugins_manager
    from airflow.models.dagbag import DagBag

    # Plugins first: a plugin that cannot import (e.g. transit_plugin without transit-service-date) is an error too.
    plugins_manager.ensure_plugins_loaded()
    for path, error in sorted(plugins_manager.import_errors.items()):
        print(f"::error file={path}::plugin: {error}")
    names = sorted(p.name for p in plugins_manager.plugins or [])
    print(f"plugins: {', '.join(names) or 'none'}")
    bag = DagBag(dag_folder=argv[0], include_examples=False, safe_mode=False)
    for path, error in sorted(bag.import_errors.items()):
        last = error.strip().splitlines()[-1] if error.strip() else "import error"
        print(f"::error file={path}::{last}")
        print(error, file=sys.stderr)
    if not bag.dags:
        print(f"::error::no DAG found under {argv[0]}")
        return 1
    print(f"{len(bag.dags)} DAGs imported: {', '.join(sorted(bag.dags))}")
    return 1 if bag.import_errors or plugins_manager.import_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
