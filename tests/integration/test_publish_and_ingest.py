"""Producer → real Kafka → loader → real DuckDB: counts exact, invalid items kept with reasons."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pantau.exceptions import TerminalError, WarehouseLockedError
from pantau.ingest import Loader
from producers import Publisher, synthetic
from tests.support import query, read_topic

pytestmark = pytest.mark.integration


def test_what_is_read_back_equals_what_was_sent_and_invalid_items_go_to_the_dlq(settings):
    events = list(synthetic.generate(300, seed=5))
    broken = json.loads(json.dumps(events[0]))
    broken["metrics"]["likes"] = -3
    with Publisher(settings, source="test") as publisher:
        report = publisher.publish_all([*events, broken, "not an event"])
    assert (report.sent, report.dead_lettered, report.failed) == (300, 2, 0)

    sent_back = read_topic(settings, settings.topic_posts)
    assert sorted(json.loads(m.value)["event_id"] for m in sent_back) == sorted(
        e["event_id"] for e in events)
    for message in sent_back:
        event = json.loads(message.value)
        assert message.key == f"{event['platform']}:{event['post_id']}".encode()

    dead = [json.loads(m.value) for m in read_topic(settings, settings.topic_dlq)]
    assert sorted(d["reason"] for d in dead) == sorted([
        "metrics.likes must be bigger than or equal to 0",
        "event must be a JSON object, got str"])
    assert {json.dumps(d["original"], sort_keys=True) for d in dead} == {
        json.dumps(broken, sort_keys=True), json.dumps("not an event")}


def test_loader_loads_each_valid_message_once_and_rejects_the_rest_with_reasons(settings):
    events = list(synthetic.generate(500, seed=9))
    with Publisher(settings, source="test") as publisher:
        assert publisher.publish_all(events).ok
    raw = KafkaProducer(**settings.kafka_client_config(), acks="all")
    bad_payloads = [b"\xff\xfenot utf8", b'{"truncated": ', b"[]",
                    json.dumps({**events[1], "platform": "friendster"}).encode()]
    for payload in bad_payloads:
        raw.send(settings.topic_posts, payload)
    raw.send(settings.topic_posts, json.dumps(events[2]).encode())  # a producer retry: same event_id
    raw.flush()
    raw.close()

    report = Loader(settings).run()
    assert (report.loaded, report.rejected, report.duplicates) == (500, 4, 1)
    assert query(settings, "select count(*), count(distinct event_id) from raw.social_posts") == [
        (500, 500)]
    reasons = dict(query(settings, "select raw_value::varchar, error from raw.rejected_messages"))
    assert len(reasons) == 4
    assert any("not valid UTF-8" in r for r in reasons.values())
    assert any("not valid JSON" in r for r in reasons.values())
    assert any("platform must be one of" in r for r in reasons.values())

    again = Loader(settings).run()
    assert (again.loaded, again.rejected) == (0, 0)
    stored = dict(query(settings, "select partition, next_offset from ops.kafka_offsets"))
    consumer = KafkaConsumer(**settings.kafka_client_config())
    partitions = [TopicPartition(settings.topic_posts, p) for p in range(settings.topic_partitions)]
    ends = consumer.end_offsets(partitions)
    consumer.close()
    assert stored == {tp.partition: end for tp, end in ends.items() if end > 0}


def test_event_ids_already_in_raw_are_skipped_in_later_batches_and_runs(settings):
    events = list(synthetic.generate(60, seed=12))
    with Publisher(settings, source="test") as publisher:
        assert publisher.publish_all(events[:40]).ok
    small = settings.replace(ingest_batch_size=7)
    assert Loader(small).run().loaded == 40
    first = set(query(settings, "select event_id, kafka_partition, kafka_offset, ingested_at "
                                "from raw.social_posts"))
    with Publisher(settings, source="test") as publisher:  # retries of loaded events, then new
        assert publisher.publish_all(events[5:15] + events[40:]).ok
    report = Loader(small).run()
    assert (report.loaded, report.duplicates, report.rejected) == (20, 10, 0)
    assert query(settings, "select count(*), count(distinct event_id) from raw.social_posts") == [
        (60, 60)]
    # the rows loaded first are the ones kept, untouched
    assert first <= set(query(settings, "select event_id, kafka_partition, kafka_offset, "
                                        "ingested_at from raw.social_posts"))


def test_loader_resumes_from_duckdb_offsets_across_runs(settings):
    with Publisher(settings, source="test") as publisher:
        publisher.publish_all(synthetic.generate(120, seed=1))
    assert Loader(settings).run().loaded == 120
    with Publisher(settings, source="test") as publisher:
        publisher.publish_all(synthetic.generate(80, seed=2))
    assert Loader(settings).run().loaded == 80
    assert query(settings, "select count(*) from raw.social_posts") == [(200,)]


def test_a_locked_warehouse_is_a_clear_error_and_nothing_is_consumed(settings):
    with Publisher(settings, source="test") as publisher:
        publisher.publish_all(synthetic.generate(50, seed=3))
    Loader(settings).run()  # creates the tables
    with Publisher(settings, source="test") as publisher:
        publisher.publish_all(synthetic.generate(25, seed=4))
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
         "sys.stdin.read()", str(settings.warehouse_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(WarehouseLockedError) as raised:
            Loader(settings).run()
        assert str(settings.warehouse_path) in str(raised.value)
        assert "one writer" in str(raised.value)
    finally:
        holder.communicate("")
    assert Loader(settings).run().loaded == 25
    assert query(settings, "select count(*) from raw.social_posts") == [(75,)]


def test_producing_to_a_missing_topic_is_a_clear_error(settings):
    absent = f"absent.{uuid.uuid4().hex}"
    missing = settings.replace(topic_posts=absent)
    with pytest.raises(TerminalError, match=f"Topic {absent} does not exist.*pantau stack up"):
        Publisher(missing, source="test")


def test_a_failing_bulk_check_falls_back_to_python_validation_with_the_same_result(
        settings, monkeypatch):
    from pantau.ingest import bulk

    events = list(synthetic.generate(200, seed=31))
    with Publisher(settings, source="test") as publisher:
        publisher.publish_all(events)
    raw = KafkaProducer(**settings.kafka_client_config(), acks="all")
    raw.send(settings.topic_posts, b"{broken")
    raw.flush()
    raw.close()
    failing = "select *, error('simulated bulk failure') as ok from batch_raw where $now is not null"
    monkeypatch.setattr(bulk, "staging_sql", lambda: failing)
    report = Loader(settings).run()
    assert (report.loaded, report.rejected) == (200, 1)
    assert sorted(r[0] for r in query(settings, "select event_id from raw.social_posts")) == sorted(
        e["event_id"] for e in events)


def test_sigterm_mid_run_flushes_and_loses_no_acknowledged_message(settings):
    import re
    import signal as signals

    from tests.support import pantau_process

    producer = pantau_process(settings, "produce", "synthetic", "--count", "200000", "--seed", "8")
    for line in producer.stdout:
        if "sent" in line:  # the first progress line: the run is well under way
            break
    producer.send_signal(signals.SIGTERM)
    output = producer.communicate(timeout=120)[0]
    assert producer.returncode == 1, output  # interrupted runs say so in their exit code
    sent = int(re.search(r"sent (\d+)", output.split("Produced to")[-1]).group(1))
    assert 0 < sent < 200_000
    assert "interrupted" in output
    read_back = [json.loads(m.value)["event_id"] for m in read_topic(settings, settings.topic_posts)]
    assert len(read_back) == len(set(read_back)) == sent
    generated = {e["event_id"] for e in synthetic.generate(200_000, seed=8)}
    assert set(read_back) <= generated
