"""dbt build time of the marts: a full build on N posts, then an incremental build after new ones.

    .venv/bin/python bench/transform.py --count 1000000
    .venv/bin/python bench/transform.py --count 5000000
    .venv/bin/python bench/transform.py --count 200000 --new 10000

Needs a broker (`pantau stack up`). Each run uses its own topic and a new warehouse in a
temporary state directory: a seeded scenario of N posts is produced and ingested (not timed),
`dbt build` is timed (full: seeds, every model, every data test), then a second scenario of
`--new` posts (default N/100) over the same week is produced and ingested and `dbt build` is
timed again (incremental). Prints the seconds of each, their ratio, the slowest models of each
build and the seconds of every model of the incremental build. With `--new-after`, the new
posts fall in the hours after the first week instead (as a live stream brings them: the
incremental build then touches the last days, not every day of the week).

Producing 5M posts takes about 20 minutes; with `--state DIR` the loaded warehouse (and the new
posts waiting in its topic) is kept in DIR, and a later run with the same DIR times the two builds
again without producing anything (after a change to the models, say):

    .venv/bin/python bench/transform.py --count 5000000 --state .pantau/bench/transform-5m
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pantau.connections.kafka import ensure_topics
from pantau.ingest import Loader
from pantau.settings import Settings
from pantau.transform.dbt import dbt_build
from producers import Publisher
from producers.scenario import Scenario, ScenarioConfig


def _build(settings: Settings, label: str, *, per_model: bool = False) -> float:
    """Time ``dbt build``; print the wall time, dbt's own, the models' and the tests' share
    (``per_model``: and every model's seconds, slowest first)."""
    started = time.monotonic()
    dbt_build(settings)
    seconds = time.monotonic() - started
    results = json.loads((settings.state_dir / "dbt" / "target" / "run_results.json").read_text())
    nodes = [(r["execution_time"], r["unique_id"]) for r in results["results"]]
    models = sum(t for t, uid in nodes if uid.startswith("model."))
    tests = sum(t for t, uid in nodes if uid.startswith("test."))
    print(f"{label}: {seconds:.1f}s wall (dbt {results['elapsed_time']:.1f}s; models {models:.1f}s, "
          f"{sum(uid.startswith('test.') for _, uid in nodes)} data tests {tests:.1f}s, summed "
          "over threads)")
    for spent, uid in sorted(nodes, reverse=True)[:5]:
        print(f"  {spent:7.1f}s {uid.split('.')[2]}")
    campaign = [(t, uid.split(".")[2]) for t, uid in nodes
                if uid.startswith("model.") and "campaign" in uid]
    print(f"  coordinated-campaign models {sum(t for t, _ in campaign):.1f}s: " + ", ".join(
        f"{name} {spent:.1f}s" for spent, name in sorted(campaign, reverse=True)))
    if per_model:
        print("  seconds per model:")
        for spent, uid in sorted(nodes, reverse=True):
            if uid.startswith("model."):
                print(f"  {spent:7.2f}s {uid.split('.')[2]}")
    return seconds


END = datetime(2026, 11, 20, tzinfo=UTC)
DAYS = 7.0


def _produce(settings: Settings, count: int, seed: int, campaigns: int = 0, *,
             end: datetime = END, days: float = DAYS) -> None:
    scenario = Scenario(ScenarioConfig(count=count, seed=seed, campaigns=campaigns,
                                       end=end, days=days))
    with Publisher(settings, source="bench") as publisher:
        publisher.publish_all(scenario.generate())


def _run(state: Path, count: int, seed: int, campaigns: int = 0, *, new: int | None = None,
         new_after: bool = False) -> None:
    extra = max(1, count // 100) if new is None else new
    meta_path = state / "bench.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if meta and meta.get("count") != count:
        raise SystemExit(f"{state} holds {meta['count']:,} posts, not {count:,}: "
                         "use another --state directory")
    if meta and (meta.get("new", max(1, count // 100)), meta.get("new_after", False)) != (
            extra, new_after):
        raise SystemExit(f"{state} holds {meta.get('new', max(1, count // 100)):,} new posts "
                         f"(new_after={meta.get('new_after', False)}), not {extra:,} "
                         f"(new_after={new_after}): use another --state directory")
    run = meta.get("run") or uuid.uuid4().hex[:8]
    settings = Settings.from_env(
        None, state_dir=state, warehouse_path=state / "warehouse.duckdb",
        topic_posts=f"bench.transform.{run}", topic_dlq=f"bench.transform.{run}.dlq",
        consumer_group=f"bench-transform-{run}")
    loaded = state / "loaded.duckdb"
    if not (meta and loaded.exists()):
        ensure_topics(settings)
        started = time.monotonic()
        _produce(settings, count, seed, campaigns)
        Loader(settings).run()
        print(f"produced and ingested {count:,} posts in {time.monotonic() - started:.0f}s "
              "(not timed below)", flush=True)
        # the new posts wait in the topic until after the full build; --new-after: in the hours
        # after the week, at the week's rate of posts
        after = {"end": END + timedelta(days=DAYS * extra / count),
                 "days": DAYS * extra / count} if new_after else {}
        _produce(settings, extra, seed + 1, campaigns * extra // count, **after)
        shutil.copy(settings.warehouse_path, loaded)
        meta_path.write_text(json.dumps({"count": count, "run": run, "new": extra,
                                         "new_after": new_after}))
    else:
        print(f"reusing the {count:,} posts loaded in {state}", flush=True)
        shutil.copy(loaded, settings.warehouse_path)
        shutil.rmtree(state / "dbt", ignore_errors=True)
    full = _build(settings, f"full build, {count:,} posts")
    Loader(settings).run()
    incremental = _build(settings, f"incremental build after {extra:,} new posts "
                         f"({extra / count:.1%}{', after the week' if new_after else ''})",
                         per_model=True)
    print(f"incremental / full = {incremental / full:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="posts of the full build")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--campaigns", type=int, default=0,
                        help="planted coordinated campaigns among the posts (as many more, "
                        "pro rata, among the new posts)")
    parser.add_argument("--new", type=int,
                        help="posts produced after the full build, timed in the incremental "
                             "build (default: 1%% of --count)")
    parser.add_argument("--new-after", action="store_true",
                        help="the new posts fall in the hours after the week (a live stream), "
                             "not across it")
    parser.add_argument("--state", type=Path,
                        help="keep the loaded posts here and reuse them in later runs "
                             "(default: a temporary directory, removed afterwards)")
    args = parser.parse_args()
    if args.state:
        args.state.mkdir(parents=True, exist_ok=True)
        _run(args.state.resolve(), args.count, args.seed, args.campaigns, new=args.new,
             new_after=args.new_after)
        return
    with tempfile.TemporaryDirectory(prefix="pantau-bench-transform-") as state:
        _run(Path(state), args.count, args.seed, args.campaigns, new=args.new,
             new_after=args.new_after)


if __name__ == "__main__":
    main()
