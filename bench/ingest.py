"""Loader throughput and memory against a bare consume loop and dlt, on one topic, in one run.

    .venv/bin/python bench/ingest.py --count 1000000            # all three
    .venv/bin/python bench/ingest.py --count 5000000 --only loader

Needs a broker (`pantau stack up`). The topic `bench.ingest.<count>` is produced once (synthetic
posts, gzip as the publisher sends them) and reused by later runs. Each contender runs in its own
child process, from the beginning of the topic to its end offsets, and reports posts/s and its
peak RSS:

- bare: kafka-python consume + `json.loads` of every value, nothing else (the ceiling);
- loader: `pantau.ingest.Loader` into a new DuckDB file (validate, Arrow, one transaction per
  batch with the offsets);
- dlt: a dlt pipeline into DuckDB whose resource reads Kafka the way dlt's verified Kafka source
  does (confluent-kafka `consume` batches, JSON values, `_kafka` metadata). dlt is not a project
  dependency: it is installed into its own virtual environment under `<state>/bench/dlt-venv`.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from pantau.connections.kafka import admin_client
from pantau.settings import Settings

HERE = Path(__file__).resolve().parent
DLT_REQUIREMENTS = ["dlt[duckdb]==1.31.0", "confluent-kafka==2.16.1"]


def topic_size(settings: Settings, topic: str) -> int:
    consumer = KafkaConsumer(**settings.kafka_client_config())
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in partitions]
        if not tps:
            return 0
        ends = consumer.end_offsets(tps)
        starts = consumer.beginning_offsets(tps)
        return sum(ends[tp] - starts[tp] for tp in tps)
    finally:
        consumer.close()


def produce(settings: Settings, topic: str, count: int) -> None:
    from producers import synthetic
    from producers.publisher import serialize

    client = admin_client(settings)
    if topic not in client.list_topics():
        client.create_topics([NewTopic(topic, num_partitions=settings.topic_partitions,
                                       replication_factor=1,
                                       topic_configs={"retention.ms": "-1",
                                                      "max.message.bytes": "2097152"})])
    client.close()
    producer = KafkaProducer(**settings.kafka_client_config(), acks=1, linger_ms=50,
                             batch_size=1024 * 1024, compression_type="gzip")
    started = time.perf_counter()
    for i, event in enumerate(synthetic.generate(count, seed=count), start=1):
        producer.send(topic, key=f"{event['platform']}:{event['post_id']}".encode(),
                      value=serialize(event))
        if i % 200_000 == 0:
            print(f"  … produced {i:,} ({i / (time.perf_counter() - started):,.0f}/s)", flush=True)
    producer.flush()
    producer.close()


def measure_bare(settings: Settings, topic: str) -> dict:
    consumer = KafkaConsumer(**settings.kafka_client_config(), enable_auto_commit=False,
                             max_poll_records=5000, fetch_max_bytes=64 * 1024 * 1024,
                             max_partition_fetch_bytes=8 * 1024 * 1024)
    tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    ends = consumer.end_offsets(tps)
    count = 0
    started = time.perf_counter()
    while any(consumer.position(tp) < end for tp, end in ends.items()):
        for records in consumer.poll(timeout_ms=500, max_records=5000).values():
            for record in records:
                json.loads(record.value)
                count += 1
    seconds = time.perf_counter() - started
    consumer.close()
    return {"count": count, "seconds": seconds}


def measure_loader(settings: Settings, topic: str) -> dict:
    from pantau.ingest import Loader

    state = Path(tempfile.mkdtemp(prefix="pantau-bench-ingest-"))
    run = Settings.from_env({**settings.environment(), "PANTAU_STATE_DIR": str(state)},
                            topic_posts=topic, consumer_group=f"bench-{time.time_ns()}",
                            warehouse_path=state / "warehouse.duckdb")
    started = time.perf_counter()
    report = Loader(run).run()
    seconds = time.perf_counter() - started
    return {"count": report.loaded + report.rejected, "seconds": seconds,
            "warehouse_mb": (state / "warehouse.duckdb").stat().st_size / 2**20}


def dlt_python(settings: Settings) -> Path:
    venv = settings.state_dir / "bench" / "dlt-venv"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if not marker.exists():
        print(f"  installing {', '.join(DLT_REQUIREMENTS)} into {venv} …", flush=True)
        uv = Path(sys.executable).with_name("uv")
        subprocess.run([str(uv), "venv", "-q", "-p", sys.executable, str(venv)], check=True)
        subprocess.run([str(uv), "pip", "install", "-q", "--python", str(python),
                        *DLT_REQUIREMENTS], check=True)
        marker.touch()
    return python


def child(kind: str, settings: Settings, topic: str) -> dict:
    """Run one contender in a child process; return its figures with its peak RSS."""
    if kind == "dlt":
        command = [str(dlt_python(settings)), str(HERE / "dlt_kafka.py"),
                   "--bootstrap", settings.kafka_bootstrap_servers, "--topic", topic]
    else:
        command = [sys.executable, __file__, "--child", kind, "--topic", topic]
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"error": (out.stderr or out.stdout).strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--topic", help="an existing topic to read (default: bench.ingest.COUNT)")
    parser.add_argument("--only", choices=["bare", "loader", "dlt"], action="append")
    parser.add_argument("--child", choices=["bare", "loader"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    settings = Settings.from_env()

    if args.child:
        measure = measure_bare if args.child == "bare" else measure_loader
        result = measure(settings, args.topic)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["peak_rss_mb"] = usage.ru_maxrss / 1024
        result["cpu_s"] = usage.ru_utime + usage.ru_stime
        print(json.dumps(result))
        return

    topic = args.topic or f"bench.ingest.{args.count}"
    waiting = topic_size(settings, topic)
    if waiting < args.count:
        print(f"Producing {args.count:,} posts to {topic} (once; later runs reuse it)…", flush=True)
        produce(settings, topic, args.count - waiting)
        waiting = topic_size(settings, topic)
    print(f"{waiting:,} messages waiting in {topic}")
    results = {}
    for kind in args.only or ["bare", "loader", "dlt"]:
        print(f"  running {kind} …", flush=True)
        results[kind] = child(kind, settings, topic)
    print(f"\n{'contender':<10} {'messages':>10} {'seconds':>8} {'posts/s':>9} {'peak RSS':>10}"
          f" {'CPU s':>7}")
    for kind, r in results.items():
        if "error" in r:
            print(f"{kind:<10} failed: {r['error']}")
            continue
        print(f"{kind:<10} {r['count']:>10,} {r['seconds']:>8.1f} {r['count'] / r['seconds']:>9,.0f}"
              f" {r['peak_rss_mb']:>7,.0f} MiB {r.get('cpu_s', float('nan')):>7.1f}")
    ok = {k: r for k, r in results.items() if "error" not in r}
    if "loader" in ok and "bare" in ok:
        ratio = (ok["loader"]["count"] / ok["loader"]["seconds"]) / (
            ok["bare"]["count"] / ok["bare"]["seconds"])
        print(f"\nloader / bare consume loop: {ratio:.0%} (target: at least 70%)")
    if "loader" in ok and "dlt" in ok:
        ratio = (ok["loader"]["count"] / ok["loader"]["seconds"]) / (
            ok["dlt"]["count"] / ok["dlt"]["seconds"])
        print(f"loader / dlt: {ratio:.2f}x")


if __name__ == "__main__":
    main()
