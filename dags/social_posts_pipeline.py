"""
### Social posts pipeline

Drains the `social.posts.v1` Kafka topic into the DuckDB warehouse (`raw.social_posts`, exactly
once), builds the dbt models (`dbt build`: seeds, staging, marts and their tests), then audits
the marts with Great Expectations. The warehouse has one writer at a time: every task runs in the
one-slot pool `duckdb_writer`.

Settings come from `PANTAU_*` environment variables (see the README).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from pantau.settings import Settings

# Reads PANTAU_* variables only: no file, database or network access at parse time.
SETTINGS = Settings.from_env()

RAW_POSTS = Asset("duckdb://pantau/raw/social_posts")
MARTS = Asset("duckdb://pantau/marts")
WRITER_POOL = "duckdb_writer"


@dag(
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["pantau", "ingest", "dbt", "gx"],
    default_args={"retries": SETTINGS.task_retries,
                  "retry_delay": pendulum.duration(seconds=SETTINGS.task_retry_delay_s),
                  "retry_exponential_backoff": True, "pool": WRITER_POOL},
    doc_md=__doc__,
)
def social_posts_pipeline() -> None:
    @task(outlets=[RAW_POSTS])
    def ingest() -> dict:
        from pantau import pipeline

        return pipeline.ingest()

    @task
    def build(_ingested: dict) -> dict:
        from pantau import pipeline

        return pipeline.build()

    @task(outlets=[MARTS])
    def audit(_built: dict, run_id: str | None = None) -> dict:
        from pantau import pipeline

        return pipeline.audit(run_id=run_id)

    audit(build(ingest()), run_id="{{ run_id }}")


social_posts_pipeline()
