"""Failure alerts (audit.alerts, JSONL fallback under a held lock, webhook POST to a local
server) and the maintenance steps (retention, checkpoint, Kafka lag) on real DuckDB and Kafka."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from pantau.connections import warehouse
from pantau.ingest import Loader
from pantau.orchestration import maintenance
from pantau.orchestration.alerts import Alert, alert_from_context, fallback_path, record_alert
from producers import Publisher, synthetic
from tests.support import WebhookReceiver, query

pytestmark = pytest.mark.integration

#: Holds the warehouse's write lock until its stdin closes; prints "locked" once it holds it.
HOLD_LOCK = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.read()
"""


def an_alert(task_id: str = "audit") -> Alert:
    return Alert("build_marts", task_id, "manual__1", "BuildFailedError: audit failed",
                 datetime(2026, 1, 1, 12, 0))


def test_an_alert_is_recorded_in_the_warehouse_and_posted_to_the_webhook(settings):
    with WebhookReceiver() as webhook:
        delivery = record_alert(settings.replace(alert_webhook_url=webhook.url),
                                an_alert())
        assert webhook.received.wait(timeout=10)
    assert delivery.recorded_in == "audit.alerts" and delivery.webhook_status == 204
    assert query(settings, 'select dag_id, task_id, run_id, error, "at" from audit.alerts') == [
        ("build_marts", "audit", "manual__1", "BuildFailedError: audit failed",
         datetime(2026, 1, 1, 12, 0))]
    assert webhook.bodies == [{"dag_id": "build_marts", "task_id": "audit", "run_id": "manual__1",
                               "error": "BuildFailedError: audit failed",
                               "at": "2026-01-01T12:00:00Z", "source": "pantau"}]


def test_while_another_process_holds_the_warehouse_the_alert_goes_to_jsonl_and_says_why(
        settings, caplog):
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(settings.warehouse_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with WebhookReceiver() as webhook:
            delivery = record_alert(settings.replace(alert_webhook_url=webhook.url),
                                    an_alert("publish"))
            assert webhook.received.wait(timeout=10)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert delivery.recorded_in == str(fallback_path(settings))
    line = json.loads(fallback_path(settings).read_text().splitlines()[-1])
    assert (line["dag_id"], line["task_id"]) == ("build_marts", "publish")
    assert "locked" in line["not_in_warehouse_because"]
    assert "appended to" in caplog.text
    assert webhook.bodies[0]["task_id"] == "publish"


def test_an_unreachable_webhook_is_logged_and_does_not_raise(settings):
    delivery = record_alert(settings.replace(alert_webhook_url="http://127.0.0.1:9/x"),
                            an_alert())
    assert delivery.recorded_in == "audit.alerts"
    assert delivery.webhook_status is None and "URLError" in delivery.webhook_error


def test_alert_from_an_airflow_style_context():
    class Ti:
        dag_id, task_id, run_id = "ingest_social_posts", "ingest", "scheduled__x"

    alert = alert_from_context({"ti": Ti(), "run_id": "scheduled__x",
                                "exception": ValueError("boom")})
    assert (alert.dag_id, alert.task_id, alert.run_id, alert.error) == (
        "ingest_social_posts", "ingest", "scheduled__x", "ValueError: boom")


def test_retention_deletes_old_observations_but_keeps_the_latest_of_every_post(settings):
    with Publisher(settings, source="test") as publisher:
        publisher.publish_all(synthetic.generate(30, seed=9))
    Loader(settings).run()
    con = warehouse.connect(settings.warehouse_path)
    # three older observations of every post: 40, 50 and 60 days before its current one
    con.execute("""
        insert into raw.social_posts
        select posts.* replace (uuid()::varchar as event_id,
                          observed_at - to_days(days) as observed_at,
                          created_at - to_days(days) as created_at)
        from raw.social_posts as posts, (values (40), (50), (60)) as ages(days)
    """)
    con.close()
    latest_before = query(settings, """
        select event_id from raw.social_posts
        qualify row_number() over (partition by platform, post_id order by observed_at desc) = 1
        order by event_id""")
    settings = settings.replace(raw_retention_days=45)
    now = query(settings, "select max(observed_at) from raw.social_posts")[0][0] + timedelta(hours=1)

    outcome = maintenance.apply_retention(settings, now=now)

    assert outcome["deleted"] == 60 and outcome["remaining"] == 60  # 50 and 60 days old went
    assert query(settings, "select count(distinct (platform, post_id)) from raw.social_posts") == [
        (30,)]
    assert query(settings, "select event_id from raw.social_posts qualify row_number() over ("
                 "partition by platform, post_id order by observed_at desc) = 1 "
                 "order by event_id") == latest_before
    # a post whose only observations are all old keeps its latest one
    old_only = settings.replace(raw_retention_days=1)
    maintenance.apply_retention(old_only, now=now + timedelta(days=400))
    assert query(settings, "select count(*) from raw.social_posts") == [(30,)]
    assert maintenance.checkpoint(settings)["warehouse_bytes"] > 0


def test_the_lag_report_compares_stored_offsets_with_the_topic_end_per_partition(settings):
    with Publisher(settings, source="test") as publisher:
        publisher.publish_all(synthetic.generate(50, seed=3))
    before = maintenance.kafka_lag(settings)
    assert [r.partition for r in before] == [0, 1, 2]
    assert sum(r.lag for r in before) == 50 and all(r.stored_offset is None for r in before)

    Loader(settings).run()
    after = maintenance.kafka_lag(settings)
    assert [r.lag for r in after] == [0, 0, 0]
    assert [r.stored_offset for r in after] == [r.end_offset for r in before]
    assert query(settings, "select count(*), sum(lag) from ops.kafka_lag") == [(6, 50)]
