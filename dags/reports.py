"""
### Reports

Runs when `build_marts` published a new snapshot (the `published_marts` Asset). The `daily`
task makes the HTML and PDF reports of the last complete day of the data for every Polda and
Polres with a mention or an issue alert that day, and the `weekly` task those of the last
complete ISO week, each into
`PANTAU_REPORTS_DIR/<period>/<day or week>/<unit_id>.{html,pdf}` (docs/reports.md). A period whose
`manifest.json` exists was made already and is skipped, so each day's and each week's reports are
made once; trigger the DAG by hand with `force` set to make them again over the same files.
Email subscriptions with `reports: [daily, weekly]` then get them, PDF attached, once per report
and channel (docs/notifications.md).

The tasks only read the published snapshot (read-only), so they run outside the `duckdb_writer`
pool and never hold up a build. Failures raise an alert (`audit.alerts`).
"""

from __future__ import annotations

from airflow.sdk import Asset, Param, dag, get_current_context, task

from pantau.orchestration.dags import PUBLISHED_MARTS_URI, READER_POOL, START_DATE, default_args
from pantau.settings import Settings

# Reads PANTAU_* variables only: no file, database or network access at parse time.
SETTINGS = Settings.from_env()
PUBLISHED_MARTS = Asset(name="published_marts", uri=PUBLISHED_MARTS_URI)


@dag(
    schedule=[PUBLISHED_MARTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["pantau", "reports"],
    default_args={**default_args(SETTINGS), "pool": READER_POOL},
    params={"force": Param(False, type="boolean",
                           description="make the period's reports again, over the same files")},
    doc_md=__doc__,
)
def reports() -> None:
    @task
    def daily() -> dict:
        from pantau.orchestration import tasks as pipeline

        force = bool(get_current_context()["params"].get("force"))
        return pipeline.reports(period="day", force=force)

    @task
    def weekly(_daily: dict) -> dict:
        from pantau.orchestration import tasks as pipeline

        force = bool(get_current_context()["params"].get("force"))
        return pipeline.reports(period="week", force=force)

    weekly(daily())


reports()
