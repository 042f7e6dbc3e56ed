"""
### Build marts (write-audit-publish)

Runs when `ingest_social_posts` updated the raw posts Asset: `dbt build` (seeds, staging,
intermediate, marts and their dbt tests) into the working warehouse, then the Great Expectations
audit of raw, staging and marts (results in `audit.validation_results`, Data Docs under
`<state>/gx/data_docs`), then publish: the marts are copied into a new snapshot file that
atomically replaces `PANTAU_PUBLISHED_PATH`. If the build or the audit fails, publish does not
run and the published snapshot stays exactly as it was; the run fails and an alert is recorded
in `audit.alerts` (and POSTed to `PANTAU_ALERT_WEBHOOK_URL` when set).

Publish also hands the build's notifications (the outbox) to the delivery ledger; then `notify`
sends what is due to Telegram, Slack, email, webhooks or the local sink, each event once per
channel (docs/notifications.md). A channel that fails is recorded and retried later; the task
itself fails only when the subscriptions file is wrong.

Every task but `notify` runs in the one-slot pool `duckdb_writer`; `notify` reads only the
ledger, so it never waits for nor holds the warehouse. One run at a time.
"""

from __future__ import annotations

from airflow.sdk import Asset, dag, task

from pantau.orchestration.dags import PUBLISHED_MARTS_URI, RAW_POSTS_URI, START_DATE, default_args
from pantau.settings import Settings

# Reads PANTAU_* variables only: no file, database or network access at parse time.
SETTINGS = Settings.from_env()
RAW_POSTS = Asset(name="raw_social_posts", uri=RAW_POSTS_URI)
PUBLISHED_MARTS = Asset(name="published_marts", uri=PUBLISHED_MARTS_URI)


@dag(
    schedule=[RAW_POSTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    tags=["pantau", "dbt", "gx", "publish"],
    default_args=default_args(SETTINGS),
    doc_md=__doc__,
)
def build_marts() -> None:
    @task
    def build(run_id: str | None = None) -> dict:
        from pantau.orchestration import tasks as pipeline

        return pipeline.build(run_id=run_id)

    @task
    def audit(built: dict, run_id: str | None = None) -> dict:
        from pantau.orchestration import tasks as pipeline

        return pipeline.audit(run_id=run_id, raw_watermark=built["raw_watermark"])

    @task(outlets=[PUBLISHED_MARTS])
    def publish(_audited: dict, run_id: str | None = None) -> dict:
        from pantau.orchestration import tasks as pipeline

        return pipeline.publish(run_id=run_id)

    @task(pool="default_pool")
    def notify(_published: dict) -> dict:
        from pantau.orchestration import tasks as pipeline

        return pipeline.notify()

    notify(publish(audit(build(run_id="{{ run_id }}"), run_id="{{ run_id }}"),
                   run_id="{{ run_id }}"))


build_marts()
