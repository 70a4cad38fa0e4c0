"""Run the dbt project over the freshly downloaded GTFS schedules.

Triggered by the schedule dataset (not by time), so a late download delays the transform instead of
letting it run over yesterday's data. `dbt build` runs models and their tests in one pass.
"""

from __future__ import annotations

import os

import pendulum
from airflow.datasets import Dataset
from airflow.decorators import dag
from airflow.operators.bash import BashOperator

GTFS_BUCKET = os.environ.get("GTFS_BUCKET", "transit-data-test-gtfs")
CHANNEL = os.environ.get("CHANNEL", "test")
DBT_PROJECT_DIR = "/home/airflow/gcs/data/warehouse"


@dag(
    schedule=[Dataset(f"gs://{GTFS_BUCKET}/schedule/")],
    start_date=pendulum.datetime(2024, 1, 1, tz="America/Los_Angeles"),
    catchup=False,
    max_active_runs=1,
    tags=["gtfs", "transform", "dbt"],
)
def transform_gtfs_schedule():
    BashOperator(
        task_id="dbt_build",
        bash_command=(
            "dbt build --project-dir {{ params.project_dir }} --profiles-dir {{ params.project_dir }}"
            " --target {{ params.target }} --select tag:gtfs_schedule"
            " --vars '{\"service_date\": \"{{ macros.transit.service_date(ds) }}\"}'"
        ),
        params={"project_dir": DBT_PROJECT_DIR, "target": CHANNEL},
        execution_timeout=pendulum.duration(hours=2),
    )


transform_gtfs_schedule()
