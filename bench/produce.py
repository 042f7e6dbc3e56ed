"""Producer throughput: `pantau produce synthetic --scenario` against a bare kafka-python loop.

    .venv/bin/python bench/produce.py                   # 1,000,000 posts
    .venv/bin/python bench/produce.py --count 200000

Needs a broker (`pantau stack up`). Every contender runs in its own child process (so its peak
RSS is its own) against its own new topic (`bench.produce.<uuid>.<name>`, deleted at the end),
over the same scenario (same seed, same window, so the very same payloads):

- generate: `Scenario.serialized()`, the keyed and serialised messages the producer sends, no
  Kafka — the CPU cost of making the posts (`--only generate` for just this figure);
- dicts: `Scenario.generate()` plus the publisher's `serialize` per event — the same bytes the
  slower way (events as dicts, each encoded whole), for comparison;
- scenario: what `pantau produce synthetic --scenario default` does — generate the serialised
  messages, validate a sample against the contract and send through
  `producers.Publisher.publish_serialized` (delivery callbacks counting every message), flush;
- bare: the same payloads made beforehand (not timed; they are held in memory, which its RSS
  includes), then only `KafkaProducer.send(topic, key, value)` in a loop and one `flush()` —
  the ceiling of kafka-python on this machine.

Both Kafka contenders use the publisher's producer settings: acks=all, enable_idempotence=True,
compression_type=gzip, linger_ms=20, batch_size=256 KiB, max_in_flight_requests_per_connection=5.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pantau.connections.kafka import admin_client, ensure_topics  # noqa: E402
from pantau.settings import Settings  # noqa: E402

PRODUCER_SETTINGS: dict[str, Any] = {
    "acks": "all", "enable_idempotence": True, "compression_type": "gzip", "linger_ms": 20,
    "batch_size": 256 * 1024, "max_in_flight_requests_per_connection": 5,
}
END = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def _settings(topic: str) -> Settings:
    return Settings.from_env(topic_posts=topic, topic_dlq=f"{topic}.dlq")


def _config(count: int, seed: int) -> Any:
    from producers.scenario import ScenarioConfig

    return ScenarioConfig(count=count, seed=seed, end=END)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_generate(count: int, seed: int) -> dict[str, Any]:
    from producers.scenario import Scenario

    scenario = Scenario(_config(count, seed))
    started, cpu = time.perf_counter(), time.process_time()
    size = 0
    for _key, value in scenario.serialized():
        size += len(value)
    return {"messages": scenario.messages, "seconds": time.perf_counter() - started,
            "cpu_s": time.process_time() - cpu, "bytes": size}


def child_dicts(count: int, seed: int) -> dict[str, Any]:
    from producers.publisher import serialize
    from producers.scenario import Scenario

    scenario = Scenario(_config(count, seed))
    started, cpu = time.perf_counter(), time.process_time()
    size = 0
    for event in scenario.generate():
        size += len(serialize(event))
    return {"messages": scenario.messages, "seconds": time.perf_counter() - started,
            "cpu_s": time.process_time() - cpu, "bytes": size}


def child_scenario(count: int, seed: int, topic: str) -> dict[str, Any]:
    from producers.publisher import Publisher
    from producers.scenario import Scenario

    settings = _settings(topic)
    scenario = Scenario(_config(count, seed))
    started, cpu = time.perf_counter(), time.process_time()
    with Publisher(settings, source="bench-scenario") as publisher:
        report = publisher.publish_serialized(scenario.serialized(), progress_every=10**9)
    if not report.ok or report.sent != scenario.messages:
        raise SystemExit(f"scenario run incomplete: {report.summary()}")
    return {"messages": report.sent, "seconds": time.perf_counter() - started,
            "cpu_s": time.process_time() - cpu}


def child_bare(count: int, seed: int, topic: str) -> dict[str, Any]:
    from kafka import KafkaProducer

    from producers.scenario import Scenario

    payloads = list(Scenario(_config(count, seed)).serialized())
    settings = _settings(topic)
    producer = KafkaProducer(**settings.kafka_client_config(), **PRODUCER_SETTINGS)
    send = producer.send
    started, cpu = time.perf_counter(), time.process_time()
    for key, value in payloads:
        send(topic, key=key, value=value)
    producer.flush()
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    producer.close()
    return {"messages": len(payloads), "seconds": seconds, "cpu_s": cpu_s}


def _run_child(name: str, count: int, seed: int, topic: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", name, "--count", str(count), "--seed", str(seed),
         "--topic", topic], capture_output=True, text=True, check=False)
    if output.returncode != 0:
        raise SystemExit(f"{name} failed:\n{output.stdout}\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="posts (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=["generate", "dicts", "scenario", "bare"],
                        action="append",
                        help="run only these contenders (repeatable)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--topic", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        functions = {"generate": lambda: child_generate(args.count, args.seed),
                     "dicts": lambda: child_dicts(args.count, args.seed),
                     "scenario": lambda: child_scenario(args.count, args.seed, args.topic),
                     "bare": lambda: child_bare(args.count, args.seed, args.topic)}
        result = functions[args.child]()
        result["peak_rss_mb"] = _peak_rss_mb()
        print(json.dumps(result))
        return

    run = uuid.uuid4().hex[:8]
    names = args.only or ["generate", "dicts", "scenario", "bare"]
    topics = {name: f"bench.produce.{run}.{name}" for name in names
              if name in ("scenario", "bare")}
    for topic in topics.values():
        ensure_topics(_settings(topic))
    print(f"{args.count:,} posts, seed {args.seed}; producer settings: "
          + ", ".join(f"{k}={v}" for k, v in PRODUCER_SETTINGS.items()), flush=True)
    results: dict[str, dict[str, Any]] = {}
    try:
        for name in names:
            result = results[name] = _run_child(name, args.count, args.seed, topics.get(name, ""))
            rate = result["messages"] / result["seconds"]
            print(f"  {name:<9} {result['messages']:>10,} messages in {result['seconds']:7.1f}s "
                  f"= {rate:>9,.0f} msg/s ({args.count / result['seconds']:>9,.0f} posts/s); "
                  f"CPU {result['cpu_s']:.1f}s ({args.count / result['cpu_s']:,.0f} posts per "
                  f"CPU second); peak RSS {result['peak_rss_mb']:,.0f} MB",
                  flush=True)
    finally:
        if topics:
            client = admin_client(_settings("unused"))
            try:
                client.delete_topics([t for topic in topics.values()
                                      for t in (topic, f"{topic}.dlq")])
            finally:
                client.close()
    if "scenario" in results and "bare" in results:
        scenario, bare = results["scenario"], results["bare"]
        share = (scenario["messages"] / scenario["seconds"]) / (bare["messages"] / bare["seconds"])
        print(f"scenario path = {share:.0%} of the bare send loop's messages/s")


if __name__ == "__main__":
    main()
