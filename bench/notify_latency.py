"""From the Kafka ack of the post that tips a spike to its notification leaving Pantau.

    .venv/bin/python bench/notify_latency.py --rate 200 --seconds 300

Continuous mode as in ``bench/pipeline.py``: a producer thread sends a seeded scenario (with
planted negative issues) at ``--rate`` messages/s, in the order the generator makes them, and
records when Kafka acknowledged each half-second batch; the loop runs what the DAGs run back to
back — drain Kafka (the loader), build (which writes the outbox), audit, publish (which hands the
outbox to the ledger), notify (to the local sink). Prints figures, not pass/fail.

Which post "tips" a spike is not recorded anywhere, but it is one of the posts the cycle that
first announced the spike loaded (the cycle before did not see the spike). So each notification
gets two latencies, from its ``sent_at`` in the ledger back to the Kafka ack of

* the **earliest** post that cycle loaded (an upper bound: the tipping post waited longest), and
* the **latest** post that cycle loaded (a lower bound),

and both are reported as p50 and p95 over the ``spike_opened`` notifications.

Needs a broker (`pantau stack up`).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import logging
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pantau.connections import warehouse
from pantau.connections.kafka import ensure_topics, wait_for_broker
from pantau.ingest import Loader
from pantau.orchestration import tasks as pipeline
from pantau.settings import Settings
from producers import Publisher
from producers.scenario import Scenario, ScenarioConfig


def _raw_rows(settings: Settings) -> int:
    if not settings.warehouse_path.exists():
        return 0
    con = warehouse.connect(settings.warehouse_path)
    try:
        warehouse.ensure_raw(con)
        return int(warehouse.scalar(con, "select count(*) from raw.social_posts"))
    finally:
        con.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * share + 0.5) - 1))]


def run(settings: Settings, *, rate: int, seconds: float, seed: int) -> None:
    count = int(rate * seconds)
    scenario = Scenario(ScenarioConfig(count=count, seed=seed, days=2.0,
                                       events=max(4, count // 4000), negative_share=0.8))
    messages = list(scenario.serialized())
    batch = max(1, rate // 2)
    acked: list[tuple[int, float]] = []  # (messages acknowledged so far, wall time)
    done = threading.Event()

    def produce() -> None:
        stream = iter(messages)
        with Publisher(settings, source="bench-notify") as publisher:
            while chunk := list(itertools.islice(stream, batch)):
                tick = time.monotonic()
                publisher.publish_serialized(chunk, progress_every=10**12)
                publisher.flush()
                acked.append((publisher.report.sent, time.time()))
                time.sleep(max(0.0, 0.5 - (time.monotonic() - tick)))  # pacing the producer
        done.set()

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    cycles: list[tuple[str, int, int, float]] = []  # run id, raw before, raw after, seconds
    while True:
        started = time.monotonic()
        before = _raw_rows(settings)
        Loader(settings).run()
        after = _raw_rows(settings)
        run_id = f"bench-{len(cycles)}"
        pipeline.build_audit_publish(settings, run_id=run_id, say=lambda _m: None)
        cycles.append((run_id, before, after, time.monotonic() - started))
        if done.is_set() and after >= len(messages):
            break
    producer.join()

    ledger = sqlite3.connect(settings.notify_ledger_path)
    sent = ledger.execute("select build_id, sent_at from deliveries "
                          "where kind = 'spike_opened' and status = 'sent'").fetchall()
    ledger.close()
    counts = [n for n, _at in acked]
    by_run = {run_id: (before, after) for run_id, before, after, _s in cycles}
    upper: list[float] = []
    lower: list[float] = []
    for build_id, sent_at in sent:
        before, after = by_run[build_id]
        first = bisect.bisect_right(counts, before)  # the first batch beyond what was loaded
        last = bisect.bisect_right(counts, after) - 1
        if first >= len(acked) or last < 0:
            continue
        at = datetime.fromisoformat(sent_at.replace("Z", "+00:00")).astimezone(UTC).timestamp()
        upper.append(at - acked[first][1])
        lower.append(at - acked[max(first, last)][1])
    seconds_per_cycle = [s for *_rest, s in cycles]
    print(f"== {len(messages):,} scenario messages at {rate}/s; {len(cycles)} cycles "
          f"(load -> build -> audit -> publish -> notify), each "
          f"{statistics.mean(seconds_per_cycle):.1f} s on average "
          f"(max {max(seconds_per_cycle):.1f}) ==")
    if not upper:
        print("no spike_opened notification was sent (too few planted issues for this length?)")
        return
    print(f"spike_opened notifications: {len(upper)}")
    print(f"Kafka ack of the earliest post of the announcing cycle -> sent: "
          f"p50 {_percentile(upper, 0.5):.1f} s, p95 {_percentile(upper, 0.95):.1f} s, "
          f"max {max(upper):.1f} s (upper bound)")
    print(f"Kafka ack of the latest post of the announcing cycle -> sent: "
          f"p50 {_percentile(lower, 0.5):.1f} s, p95 {_percentile(lower, 0.95):.1f} s "
          "(lower bound)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=200, help="messages/s in continuous mode")
    parser.add_argument("--seconds", type=float, default=300, help="how long to produce")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    base = Settings.from_env()
    wait_for_broker(base, timeout_s=10)
    run_name = uuid.uuid4().hex[:8]
    state = Path(tempfile.mkdtemp(prefix="pantau-bench-notify-"))
    settings = Settings.from_env({**base.environment(), "PANTAU_STATE_DIR": str(state)},
                                 topic_posts=f"bench.{run_name}.posts",
                                 topic_dlq=f"bench.{run_name}.dlq",
                                 consumer_group=f"bench-{run_name}",
                                 warehouse_path=state / "warehouse.duckdb",
                                 published_path=state / "published.duckdb",
                                 airflow_home=state / "airflow",
                                 notify_ledger_path=state / "notify" / "ledger.sqlite3",
                                 notify_sink_path=state / "notify" / "sink.jsonl",
                                 notify_lookback_hours=72, pg_publish=False)
    ensure_topics(settings)
    run(settings, rate=args.rate, seconds=args.seconds, seed=args.seed)
    print(f"state: {state}")


if __name__ == "__main__":
    main()
