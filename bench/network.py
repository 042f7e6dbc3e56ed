"""The network marts (dbt tag ``network``): full and incremental build, and the community step's
peak memory on the largest scope.

    .venv/bin/python bench/network.py --count 200000
    .venv/bin/python bench/network.py --count 5000000 --state .pantau/bench/network-5m

Needs a broker (`pantau stack up`). A seeded scenario of N posts is produced and ingested (not
timed) into a new warehouse, the whole project is built once (`pantau build`: the network
models read the marts), then:

* full: ``dbt build --select tag:network --full-refresh`` (every scope): the network models'
  seconds (dbt's execution times) and their data tests';
* incremental: 1% new posts, written after the N at the same rate (the next 1.7 hours of a
  week's stream), are ingested and the project is built as `pantau build` does; the network
  models' seconds in that build, and the scopes holding a new post against all scopes;
* the community step (``pantau.transform.network.communities``) on the scope with the most
  interactions, in a child process: its seconds and the peak memory it added (the peak resident
  set during it, less the resident set before it; igraph works in C).

With ``--state DIR`` the loaded warehouse (and the 1% waiting in its topic) is kept in DIR and
reused by a later run with the same DIR. With ``--warehouse FILE`` only the community step is
measured, on a warehouse built already (``bench/scale.py``'s at 5M posts, say).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pantau.connections.kafka import ensure_topics
from pantau.ingest import Loader
from pantau.settings import Settings
from pantau.transform.dbt import dbt_build
from pantau.transform.network import communities
from producers import Publisher
from producers.scenario import Scenario, ScenarioConfig

END = datetime(2026, 11, 20, tzinfo=UTC)
DAYS = 7.0


def _produce(settings: Settings, count: int, seed: int, *, days: float = DAYS,
             end: datetime = END) -> None:
    scenario = Scenario(ScenarioConfig(count=count, seed=seed, days=days, end=end))
    with Publisher(settings, source="bench") as publisher:
        publisher.publish_all(scenario.generate())


def _network_times(settings: Settings, label: str, seconds: float) -> float:
    """Print the network models' (and their tests') seconds from dbt's run results."""
    results = json.loads((settings.state_dir / "dbt" / "target" / "run_results.json").read_text())
    network = [(r["execution_time"], r["unique_id"]) for r in results["results"]
               if "network" in r["unique_id"] or "amplifiers" in r["unique_id"]]
    models = sum(t for t, uid in network if uid.startswith("model."))
    tests = sum(t for t, uid in network if uid.startswith("test."))
    test_count = sum(uid.startswith("test.") for _, uid in network)
    print(f"{label}: network models {models:.1f}s, their {test_count} data tests {tests:.1f}s "
          f"(the build: {seconds:.1f}s wall)")
    for spent, uid in sorted(network, reverse=True):
        if uid.startswith("model."):
            print(f"  {spent:7.1f}s {uid.split('.')[2]}")
    return models


def _scopes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(con.execute("""
        select scope_type, count(*) from intermediate.int_network_scopes group by all
        order by all""").fetchall())


def _largest_scope(settings: Settings) -> None:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        scope = con.execute("""
            select scope_type, scope_id, count(*) as interactions
            from intermediate.int_network_interactions
            where interaction_type <> 'post' and not is_self_loop
            group by all order by interactions desc, scope_id limit 1""").fetchone()
        if scope is None:
            print("no scope has an interaction")
            return
        edges = con.execute("""
            select author_key, target_author_key, count(*)
            from intermediate.int_network_interactions
            where scope_type = ? and scope_id = ? and interaction_type <> 'post'
                and not is_self_loop
            group by all order by all""", [scope[0], scope[1]]).fetchall()
    finally:
        con.close()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        seconds, found, before, peak = pool.apply(_community_step, (edges,))
    print(f"community step on the largest scope ({scope[0]} {scope[1]}: {scope[2]:,} "
          f"interactions, {len(edges):,} account pairs, {found[0]:,} accounts, "
          f"{found[1]:,} communities): {seconds:.2f}s, peak memory added "
          f"{(peak - before) / 2**20:.1f} MiB (resident {before / 2**20:.0f} MiB before it, "
          f"{peak / 2**20:.0f} MiB at its peak)")


def _status_bytes(field: str) -> int:
    """A ``/proc/self/status`` size (VmRSS, VmHWM) in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _community_step(edges: list[tuple[str, str, int]]) -> tuple[float, tuple[int, int], int, int]:
    """In a fresh process: the step's seconds, (accounts, communities), the resident set before
    it and the peak resident set during it (bytes): the peak is reset to the current resident
    set first (``/proc/self/clear_refs``), as a process's peak includes its start."""
    before = _status_bytes("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")
    started = time.monotonic()
    found = communities(edges)
    seconds = time.monotonic() - started
    peak = _status_bytes("VmHWM")
    return seconds, (len(found), len(set(found.values()))), before, peak


def _run(state: Path, count: int, seed: int) -> None:
    meta_path = state / "bench.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if meta and meta.get("count") != count:
        raise SystemExit(f"{state} holds {meta['count']:,} posts, not {count:,}: "
                         "use another --state directory")
    run = meta.get("run") or uuid.uuid4().hex[:8]
    settings = Settings.from_env(
        None, state_dir=state, warehouse_path=state / "warehouse.duckdb",
        topic_posts=f"bench.network.{run}", topic_dlq=f"bench.network.{run}.dlq",
        consumer_group=f"bench-network-{run}")
    built = state / "built.duckdb"
    extra = max(1, count // 100)
    if not (meta and built.exists()):
        ensure_topics(settings)
        started = time.monotonic()
        _produce(settings, count, seed)
        Loader(settings).run()
        # the 1% that arrives next, at the same rate, after the N (as a stream brings it): it
        # waits in the topic until after the full build
        span = DAYS * extra / count
        _produce(settings, extra, seed + 1, days=span, end=END + timedelta(days=span))
        dbt_build(settings)
        print(f"produced, ingested and built {count:,} posts in "
              f"{time.monotonic() - started:.0f}s (not timed below)", flush=True)
        shutil.copy(settings.warehouse_path, built)
        meta_path.write_text(json.dumps({"count": count, "run": run}))
    else:
        print(f"reusing the {count:,} posts built in {state}", flush=True)
        shutil.copy(built, settings.warehouse_path)

    started = time.monotonic()
    dbt_build(settings, select="tag:network", full_refresh=True)
    full = _network_times(settings, f"full refresh of the network models, {count:,} posts",
                          time.monotonic() - started)
    _largest_scope(settings)

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        watermark = con.execute(
            "select max(last_ingested_at) from intermediate.int_network_interactions").fetchone()
    finally:
        con.close()
    Loader(settings).run()
    started = time.monotonic()
    dbt_build(settings)
    incremental = _network_times(settings, f"incremental build after {extra:,} new posts (1%)",
                                 time.monotonic() - started)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        scopes = _scopes(con)
        [(touched,)] = con.execute("""
            select count(distinct (scope_type, scope_id))
            from intermediate.int_network_interactions
            where last_ingested_at > ?""", [watermark[0] if watermark else None]).fetchall()
    finally:
        con.close()
    print(f"scopes: {scopes} ({sum(scopes.values()):,} in all); {touched:,} hold a new post")
    print(f"incremental / full = {incremental / full:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="posts of the full build")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--state", type=Path,
                        help="keep the built posts here and reuse them in later runs "
                             "(default: a temporary directory, removed afterwards)")
    parser.add_argument("--warehouse", type=Path,
                        help="only the community step, on the largest scope of this built "
                        "warehouse (one bench/scale.py made, say); nothing is produced or built")
    args = parser.parse_args()
    if args.warehouse:
        _largest_scope(Settings.from_env(None, warehouse_path=args.warehouse.resolve()))
        return
    if args.state:
        args.state.mkdir(parents=True, exist_ok=True)
        _run(args.state.resolve(), args.count, args.seed)
        return
    with tempfile.TemporaryDirectory(prefix="pantau-bench-network-") as state:
        _run(Path(state), args.count, args.seed)


if __name__ == "__main__":
    main()
