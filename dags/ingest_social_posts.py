"""
### Ingest social posts

Every minute: drains the `social.posts.v1` Kafka topic into the DuckDB warehouse
(`raw.social_posts`, exactly once: rows and Kafka offsets commit in one transaction), then stops.
When new posts landed it updates the Asset `duckdb://pantau/raw/social_posts`, which schedules
`build_marts`; when nothing new arrived the task is skipped and no build is triggered.

One run at a time; the task runs in the one-slot pool `duckdb_writer`. A failure (after the
retries) records an alert in `audit.alerts` (and POSTs it to `PANTAU_ALERT_WEBHOOK_URL` when set).
Settings come from `PANTAU_*` environment variables (see the README).
"""

from __future__ import annotations

from airflow.sdk import Asset, dag, task

from pantau.orchestration.dags import RAW_POSTS_URI, START_DATE, default_args
from pantau.settings import Settings

# Reads PANTAU_* variables only: no file, database or network access at parse time.
SETTINGS = Settings.from_env()
RAW_POSTS = Asset(name="raw_social_posts", uri=RAW_POSTS_URI)


@dag(
    schedule="* * * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["pantau", "ingest", "kafka"],
    default_args=default_args(SETTINGS),
    doc_md=__doc__,
)
def ingest_social_posts() -> None:
    @task(outlets=[RAW_POSTS])
    def ingest() -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from pantau.orchestration import tasks as pipeline

        counts = pipeline.ingest()
        if counts["loaded"] == 0:
            raise AirflowSkipException(f"no new posts ({counts}); no build triggered")
        return counts

    ingest()


ingest_social_posts()
