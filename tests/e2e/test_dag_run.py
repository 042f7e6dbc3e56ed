"""Whole Airflow DAG runs (`airflow dags test`) on real Kafka, DuckDB, dbt and GX.

`airflow dags test` runs one DAG; it does not follow Asset triggers, so the demo (which these
tests run, on a small scenario) runs `ingest_social_posts` and then `build_marts`, as the
scheduler would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pantau.connections import warehouse
from pantau.connections.postgres import reader_count
from pantau.exceptions import BuildFailedError
from pantau.local import airflow as airflow_local
from pantau.local.demo import run_demo
from pantau.publish.snapshot import snapshot_tables
from pantau.settings import Settings
from producers.scenario.demo import produce_scenario
from tests.serving_snapshot import write_snapshot
from tests.support import (
    CORRUPT_RAW_ROWS,
    OVERLONG_TEXT_ROWS,
    REMOVE_CORRUPTED_ROWS,
    WebhookReceiver,
    isolated_settings,
    query,
    sha256,
)

pytestmark = pytest.mark.e2e

POSTS = 400


@pytest.fixture(scope="module")
def webhook():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def ran(kafka_broker: Settings, postgres_server, tmp_path_factory, webhook) -> Settings:
    """`pantau demo` on this module's own topic: a small scenario, then both DAGs."""
    state = tmp_path_factory.mktemp("dags") / "state"
    settings = isolated_settings(kafka_broker, state, task_retries=0,
                                 alert_webhook_url=webhook.url)
    lines: list[str] = []
    assert run_demo(settings, count=POSTS, seed=77, produce=produce_scenario,
                    say=lines.append) == 0, "\n".join(lines)
    (state / "demo.out").write_text("\n".join(lines))
    return settings


def test_the_demo_runs_both_dags_and_ends_with_the_summary(ran):
    out = (ran.state_dir / "demo.out").read_text()
    for step in ("[1/5] Kafka", "[2/5] Producing a synthetic scenario of 400 posts",
                 "[4/5] Airflow: DAG ingest_social_posts", "[5/5] Airflow: DAG build_marts",
                 "Top viral posts (marts.mart_viral_posts):",
                 "Issue alerts, open first, and response times (marts.mart_issue_alerts):",
                 "OK exactly once: ", "posts produced -> 400 rows of ", "none twice",
                 "pantau serve", "pantau sql", "OK PostgreSQL: 400 rows of marts.fct_posts",
                 "psql \"host=", "Report (PDF, ", "pantau report --polres "):
        assert step in out, f"{step!r} missing from the demo's output:\n{out}"
    # the notify task delivered the week's events to the local sink (no channel declared)
    delivered = int(out.split("Notifications: ", 1)[1].split(" delivered", 1)[0].replace(",", ""))
    sink = ran.notify_sink_path.read_text(encoding="utf-8").splitlines()
    assert delivered == len(sink) > 0 and "to the local sink" in out
    pdf = Path(out.split("Report (PDF, ")[1].split("): ", 1)[1].splitlines()[0])
    assert pdf.is_relative_to(ran.reports_dir / "week") and pdf.stat().st_size > 10_000
    ingest_log = (ran.state_dir / "logs" / "ingest_social_posts.log").read_text()
    assert "end task task_id=ingest" in ingest_log
    build_log = (ran.state_dir / "logs" / "build_marts.log").read_text()
    for task_id in ("build", "audit", "publish", "notify"):
        assert f"end task task_id={task_id}" in build_log


def test_the_build_dag_publishes_exactly_the_audited_marts(ran):
    suites = dict(query(ran, "select suite_name, success from audit.validation_results"))
    assert suites and all(suites.values()), suites
    assert {"raw.social_posts", "raw.social_posts.invariants", "staging.stg_social_posts",
            "staging.stg_social_posts.invariants", "marts.mart_polres_engagement_daily"} <= set(
        suites)
    assert (ran.state_dir / "gx" / "data_docs" / "index.html").exists()
    assert query(ran, "select count(distinct (platform, post_id)) from raw.social_posts") == [
        (POSTS,)]

    published = snapshot_tables(ran.published_path)
    in_warehouse = dict(query(ran, """
        select table_name, estimated_size from duckdb_tables() where schema_name = 'marts'"""))
    assert published == in_warehouse and published
    con = warehouse.connect(ran.published_path, read_only=True)
    try:
        schemas = {row[0] for row in con.execute(
            "select distinct table_schema from information_schema.tables").fetchall()}
    finally:
        con.close()
    assert schemas == {"marts"}
    assert query(ran, "select target, success, tables from audit.publish_log order by target") == [
        ("duckdb", True, len(published)), ("postgres", True, len(published))]
    # BI tools' copy: PostgreSQL holds the same rows, as the read-only role sees them
    assert reader_count(ran, "marts.fct_posts") == published["fct_posts"]
    assert reader_count(ran, "marts.mart_issue_alerts") == published["mart_issue_alerts"]


def test_the_maintenance_dag_keeps_every_post_and_reports_no_lag(ran):
    posts_before = query(ran, "select count(distinct (platform, post_id)) from raw.social_posts")
    log = airflow_local.test_dag(ran, "maintenance").read_text()
    for task_id in ("retention", "checkpoint", "kafka_lag"):
        assert f"end task task_id={task_id}" in log
    assert query(ran, "select count(distinct (platform, post_id)) from raw.social_posts") == (
        posts_before)
    assert query(ran, "select count(*), sum(lag) from ops.kafka_lag") == [(3, 0)]


def test_the_reports_dag_makes_the_last_complete_day_and_week_once(ran, tmp_path):
    """The `reports` DAG on a published snapshot: the reports of the last complete day and ISO
    week for each Polda and Polres with a mention or an alert, and a manifest per period. (The
    serving tests' snapshot, nine units, kept in step with the marts' contract by
    tests/unit/test_serving.py: the demo's has about fifty a day, a minute of printing.)"""
    small = ran.replace(published_path=tmp_path / "published.duckdb",
                        reports_dir=tmp_path / "reports")
    write_snapshot(small.published_path)  # ten days, 2026-11-13 to 2026-11-22
    log = airflow_local.test_dag(small, "reports").read_text()
    for task_id in ("daily", "weekly"):
        assert f"end task task_id={task_id}" in log
    con = warehouse.connect(small.published_path, read_only=True)
    try:
        units = sorted(row[0] for row in con.execute(
            "select unit_id from marts.dim_police_units where unit_level in ('polda', 'polres')"
        ).fetchall())
    finally:
        con.close()
    # the newest day, Sunday 22, may still be filling: the last complete day is Saturday 21,
    # the last complete ISO week the one that ended on Sunday 15
    for folder in (small.reports_dir / "day" / "2026-11-21",
                   small.reports_dir / "week" / "2026-W46"):
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["units"] == units, folder
        assert sorted(p.stem for p in folder.glob("*.pdf")) == units
        assert manifest["pages"] == 3 * len(units) + sum(u.startswith("polda_") for u in units)
    assert not list(ran.reports_dir.glob("*/*/manifest.json")), (
        "the reports went to the run's own folder only")  # (the demo made one by hand there)


@pytest.mark.parametrize(("corruption", "failing_task", "caught_by"), [
    (CORRUPT_RAW_ROWS, "build", "dbt build failed: "),
    (OVERLONG_TEXT_ROWS, "audit", "Data-quality audit failed"),
], ids=["negative-metrics-caught-by-dbt-tests", "overlong-text-caught-by-the-gx-audit"])
def test_a_corrupted_raw_batch_fails_the_build_run_and_keeps_the_published_snapshot(
        ran, webhook, corruption, failing_task, caught_by):
    """Rows written into raw behind the loader's back: the run fails at the first gate that
    catches them (dbt's tests, else the GX audit), publish never runs, the snapshot's bytes do
    not change, and the failure raises an alert (warehouse row and webhook POST)."""
    before = sha256(ran.published_path)
    publishes = query(ran, "select count(*) from audit.publish_log")
    alerts_before = len(webhook.bodies)
    con = warehouse.connect(ran.warehouse_path)
    con.execute(corruption)
    con.close()
    try:
        with pytest.raises(BuildFailedError, match="DAG build_marts failed"):
            airflow_local.test_dag(ran, "build_marts")
    finally:
        con = warehouse.connect(ran.warehouse_path)
        con.execute(REMOVE_CORRUPTED_ROWS)
        con.close()

    assert sha256(ran.published_path) == before
    assert query(ran, "select count(*) from audit.publish_log") == publishes  # no publish
    dag_id, task_id, error = query(ran, 'select dag_id, task_id, error from audit.alerts '
                                        'order by "at" desc limit 1')[0]
    assert (dag_id, task_id) == ("build_marts", failing_task)
    assert caught_by in error
    if failing_task == "audit":
        failed = dict(query(ran, """select suite_name, failures from audit.validation_results
                                    where not success"""))
        assert set(failed) == {"raw.social_posts", "raw.social_posts.invariants"}, failed
        assert any("text_too_long" in f for f in json.loads(failed["raw.social_posts.invariants"]))
        assert any("value_lengths_to_be_between(text)" in f
                   for f in json.loads(failed["raw.social_posts"]))
    assert webhook.wait_for(alerts_before + 1, timeout_s=30)
    assert (webhook.bodies[-1]["dag_id"], webhook.bodies[-1]["task_id"]) == (
        "build_marts", failing_task)


def test_a_failing_task_fails_the_dag_run_and_the_alert_falls_back_to_jsonl(ran, tmp_path):
    """The warehouse path is unusable (a directory): the ingest task fails, so does the run, and
    the alert, which cannot go to the warehouse either, lands in <state>/alerts.jsonl. (The same
    Airflow home as the other tests: setting one up costs half a minute.)"""
    broken = ran.replace(warehouse_path=tmp_path / "warehouse.duckdb")
    broken.warehouse_path.mkdir()  # a directory where the DuckDB file should be
    with pytest.raises(BuildFailedError, match="DAG ingest_social_posts failed"):
        airflow_local.test_dag(broken, "ingest_social_posts")
    lines = (broken.state_dir / "alerts.jsonl").read_text().splitlines()
    alert = json.loads(lines[-1])
    assert (alert["dag_id"], alert["task_id"]) == ("ingest_social_posts", "ingest")
    assert alert["not_in_warehouse_because"]
