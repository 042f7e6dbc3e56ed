"""
### Maintenance

Daily upkeep of the working warehouse:

- `retention`: deletes raw observations older than `PANTAU_RAW_RETENTION_DAYS`, keeping the latest
  observation of every post, so no post leaves the marts;
- `checkpoint`: DuckDB `CHECKPOINT` (folds the WAL into the file, reclaims the freed blocks);
- `kafka_lag`: per partition of the posts topic, the loader's offset in `ops.kafka_offsets`
  against the topic's end offset (logged, and kept in `ops.kafka_lag`).

Every task runs in the one-slot pool `duckdb_writer`; failures raise an alert (`audit.alerts`).
"""

from __future__ import annotations

from airflow.sdk import dag, task

from pantau.orchestration.dags import START_DATE, default_args
from pantau.settings import Settings

# Reads PANTAU_* variables only: no file, database or network access at parse time.
SETTINGS = Settings.from_env()


@dag(
    schedule="@daily",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["pantau", "maintenance"],
    default_args=default_args(SETTINGS),
    doc_md=__doc__,
)
def maintenance() -> None:
    @task
    def retention() -> dict:
        from pantau.orchestration import maintenance as upkeep

        return upkeep.apply_retention(Settings.from_env())

    @task
    def checkpoint(_retained: dict) -> dict:
        from pantau.orchestration import maintenance as upkeep

        return upkeep.checkpoint(Settings.from_env())

    @task
    def kafka_lag() -> list[dict]:
        from dataclasses import asdict

        from pantau.orchestration import maintenance as upkeep

        return [{**asdict(r), "lag": r.lag} for r in upkeep.kafka_lag(Settings.from_env())]

    checkpoint(retention())
    kafka_lag()


maintenance()
