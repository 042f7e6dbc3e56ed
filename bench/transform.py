"""dbt build time of the marts: a full build on N posts, then an incremental build after 1% new.

    .venv/bin/python bench/transform.py --count 1000000
    .venv/bin/python bench/transform.py --count 5000000

Needs a broker (`pantau stack up`). Each run uses its own topic and a new warehouse in a
temporary state directory: a seeded scenario of N posts is produced and ingested (not timed),
`dbt build` is timed (full: seeds, every model, every data test), then a second scenario of
N/100 posts is produced and ingested and `dbt build` is timed again (incremental). Prints the
seconds of each, their ratio and the slowest models of each build.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pantau.ingest import Loader
from pantau.kafka import ensure_topics
from pantau.settings import Settings
from pantau.transform import dbt_build
from producers import Publisher
from producers.scenario import Scenario, ScenarioConfig


def _load(settings: Settings, count: int, seed: int) -> float:
    started = time.monotonic()
    scenario = Scenario(ScenarioConfig(count=count, seed=seed,
                                       end=datetime(2026, 11, 20, tzinfo=UTC)))
    with Publisher(settings, source="bench") as publisher:
        publisher.publish_all(scenario.generate())
    Loader(settings).run()
    return time.monotonic() - started


def _build(settings: Settings) -> tuple[float, list[tuple[float, str]]]:
    started = time.monotonic()
    dbt_build(settings)
    seconds = time.monotonic() - started
    results = json.loads((settings.state_dir / "dbt" / "target" / "run_results.json").read_text())
    slowest = sorted(((r["execution_time"], r["unique_id"].split(".")[-1])
                      for r in results["results"]), reverse=True)[:5]
    return seconds, slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="posts of the full build")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="pantau-bench-transform-") as state:
        settings = Settings.from_env(
            None, state_dir=Path(state), warehouse_path=Path(state) / "warehouse.duckdb",
            topic_posts=f"bench.transform.{run}", topic_dlq=f"bench.transform.{run}.dlq",
            consumer_group=f"bench-transform-{run}")
        ensure_topics(settings)
        loaded = _load(settings, args.count, args.seed)
        print(f"produced and ingested {args.count:,} posts in {loaded:.0f}s (not timed below)")
        full, full_slowest = _build(settings)
        print(f"full build, {args.count:,} posts: {full:.1f}s")
        for seconds, name in full_slowest:
            print(f"  {seconds:7.1f}s {name}")
        extra = max(1, args.count // 100)
        _load(settings, extra, args.seed + 1)
        incremental, incremental_slowest = _build(settings)
        print(f"incremental build after {extra:,} new posts (1%): {incremental:.1f}s "
              f"= {incremental / full:.1%} of the full build")
        for seconds, name in incremental_slowest:
            print(f"  {seconds:7.1f}s {name}")


if __name__ == "__main__":
    main()
