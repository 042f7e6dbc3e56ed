"""A small scenario through the real publisher and broker: exactly what was generated arrives."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from kafka import KafkaConsumer
from kafka.partitioner.default import murmur2

from pantau.contract import message_key
from pantau.settings import Settings
from producers.publisher import serialize
from producers.scenario import Scenario, read_truth
from producers.scenario import cli as scenario_cli
from tests.support import read_topic


def _args(tmp_path: Path, **overrides: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=None)
    scenario_cli.add_arguments(parser)
    args = parser.parse_args(["--scenario", "default", "--count", "300", "--seed", "5",
                              "--days", "2", "--end", "2025-05-01T12:00Z",
                              "--truth-dir", str(tmp_path / "truth")])
    for name, value in overrides.items():
        setattr(args, name, value)
    return args


def test_scenario_publish_sends_exactly_the_generated_events_and_writes_truth(
        settings: Settings, tmp_path: Path) -> None:
    args = _args(tmp_path)
    said: list[str] = []
    assert scenario_cli.run(args, settings, said.append) == 0

    expected = list(Scenario(scenario_cli.config_from_args(args)).generate())
    messages = read_topic(settings, settings.topic_posts)
    assert Counter((m.key, m.value) for m in messages) == Counter(
        (message_key(e), serialize(e)) for e in expected)
    assert read_topic(settings, settings.topic_dlq) == []
    # all observations of a post share a partition, in observation order
    by_post: dict[bytes, list[bytes]] = {}
    for message in sorted(messages, key=lambda m: (m.partition, m.offset)):
        by_post.setdefault(message.key, []).append(message.value)
    for event in expected:
        assert by_post[message_key(event)].pop(0) == serialize(event)
    # the partition the default partitioner (murmur2 of the key, as Java's) chooses
    consumer = KafkaConsumer(**settings.kafka_client_config())
    partitions = sorted(consumer.partitions_for_topic(settings.topic_posts))
    consumer.close()
    assert len(partitions) > 1
    for message in messages:
        assert message.partition == (murmur2(message.key) & 0x7FFFFFFF) % len(partitions)

    truth_files = list((tmp_path / "truth").glob("*.jsonl"))
    assert [f.name for f in truth_files] == ["scenario-20250501T1200Z-seed5-n300.jsonl"]
    truth = read_truth(truth_files[0])
    assert len(truth.posts) == 300 and truth.summary is not None
    assert truth.summary["complete"] and truth.summary["messages"] == len(expected)
    assert any("Ground truth" in line for line in said)


def test_publish_serialized_dead_letters_a_sampled_invalid_message_and_sends_the_rest(
        settings: Settings) -> None:
    import json
    from datetime import UTC, datetime

    from producers.publisher import Publisher
    from producers.scenario import ScenarioConfig

    config = ScenarioConfig(count=40, seed=3, end=datetime(2025, 5, 1, 12, tzinfo=UTC))
    messages = list(Scenario(config).serialized())
    broken = json.loads(messages[2][1])
    broken["platform"] = "friendster"
    messages[2] = (messages[2][0], json.dumps(broken).encode())
    with Publisher(settings, source="test-scenario") as publisher:
        report = publisher.publish_serialized(messages, check_every=2)  # checks 0, 2, 4, …
    assert (report.sent, report.dead_lettered, report.failed) == (len(messages) - 1, 1, 0)
    sent = read_topic(settings, settings.topic_posts)
    assert Counter((m.key, m.value) for m in sent) == Counter(messages[:2] + messages[3:])
    [dead] = [json.loads(m.value) for m in read_topic(settings, settings.topic_dlq)]
    assert dead["field"] == "platform" and dead["reason"].startswith("platform must be one of")
    assert json.loads(dead["original"]) == broken and dead["source"] == "test-scenario"
