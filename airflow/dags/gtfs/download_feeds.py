"""Download every GTFS schedule feed listed in feeds.yml into the raw GTFS bucket, once a day.

Objects land at gs://$GTFS_BUCKET/schedule/dt=<logical date>/<feed key>.zip, so a rerun for the same day
overwrites its own files and nothing else. The transform DAG is triggered by the dataset this DAG updates.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pendulum
import requests
import yaml
from airflow.datasets import Dataset
from airflow.decorators import dag, task
from airflow.providers.google.cloud.hooks.gcs import GCSHook

FEEDS_FILE = Path(__file__).with_name("feeds.yml")
GTFS_BUCKET = os.environ.get("GTFS_BUCKET", "transit-data-test-gtfs")
SCHEDULE_DATASET = Dataset(f"gs://{GTFS_BUCKET}/schedule/")


def load_feeds() -> list[dict[str, str]]:
    with FEEDS_FILE.open() as f:
        return yaml.safe_load(f)["feeds"]


@dag(
    schedule="0 9 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="America/Los_Angeles"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": pendulum.duration(minutes=10)},
    tags=["gtfs", "ingest"],
)
def gtfs_download_feeds():
    @task
    def feeds() -> list[dict[str, str]]:
        return load_feeds()

    @task(outlets=[SCHEDULE_DATASET])
    def download(feed: dict[str, str], ds: str | None = None) -> dict[str, str]:
        response = requests.get(feed["url"], timeout=120)
        response.raise_for_status()
        body = response.content
        object_name = f"schedule/dt={ds}/{feed['key']}.zip"
        GCSHook().upload(
            bucket_name=GTFS_BUCKET,
            object_name=object_name,
            data=body,
            mime_type="application/zip",
        )
        return {"key": feed["key"], "object": object_name, "sha256": hashlib.sha256(body).hexdigest()}

    download.expand(feed=feeds())


gtfs_download_feeds()
