"""How the product scales: build, audit and publish at 1M, 5M and 20M posts (issue 19).

    PANTAU_STATE_DIR=.pantau .venv/bin/python bench/scale.py
    .venv/bin/python bench/scale.py --sizes 20000,100000 --posts-per-day 20000 --state DIR

At each size, in this order, each step in a fresh child process (its peak resident set, and
that of its largest child, dbt, are the step's peak RSS):

* load: the posts that bring the warehouse to the size;
* full build: ``pantau build``'s build step (``pantau.orchestration.tasks.build``: dbt build
  of seeds, models and data tests, then the notification outbox) with every incremental model
  rebuilt (``--full-refresh``; in slices of raw above PANTAU_DBT_BUILD_SLICE_ROWS observations,
  as ``pantau build`` runs it: docs/scaling.md), then its audit (GX) and its publish (the snapshot file, and
  PostgreSQL when the stack's server runs: a database of the bench's own, named in the table);
* +1%: 1% more posts, loaded, then an incremental build, audit and publish as ``pantau build``
  runs them (the build decides itself whether anything needs a full refresh);
* +10,000: as +1%, with 10,000 posts;
* +1,000, dbt warm: in one process as ``pantau build --follow`` runs it, a build with nothing
  new with a new dbt process (the cold floor, as the DAG's task), then with dbt kept warm
  (``pantau.transform.warm``) a first build with nothing new, 1,000 posts loaded, the timed
  build of them (the step's seconds), and a build with nothing new again (the warm floor);
* the warehouse's and the snapshot's file sizes.

``--stop-after STEP`` ends the run once STEP (``load``, say) of the next size has run: the
20M load (code-independent raw rows) can run while the machine is busy, and the builds later on
a quiet one.

``--report`` writes the table and plot of the steps done so far (a run stopped before its last
size: the 20M step takes hours) and runs nothing.

Each build's dbt ``run_results.json`` (every model's and test's seconds) is kept as
``DIR/run_results/<size>-<step>.json``; the network models' (dbt ``tag:network``) and the
coordinated-campaign models' (name ``*campaign*``) seconds of each build are printed and in the
table (the two sets overlap: the campaign models are tagged network too).

The data: one stream of scenario posts at a constant rate (``--posts-per-day``), so a bigger
warehouse spans more days, as a national deployment accumulates them (100,000 a day: 1M is 10
days, 20M 200 days). The stream is laid out once, on the first run, to end at that moment, and
cut into chunks of a day (``--chunk-posts``), each an independent seeded scenario with the same
cast of accounts (see ``bench/raw_writer.py``). Sizes build on each other: the 5M warehouse is
the 1M one (with its +1% and +10,000) plus the posts up to 5M, the next days of the stream, as
this is the fastest way to reach each size (the 20M one costs 15M posts, not 20M); the +1% and
+10,000 are the hours (or days) of the stream just after the size's end.

How the posts get in (``--via``): through Kafka as the product takes them (the scenario
producer into a topic of the bench's, then ``Loader.run``) up to 5M; above, straight into raw
by ``bench/raw_writer.py``, which writes the same messages through the loader's own write path
(the bulk contract checks, the insert of unseen event_ids, ``ops.kafka_offsets`` in the same
transaction). Why: through Kafka, 15M more posts (about 21M messages, some 20 GB of log on the
broker) would cost an hour or more of producing and a broker's disk, and the loader's speed is
measured by ``bench/ingest.py`` already; the build, audit and publish, which this bench is
about, see the same raw rows either way.

Resuming (``--state DIR``, default ``.pantau/bench/scale``): ``DIR/state.json`` records each
step of each size with its figures as it finishes; a rerun skips what is done. An interrupted
load resumes: on the direct path, from the offsets in ``ops.kafka_offsets`` (committed with the
rows), regenerating only the chunk it stopped in; through Kafka, the chunks already produced
are not produced again (a chunk produced twice after a kill is loaded once: the loader inserts
only unseen event_ids) and the loader resumes from its offsets. An interrupted build, audit or
publish runs again, except a full build: its rerun is an incremental build that goes on from
the slices the interrupted one built. A kill -9 of the bench while dbt runs leaves dbt running
until it ends; the rerun then reports the warehouse's lock and the pid that holds it.

The audit's freshness rule (the newest observation of a live source at most
``PANTAU_FRESHNESS_HOURS`` old) meets a history that ends when the bench laid it out: the
bench's settings extend the limit by the history's age at the audit, and only there (the other
rules, and the product's settings, are untouched).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import resource
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.raw_writer import TOPIC, Chunk, Stream, write_chunks, written_offsets
from pantau.settings import Settings

DEFAULT_SIZES = "1000000,5000000,20000000"
KAFKA_UP_TO = 5_000_000
PLUS_POSTS = 10_000
WARM_POSTS = 1_000
WARM_STEP = "+1,000 build, dbt warm"
MIB = 1024 * 1024

#: The steps of each size, in order: (name, kind); each load step has a Span of its own.
STEPS = (
    ("load", "load"), ("full build", "build"), ("full audit", "audit"),
    ("full publish", "publish"),
    ("+1% load", "load"), ("+1% build", "build"), ("+1% audit", "audit"),
    ("+1% publish", "publish"),
    ("+10,000 load", "load"), ("+10,000 build", "build"), ("+10,000 audit", "audit"),
    ("+10,000 publish", "publish"),
    # one process, as `pantau build --follow` runs: dbt kept warm, +1,000 posts loaded between
    # two builds (the step's seconds are the second build's; see _warm_build)
    (WARM_STEP, "build"),
)


@dataclass(frozen=True)
class Span:
    """Posts ``first`` .. ``first + count - 1`` of the stream, loaded by step ``step`` of size
    ``size``."""

    size: int
    step: str
    first: int
    count: int

    @property
    def slug(self) -> str:
        return f"{self.size}-" + self.step.replace("+", "plus").replace(",", "").replace(
            "%", "pct").replace(" ", "-")


def plan(sizes: list[int]) -> list[Span]:
    """The loads of every size, in stream order: up to the size, then 1%, then 10,000."""
    spans, posts = [], 0
    for size in sizes:
        if size <= posts:
            raise SystemExit(f"size {size:,} is not above the {posts:,} posts the sizes before "
                             "it (and their +1% and +10,000) leave: give sizes further apart")
        for step, count in (("load", size - posts), ("+1% load", max(1, size // 100)),
                            ("+10,000 load", PLUS_POSTS), ("+1,000 load", WARM_POSTS)):
            spans.append(Span(size, step, posts, count))
            posts += count
    return spans


# --- state ----------------------------------------------------------------------------------

class State:
    """``DIR/state.json``: the plan, and each finished step's figures (written atomically)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "state.json"
        self.data: dict[str, Any] = (json.loads(self.path.read_text())
                                     if self.path.exists() else {})

    def save(self) -> None:
        partial = self.path.with_suffix(".json.partial")
        partial.write_text(json.dumps(self.data, indent=1, sort_keys=True))
        os.replace(partial, self.path)

    def done(self, size: int, step: str) -> dict[str, Any] | None:
        figures: dict[str, Any] | None = self.data.get("sizes", {}).get(str(size), {}).get(step)
        return figures

    def record(self, size: int, step: str, figures: dict[str, Any]) -> None:
        self.data.setdefault("sizes", {}).setdefault(str(size), {})[step] = figures
        self.save()


def _span_file(directory: Path, span: Span) -> Path:
    return directory / "loads" / f"{span.slug}.json"


def _span_progress(directory: Path, span: Span) -> dict[str, Any]:
    path = _span_file(directory, span)
    return json.loads(path.read_text()) if path.exists() else {"done": {}, "produced": []}


def _save_span_progress(directory: Path, span: Span, progress: dict[str, Any]) -> None:
    path = _span_file(directory, span)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(progress))
    os.replace(partial, path)


# --- settings -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Config:
    """What a step's child process needs to rebuild the bench's settings and stream."""

    directory: str
    run: str
    pg_database: str | None
    start: str
    posts_per_day: int
    seed: int
    cast_posts: int
    campaigns_per_day: float
    chunk_posts: int

    def settings(self, **overrides: Any) -> Settings:
        state = Path(self.directory)
        base = Settings.from_env()
        return Settings.from_env(
            {**os.environ, "PANTAU_STATE_DIR": str(state)},
            **{"state_dir": state, "warehouse_path": state / "warehouse.duckdb",
               "published_path": state / "published.duckdb",
               "topic_posts": f"bench.scale.{self.run}",
               "topic_dlq": f"bench.scale.{self.run}.dlq",
               "consumer_group": f"bench-scale-{self.run}", "pg_dir": base.pg_dir,
               "pg_publish": self.pg_database is not None,
               "pg_database": self.pg_database or base.pg_database, **overrides})

    def stream(self) -> Stream:
        return Stream(start=datetime.fromisoformat(self.start),
                      posts_per_day=self.posts_per_day, seed=self.seed,
                      cast_posts=self.cast_posts, campaigns_per_day=self.campaigns_per_day)


# --- steps (each in a child process) --------------------------------------------------------

def _die_with_parent() -> None:
    """A step's process ends when the bench is killed (``kill -9`` included): Linux sends it
    SIGKILL when its parent goes (``PR_SET_PDEATHSIG``)."""
    import ctypes
    import signal

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    if os.getppid() == 1:  # the parent went before the call
        os._exit(1)


def _measured(function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run a step; add its seconds and the peak resident sets of this process and of its
    largest finished child (dbt, in a build), in MiB."""
    import logging

    logging.basicConfig(level=logging.WARNING, format="  %(levelname)s %(name)s: %(message)s")
    # the build's own progress: a full build's slices, each with its seconds (hours at 20M)
    logging.getLogger("pantau.transform.dbt").setLevel(logging.INFO)
    started = time.monotonic()
    figures = function(*args)
    # a step that times one part of its work says so (the warm build); else the whole step
    figures["seconds"] = round(figures.pop("timed_seconds", time.monotonic() - started), 2)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures["rss_mib"] = round(own, 1)
    figures["child_rss_mib"] = round(child, 1)
    figures["peak_rss_mib"] = round(max(own, child), 1)
    return figures


def _in_child(function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run ``function(*args)`` in a fresh (spawned) process, so that its peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context,
                             initializer=_die_with_parent) as pool:
        return pool.submit(_measured, function, *args).result()


def _load(config: Config, span: Span, via: str) -> dict[str, Any]:
    directory = Path(config.directory)
    chunks = config.stream().chunks(span.first, span.count, chunk_posts=config.chunk_posts)
    progress = _span_progress(directory, span)
    figures: dict[str, Any] = {"posts": span.count, "via": via, "chunks": len(chunks)}
    if via == "bulk":
        settings = config.settings()
        stored = written_offsets(settings)
        todo = [c for c in chunks if progress["done"].get(str(c.partition)) is None
                or stored.get(c.partition) != progress["done"][str(c.partition)]]
        figures["resumed"] = len(todo) < len(chunks) or any(c.partition in stored for c in todo)
        if figures["resumed"]:
            print(f"  resuming the load: {len(chunks) - len(todo)} of {len(chunks)} chunks done, "
                  f"raw holds {sum(stored.get(c.partition, 0) for c in todo):,} messages of "
                  "the rest", flush=True)

        def chunk_done(chunk: Chunk, messages: int) -> None:
            progress["done"][str(chunk.partition)] = messages
            _save_span_progress(directory, span, progress)

        report = write_chunks(settings, todo, on_chunk=chunk_done)
        figures.update(messages=sum(progress["done"].values()), loaded=report.ingest.loaded,
                       resumed_skipped=report.skipped, rejected=report.ingest.rejected,
                       duplicates=report.ingest.duplicates, topic=TOPIC)
        if report.ingest.rejected:
            raise RuntimeError(f"{report.ingest.rejected} messages were rejected: "
                               f"{report.ingest.reasons}")
        return figures
    return _load_through_kafka(config, span, chunks, progress, figures)


def _load_through_kafka(config: Config, span: Span, chunks: list[Chunk],
                        progress: dict[str, Any], figures: dict[str, Any]) -> dict[str, Any]:
    from pantau.connections.kafka import admin_client, ensure_topics
    from pantau.ingest import Loader
    from producers import Publisher

    directory = Path(config.directory)
    run = f"{config.run}.{span.slug}"
    settings = config.settings(topic_posts=f"bench.scale.{run}",
                               topic_dlq=f"bench.scale.{run}.dlq")
    if not progress.get("loaded"):
        figures["resumed"] = bool(progress["produced"])
        if figures["resumed"]:
            print(f"  resuming the load: {len(progress['produced'])} of {len(chunks)} chunks "
                  "produced before; producing the rest (a chunk cut short is produced again "
                  "and loaded once), then loading from the stored offsets", flush=True)
        ensure_topics(settings)
        started = time.monotonic()
        produced = set(progress["produced"])
        for chunk in chunks:
            if chunk.partition in produced:
                continue
            with Publisher(settings, source="bench") as publisher:
                sent = publisher.publish_serialized(chunk.messages())
            if sent.failed:
                raise RuntimeError(f"producing chunk {chunk.partition} failed: {sent.errors}")
            progress["produced"].append(chunk.partition)
            _save_span_progress(directory, span, progress)
        figures["produce_seconds"] = round(time.monotonic() - started, 2)
        started = time.monotonic()
        report = Loader(settings).run()
        figures.update(ingest_seconds=round(time.monotonic() - started, 2),
                       loaded=report.loaded, duplicates=report.duplicates,
                       rejected=report.rejected, topic=settings.topic_posts)
        progress["loaded"] = figures
        _save_span_progress(directory, span, progress)
    client = admin_client(settings)
    try:  # the rows are in raw; the topic's gigabytes are not needed any more
        client.delete_topics([settings.topic_posts, settings.topic_dlq])
    except Exception as error:  # a topic left behind only costs disk
        print(f"  could not delete the topics of {settings.topic_posts}: {error}", flush=True)
    finally:
        client.close()
    return {**figures, **progress["loaded"]}


def _model_seconds(settings: Settings) -> dict[str, Any]:
    """The network (tag:network) and campaign models' seconds of the last build, from dbt's
    run_results.json and manifest.json."""
    target = settings.state_dir / "dbt" / "target"
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())["nodes"]
    models = {r["unique_id"]: r["execution_time"] for r in results
              if r["unique_id"].startswith("model.")}
    network = {uid.split(".")[-1]: t for uid, t in models.items()
               if "network" in manifest.get(uid, {}).get("tags", [])}
    campaign = {uid.split(".")[-1]: t for uid, t in models.items() if "campaign" in uid}
    slowest = sorted(((t, uid.split(".")[-1]) for uid, t in models.items()), reverse=True)[:5]
    return {"models_seconds": round(sum(models.values()), 2),
            "network_seconds": round(sum(network.values()), 2),
            "campaign_seconds": round(sum(campaign.values()), 2),
            "network_models": {k: round(v, 2) for k, v in sorted(network.items())},
            "campaign_models": {k: round(v, 2) for k, v in sorted(campaign.items())},
            "slowest_models": [[name, round(t, 2)] for t, name in slowest]}


def _build(config: Config, size: int, step: str, full: bool) -> dict[str, Any]:
    """A build step. A full build interrupted before (its marker file is left) is resumed, not
    started again: an incremental build goes on from the slices the interrupted one built,
    itself in slices when the rest of raw is larger than one (docs/marts.md); its seconds are
    those of the resumed part."""
    from pantau.orchestration import tasks

    settings = config.settings()
    slug = f"{size}-{step.replace(' ', '-')}"
    run_id = f"scale-{slug}-{uuid.uuid4().hex[:6]}"
    marker = Path(config.directory) / f"{slug}.started"
    resumed = full and marker.exists()
    if resumed:
        print(f"  resuming the full build started at {marker.read_text().strip()}: an "
              "incremental build from the slices it built", flush=True)
    elif full:
        marker.write_text(datetime.now(UTC).isoformat())
    built = tasks.build(settings, full_refresh=True if full and not resumed else None,
                        run_id=run_id)
    marker.unlink(missing_ok=True)
    kept = Path(config.directory) / "run_results" / f"{slug}.json"
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(settings.state_dir / "dbt" / "target" / "run_results.json", kept)
    return {"run_id": run_id, "raw_watermark": built["raw_watermark"],
            "passed": built["passed"], "failed": built["failed"],
            "full_refresh": full, "resumed": resumed, "run_results": str(kept),
            **_model_seconds(settings)}


def _warm_build(config: Config, size: int, step: str, span: Span, via: str) -> dict[str, Any]:
    """The floor, cold and warm, and an incremental build of +1,000 posts with dbt kept warm.

    In this one process: a cold build with nothing new (a new dbt process, as the DAG's task
    runs it); then, with a warm worker (:mod:`pantau.transform.warm`), a first build with
    nothing new (it parses the project and loads the text models), the +1,000 posts loaded,
    the timed build of them, and a build with nothing new again (the warm floor).
    """
    from pantau.orchestration import tasks
    from pantau.transform.warm import WarmDbt

    settings = config.settings()

    def timed(warm: WarmDbt | None) -> float:
        started = time.monotonic()
        tasks.build(settings, run_id=f"scale-{size}-warm-{uuid.uuid4().hex[:6]}", warm=warm)
        return round(time.monotonic() - started, 2)

    figures: dict[str, Any] = {"cold_floor_seconds": timed(None)}
    with WarmDbt(settings) as warm:
        figures["warm_first_seconds"] = timed(warm)
        figures["load"] = _load(config, span, via)
        figures["timed_seconds"] = timed(warm)
        figures.update(_model_seconds(settings))
        figures["warm_floor_seconds"] = timed(warm)
    return figures


def _audit(config: Config, build: dict[str, Any], stream_end: str) -> dict[str, Any]:
    from pantau.orchestration import tasks

    base = config.settings()
    age = (datetime.now(UTC) - datetime.fromisoformat(stream_end)).total_seconds() / 3600
    freshness = base.freshness_hours + max(0, math.ceil(age))
    audited = tasks.audit(base.replace(freshness_hours=freshness), run_id=build["run_id"],
                          raw_watermark=build["raw_watermark"])
    return {"suites": len(audited["suites"]),
            "expectations": sum(audited["suites"].values()), "freshness_hours": freshness}


def _publish(config: Config, build: dict[str, Any]) -> dict[str, Any]:
    from pantau.orchestration import tasks

    published = tasks.publish(config.settings(), run_id=build["run_id"])
    pg = published["postgres"]
    return {"snapshot_seconds": published["seconds"], "tables": len(published["tables"]),
            "postgres": pg}


def _files(config: Config) -> dict[str, Any]:
    from pantau.connections import warehouse

    settings = config.settings()
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        observations, posts, first, last = con.execute(
            "select count(*), count(distinct (platform, post_id)), min(created_at), "
            "max(observed_at) from raw.social_posts").fetchall()[0]
    finally:
        con.close()
    return {"warehouse_mib": round(settings.warehouse_path.stat().st_size / MIB, 1),
            "snapshot_mib": round(settings.published_path.stat().st_size / MIB, 1),
            "raw_observations": observations, "raw_posts": posts,
            "days": round((last - first).total_seconds() / 86400, 1)}


# --- the run --------------------------------------------------------------------------------

def _postgres(state: State) -> str | None:
    """The bench's PostgreSQL database, created once, when the stack's server runs; else None
    (the reason is printed)."""
    from pantau.local.postgres import LocalPostgres

    base = Settings.from_env()
    if base.pg_url:
        print("PostgreSQL: PANTAU_PG_URL is set; the bench publishes the snapshot file only "
              "(it creates databases on the local server alone)")
        return None
    server = LocalPostgres(base)
    if server.pid() is None:
        print(f"PostgreSQL: the local server of {base.pg_dir} is not running (`pantau stack "
              "up`); the bench publishes the snapshot file only")
        return None
    name: str = state.data.get("pg_database") or f"pantau_scale_{state.data['run']}"
    if not state.data.get("pg_database"):
        server.create_database(name)
        state.data["pg_database"] = name
        state.save()
    print(f"PostgreSQL: publishing into database {name} of the local server at "
          f"{base.pg_host}:{base.pg_port} (drop it with --drop-postgres when done)")
    return name


def run(args: argparse.Namespace) -> int:
    directory: Path = args.state.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    state = State(directory)
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s})
    spans = plan(sizes)
    wanted = {"sizes": sizes, "posts_per_day": args.posts_per_day, "seed": args.seed,
              "chunk_posts": args.chunk_posts, "campaigns_per_day": args.campaigns_per_day}
    if not state.data:
        total = spans[-1].first + spans[-1].count
        end = datetime.now(UTC).replace(second=0, microsecond=0)
        state.data = {"plan": {**wanted, "start": (end - timedelta(
            days=total / args.posts_per_day)).isoformat()}, "run": uuid.uuid4().hex[:8]}
        state.save()
    elif {k: state.data["plan"].get(k) for k in wanted} != wanted:
        raise SystemExit(f"{directory} holds a run with {state.data['plan']}, not {wanted}: "
                         "use another --state directory (or the same options)")
    pg_database = _postgres(state) if not args.no_postgres else None
    plan_ = state.data["plan"]
    config = Config(directory=str(directory), run=state.data["run"], pg_database=pg_database,
                    start=plan_["start"], posts_per_day=args.posts_per_day, seed=args.seed,
                    cast_posts=spans[-1].first + spans[-1].count,
                    campaigns_per_day=args.campaigns_per_day, chunk_posts=args.chunk_posts)
    stream = config.stream()
    print(f"stream: {args.posts_per_day:,} posts a day from {stream.start:%Y-%m-%d %H:%M} UTC; "
          f"state in {directory}", flush=True)
    by_size = {size: {s.step: s for s in spans if s.size == size} for size in sizes}
    for size in sizes:
        build: dict[str, Any] = {}
        for step, kind in STEPS:
            done = state.done(size, step)
            if kind == "build" and done:
                build = done
            if done:
                continue
            span = by_size[size].get(step)
            label = f"{size:,}: {step}"
            print(f"{label} …", flush=True)
            if kind == "load":
                assert span is not None
                via = args.via or ("kafka" if size <= KAFKA_UP_TO else "bulk")
                figures = _in_child(_load, config, span, via)
            elif step == WARM_STEP:
                via = args.via or ("kafka" if size <= KAFKA_UP_TO else "bulk")
                figures = _in_child(_warm_build, config, size, step,
                                    by_size[size]["+1,000 load"], via)
            elif kind == "build":
                figures = _in_child(_build, config, size, step, step == "full build")
                build = figures
            elif kind == "audit":
                loaded = by_size[size][step.replace("audit", "load").replace("full load", "load")]
                figures = _in_child(_audit, config, build,
                                    stream.at(loaded.first + loaded.count).isoformat())
            else:
                figures = _in_child(_publish, config, build)
            state.record(size, step, figures)
            print(f"{label}: {_cell(figures)}" + _detail(kind, figures), flush=True)
            if step == args.stop_after:
                print(f"stopped after {label} (--stop-after); run again without it to go on")
                return 0
        if not state.done(size, "files"):
            state.record(size, "files", _files(config))
    table = markdown(state, sizes, pg_database)
    (directory / "scale.md").write_text(table)
    print()
    print(table)
    plot(state, sizes, directory / "scale.png")
    print(f"table: {directory / 'scale.md'}; plot: {directory / 'scale.png'}")
    if args.drop_postgres and pg_database:
        from pantau.local.postgres import LocalPostgres

        LocalPostgres(Settings.from_env()).drop_database(pg_database)
        print(f"dropped the PostgreSQL database {pg_database}")
    return 0


# --- output ---------------------------------------------------------------------------------

def _cell(figures: dict[str, Any] | None) -> str:
    if not figures:
        return "-"
    return f"{figures['seconds']:,.1f} s · {figures['peak_rss_mib']:,.0f} MiB"


def _detail(kind: str, figures: dict[str, Any]) -> str:
    if "warm_floor_seconds" in figures:
        return (f" (floor, nothing new: cold {figures['cold_floor_seconds']:.1f} s, warm "
                f"{figures['warm_floor_seconds']:.1f} s; the warm worker's first build "
                f"{figures['warm_first_seconds']:.1f} s)")
    if kind == "build":
        return (f" (network models {figures['network_seconds']:.1f} s, campaign models "
                f"{figures['campaign_seconds']:.1f} s)")
    if kind == "load":
        return f" ({figures['posts']:,} posts via {figures['via']})"
    if kind == "publish" and figures.get("postgres"):
        pg = figures["postgres"]
        return (f" (snapshot {figures['snapshot_seconds']:.1f} s, PostgreSQL {pg['mode']} "
                f"{pg['rows']:,} rows {pg['seconds']:.1f} s)")
    return ""


def markdown(state: State, sizes: list[int], pg_database: str | None) -> str:
    """The results as markdown: a row per step (seconds · peak RSS), then the models' seconds
    and the files."""
    def row(label: str, cells: list[str]) -> str:
        return f"| {label} | " + " | ".join(cells) + " |"

    header = [row("step (seconds · peak RSS)", [f"{s:,} posts" for s in sizes]),
              "|---|" + "---:|" * len(sizes)]
    lines = list(header)
    for step, kind in STEPS:
        cells = []
        for size in sizes:
            figures = state.done(size, step)
            cell = _cell(figures)
            if figures and kind == "load":
                cell += (f" ({figures['posts']:,} via {figures['via']}"
                         + (", resumed*" if figures.get("resumed") else "") + ")")
            if figures and kind == "build" and figures.get("resumed"):
                cell += " (resumed*)"
            if figures and kind == "publish" and figures.get("postgres"):
                pg = figures["postgres"]
                cell += f" (PG {pg['seconds']:.1f} s, {pg['mode']})"
            cells.append(cell)
        lines.append(row(step, cells))
    for key, name in (("cold_floor_seconds", "a build with nothing new, dbt cold"),
                      ("warm_floor_seconds", "a build with nothing new, dbt warm")):
        lines.append(row(name, [
            f"{figures[key]:,.1f} s" if (figures := state.done(size, WARM_STEP)) else "-"
            for size in sizes]))
    lines += ["", row("dbt models, seconds (summed over dbt's threads)",
                      [f"{s:,} posts" for s in sizes]),
              "|---|" + "---:|" * len(sizes)]
    for step in ("full build", "+1% build", "+10,000 build", WARM_STEP):
        for key, name in (("models_seconds", "all models"), ("network_seconds", "tag:network"),
                          ("campaign_seconds", "campaign models")):
            lines.append(row(f"{step}: {name}", [
                f"{figures[key]:.1f}" if (figures := state.done(size, step)) else "-"
                for size in sizes]))
    lines += ["", row("warehouse", [f"{s:,} posts" for s in sizes]),
              "|---|" + "---:|" * len(sizes)]
    for key, name, form in (("warehouse_mib", "warehouse file (MiB)", "{:,.0f}"),
                            ("snapshot_mib", "snapshot file (MiB)", "{:,.0f}"),
                            ("raw_posts", "posts in raw (with the +1%, the +10,000 and the "
                             "campaigns' posts)", "{:,}"),
                            ("raw_observations", "observations in raw", "{:,}"),
                            ("days", "days spanned", "{:,.1f}")):
        lines.append(row(name, [form.format(files[key]) if (files := state.done(size, "files"))
                                else "-" for size in sizes]))
    plan_ = state.data["plan"]
    lines += ["", f"{plan_['posts_per_day']:,} posts a day from {plan_['start'][:16]} UTC, "
              f"seed {plan_['seed']}; peak RSS: the step's process or its largest child (dbt), "
              "whichever is larger; *resumed: the load or full build was interrupted and "
              "resumed, its seconds are those of the run that finished it; publish: the "
              "snapshot file"
              + (f" and PostgreSQL (database {pg_database})" if pg_database
                 else " only (no PostgreSQL)") + "; files measured after the last step.", ""]
    return "\n".join(lines)


def plot(state: State, sizes: list[int], path: Path) -> None:
    """Seconds by size per step (log-log), and the file sizes and peak RSS by size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (times, memory) = plt.subplots(1, 2, figsize=(13, 5.5))
    colours = {"load": "tab:gray", "build": "tab:blue", "audit": "tab:green",
               "publish": "tab:red"}
    for step, kind in STEPS:
        points = [(size, f["seconds"]) for size in sizes if (f := state.done(size, step))]
        if points:
            style = ("-." if step == WARM_STEP else "--" if step.startswith("+1%")
                     else ":" if step.startswith("+10") else "-")
            times.plot(*zip(*points, strict=True), marker="o", label=step, linestyle=style,
                       color="tab:cyan" if step == WARM_STEP else colours[kind])
    times.set(xscale="log", yscale="log", xlabel="posts", ylabel="seconds",
              title="seconds per step")
    times.legend(fontsize="small", ncol=2)
    for key, label, colour in (("warehouse_mib", "warehouse file", "black"),
                               ("snapshot_mib", "snapshot file", "tab:purple")):
        points = [(size, f[key]) for size in sizes if (f := state.done(size, "files"))]
        if points:
            memory.plot(*zip(*points, strict=True), marker="s", label=label, color=colour)
    for step in ("load", "full build", "+1% build", "full audit", "full publish"):
        points = [(size, f["peak_rss_mib"]) for size in sizes if (f := state.done(size, step))]
        if points:
            memory.plot(*zip(*points, strict=True), marker="o", linestyle="--",
                        color=colours[dict(STEPS)[step]],
                        alpha=0.5 if step.startswith("+") else 1.0, label=f"peak RSS: {step}")
    memory.set(xscale="log", yscale="log", xlabel="posts", ylabel="MiB",
               title="file sizes and peak RSS")
    memory.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def report(directory: Path) -> int:
    """Write and print the table and plot of the steps done so far (of a run stopped before its
    last size, say); nothing is run."""
    state = State(directory)
    if not state.data.get("sizes"):
        raise SystemExit(f"{directory} holds no finished step of a run")
    sizes = sorted(int(size) for size in state.data["sizes"])
    table = markdown(state, sizes, state.data.get("pg_database"))
    (directory / "scale.md").write_text(table)
    print(table)
    plot(state, sizes, directory / "scale.png")
    print(f"table: {directory / 'scale.md'}; plot: {directory / 'scale.png'}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help="posts of each full build, comma-separated (default: %(default)s)")
    parser.add_argument("--posts-per-day", type=int, default=100_000,
                        help="the stream's rate: a bigger warehouse spans more days "
                             "(default: %(default)s)")
    parser.add_argument("--via", choices=("kafka", "bulk"),
                        help=f"how posts get into raw (default: kafka up to {KAFKA_UP_TO:,} "
                             "posts, bulk above)")
    parser.add_argument("--chunk-posts", type=int,
                        help="posts per seeded scenario chunk (default: a day's)")
    parser.add_argument("--campaigns-per-day", type=float, default=2.0,
                        help="planted coordinated campaigns per day (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--state", type=Path,
                        default=Settings.from_env().state_dir / "bench" / "scale",
                        help="where the warehouse, the state and the results go "
                             "(default: .pantau/bench/scale)")
    parser.add_argument("--no-postgres", action="store_true",
                        help="publish the snapshot file only")
    parser.add_argument("--drop-postgres", action="store_true",
                        help="drop the bench's PostgreSQL database at the end")
    parser.add_argument("--stop-after", choices=[name for name, _ in STEPS], metavar="STEP",
                        help="stop once this step (e.g. 'load') of the next size has run, so "
                        "that the steps after it can run later on a quiet machine; a rerun "
                        "without it goes on")
    parser.add_argument("--report", action="store_true",
                        help="write the table and plot of the steps done so far in --state "
                             "(a run stopped before its last size) and run nothing")
    args = parser.parse_args()
    if args.report:
        return report(args.state.resolve())
    if args.posts_per_day < 1:
        parser.error("--posts-per-day must be at least 1")
    args.chunk_posts = args.chunk_posts or args.posts_per_day
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
