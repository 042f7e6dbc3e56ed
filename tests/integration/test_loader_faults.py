"""The loader under faults, on a real broker and real DuckDB files: kill -9, a broker restart,
malformed messages, a follow-mode run stopped by SIGTERM.

Sizes come from PANTAU_TEST_FAULT_MESSAGES (default 30000) so CI stays fast; the closing note of
the loader issue reports a run with 200000.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import time

import pytest
from kafka import KafkaProducer

from pantau.connections.kafka import ensure_topics
from pantau.settings import Settings
from producers import Publisher, synthetic
from tests.support import pantau_process, query

pytestmark = pytest.mark.integration

MESSAGES = int(os.environ.get("PANTAU_TEST_FAULT_MESSAGES", "30000"))
LOADED = re.compile(r"loaded ([\d,]+), rejected ([\d,]+)")


def produce_valid(settings: Settings, count: int, seed: int) -> list[dict]:
    events = list(synthetic.generate(count, seed=seed))
    with Publisher(settings, source="test") as publisher:
        assert publisher.publish_all(events).ok
    return events


def produce_raw(settings: Settings, payloads: list[bytes]) -> None:
    producer = KafkaProducer(**settings.kafka_client_config(), acks="all", linger_ms=20,
                             max_request_size=3 * 1024 * 1024)
    for payload in payloads:
        producer.send(settings.topic_posts, payload)
    producer.flush()
    producer.close()


def wait_for_load(process, minimum: int = 1) -> str:
    """Read the loader's output until it reports at least ``minimum`` loaded rows."""
    for line in process.stdout:
        match = LOADED.search(line)
        if match and int(match.group(1).replace(",", "")) >= minimum:
            return line
    raise AssertionError(f"loader exited ({process.wait()}) before loading {minimum} rows")


def malformed(count: int, valid: dict) -> tuple[list[bytes], dict[str, int]]:
    """``count`` broken payloads of every kind the issue names, with the expected counts."""
    kinds = {
        "bad JSON": lambda i: b'{"event_id": "%d", ' % i,
        "wrong types": lambda i: json.dumps({**valid, "post_id": i, "event_id": _uuid(i)}).encode(),
        "missing fields": lambda i: json.dumps({"event_id": _uuid(i), "text": "halo"}).encode(),
        "invalid UTF-8": lambda i: b'{"text": "\xc3\x28 %d"}' % i,
        "NUL bytes": lambda i: json.dumps({**valid, "event_id": _uuid(i),
                                           "text": f"laporan\x00{i}"}).encode(),
        "year 9999": lambda i: json.dumps({**valid, "event_id": _uuid(i),
                                           "observed_at": "9999-12-31T23:59:59Z"}).encode(),
        "schema_version": lambda i: json.dumps({**valid, "event_id": _uuid(i),
                                                "schema_version": 2}).encode(),
        "1 MB text": lambda i: json.dumps({**valid, "event_id": _uuid(i),
                                           "text": "viral " * 180_000}).encode(),
    }
    sizes = {kind: (count - 20) // 7 for kind in kinds}
    sizes["1 MB text"] = 20
    sizes["bad JSON"] += count - sum(sizes.values())
    payloads = [build(i) for kind, build in kinds.items() for i in range(sizes[kind])]
    return payloads, sizes


def _uuid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def test_loader_killed_ten_times_then_finishing_loads_each_message_exactly_once(settings):
    events = produce_valid(settings, MESSAGES, seed=101)
    invalid = [b"not json %d" % i for i in range(MESSAGES // 50)]
    produce_raw(settings, invalid)
    kills = 0
    rng = random.Random(7)
    while kills < 10:
        loader = pantau_process(settings, "ingest", "--progress-every", "0",
                                PANTAU_INGEST_BATCH_SIZE="300")
        try:
            wait_for_load(loader)
        except AssertionError:
            break  # finished before it could be killed: the assertion below reports it
        time.sleep(rng.uniform(0, 0.25))  # a random moment inside the ingest, not a sync point
        loader.send_signal(signal.SIGKILL)
        loader.wait()
        kills += 1
        loaded, = query(settings, "select count(*) from raw.social_posts")[0]
        assert loaded < MESSAGES, "the loader finished before the tenth kill; produce more"
    assert kills == 10

    final = pantau_process(settings, "ingest")
    output = final.communicate()[0]
    assert final.returncode == 0, output
    assert query(settings, "select count(*), count(distinct event_id) from raw.social_posts") == [
        (MESSAGES, MESSAGES)]
    assert {row[0] for row in query(settings, "select event_id from raw.social_posts")} == {
        e["event_id"] for e in events}
    assert query(settings, "select count(*), count(distinct (kafka_partition, kafka_offset)) "
                           "from raw.rejected_messages") == [(len(invalid), len(invalid))]


def test_broker_restart_mid_ingest_is_waited_out_with_a_clear_log_line(second_broker):
    settings = second_broker.settings
    second_broker.up(say=lambda _: None)
    ensure_topics(settings)
    produce_valid(settings, MESSAGES, seed=202)
    # The smallest fetch: what the loader already fetched when the broker stops (it goes on
    # loading that) is a small part of the topic, so the outage is met mid-ingest.
    loader = pantau_process(settings, "ingest", "--progress-every", "0",
                            PANTAU_INGEST_BATCH_SIZE="300",
                            PANTAU_INGEST_FETCH_BYTES=str(1024 * 1024))
    wait_for_load(loader)
    second_broker.down()
    seen = []
    for line in loader.stdout:
        seen.append(line)
        if "is unreachable; waiting and retrying" in line:
            break
    else:
        raise AssertionError(f"the loader exited ({loader.wait()}) instead of waiting:\n"
                             + "".join(seen[-40:]))
    second_broker.up(say=lambda _: None)
    rest = loader.communicate(timeout=300)[0]
    assert loader.returncode == 0, rest
    assert "answers again; loading resumes" in rest
    assert query(settings, "select count(*), count(distinct event_id) from raw.social_posts") == [
        (MESSAGES, MESSAGES)]


def test_ten_thousand_malformed_messages_are_rejected_with_reasons_and_valid_ones_load(settings):
    valid = produce_valid(settings, 5000, seed=303)
    payloads, sizes = malformed(10_000, valid[0])
    produce_raw(settings, payloads)
    produce_valid(settings, 5000, seed=304)
    loader = pantau_process(settings, "ingest")
    output = loader.communicate()[0]
    assert loader.returncode == 0, output
    assert query(settings, "select count(*) from raw.social_posts") == [(10_000,)]
    reasons = [r[0] for r in query(settings, "select error from raw.rejected_messages")]
    assert len(reasons) == 10_000
    expected = {
        "bad JSON": "not valid JSON", "wrong types": "post_id must be string",
        "missing fields": "missing required fields", "invalid UTF-8": "not valid UTF-8",
        "NUL bytes": "NUL character", "year 9999": "observed_at is in the future",
        "schema_version": "schema_version must be same as const definition: 1",
        "1 MB text": "text must be shorter than or equal to 100000 characters",
    }
    for kind, words in expected.items():
        assert sum(words in r for r in reasons) == sizes[kind], kind
    originals = query(settings, "select octet_length(raw_value) from raw.rejected_messages "
                                "where error like 'text must be shorter%'")
    assert all(size[0] > 1_000_000 for size in originals)


def test_follow_mode_loads_as_messages_arrive_and_stops_cleanly_on_sigterm(settings):
    loader = pantau_process(settings, "ingest", "--follow", "--progress-every", "0.2",
                            PANTAU_INGEST_COMMIT_INTERVAL_S="1")
    produce_valid(settings, 1000, seed=404)
    wait_for_load(loader, 1000)
    produce_valid(settings, 500, seed=405)
    wait_for_load(loader, 1500)
    loader.send_signal(signal.SIGTERM)
    rest = loader.communicate(timeout=60)[0]
    assert loader.returncode == 0, rest
    assert "SIGTERM: finishing the current batch, then stopping" in rest
    assert "loaded 1500" in rest
    assert query(settings, "select count(*) from raw.social_posts") == [(1500,)]
