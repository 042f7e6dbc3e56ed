"""Throughput of the walking skeleton, stage by stage, on a real broker and a real DuckDB file.

    .venv/bin/python bench/pipeline.py --count 100000

Prints posts/s for: generating + serialising synthetic posts; `Publisher` (validate, key, send
with acks=all and idempotence); the loader (`pantau ingest`: consume, validate, bulk insert with
offsets in one transaction); and `dbt build`. Uses its own topics and a temporary warehouse; needs
a broker (`pantau stack up`). Figures, not pass/fail: targets live in the issues.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from pathlib import Path

from pantau.ingest import Loader
from pantau.kafka import ensure_topics, wait_for_broker
from pantau.settings import Settings
from pantau.transform import dbt_build
from producers import Publisher, synthetic
from producers.publisher import serialize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()

    base = Settings.from_env()
    wait_for_broker(base, timeout_s=10)
    run = uuid.uuid4().hex[:8]
    state = Path(tempfile.mkdtemp(prefix="pantau-bench-"))
    settings = Settings.from_env({**base.environment(), "PANTAU_STATE_DIR": str(state)},
                                 topic_posts=f"bench.{run}.posts", topic_dlq=f"bench.{run}.dlq",
                                 consumer_group=f"bench-{run}",
                                 warehouse_path=state / "warehouse.duckdb")
    ensure_topics(settings)
    n = args.count

    started = time.perf_counter()
    size = sum(len(serialize(e)) for e in synthetic.generate(n, seed=1))
    generate_s = time.perf_counter() - started

    started = time.perf_counter()
    with Publisher(settings, source="bench") as publisher:
        report = publisher.publish_all(synthetic.generate(n, seed=1))
    publish_s = time.perf_counter() - started
    assert report.sent == n, report.summary()

    started = time.perf_counter()
    loaded = Loader(settings).run()
    ingest_s = time.perf_counter() - started
    assert loaded.loaded == n, loaded.summary()

    started = time.perf_counter()
    dbt_build(settings)
    build_s = time.perf_counter() - started

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"posts: {n:,} ({size / n:.0f} bytes each as JSON)")
    print(f"generate+serialise: {n / generate_s:>10,.0f} posts/s ({generate_s:.1f}s)")
    print(f"publish (produce):  {n / publish_s:>10,.0f} posts/s ({publish_s:.1f}s)")
    print(f"ingest (loader):    {n / ingest_s:>10,.0f} posts/s ({ingest_s:.1f}s)")
    print(f"dbt build:          {build_s:>10.1f} s")
    print(f"peak RSS of this process: {peak_mb:,.0f} MiB")
    print(f"warehouse: {settings.warehouse_path}")


if __name__ == "__main__":
    main()
