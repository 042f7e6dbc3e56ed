"""`pantau demo`: the whole story end to end on local defaults, ending with a summary.

Kafka -> a synthetic scenario (chatter, planted viral events, official responses) -> the
``ingest_social_posts`` DAG -> the ``build_marts`` DAG (dbt build, GX audit, publish) -> what the
published snapshot says: the top viral posts, the open issue alerts and how fast precincts
responded, and a check that every produced post is in the warehouse exactly once.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pantau.connections import warehouse
from pantau.local import airflow as airflow_local
from pantau.settings import Settings

INGEST_DAG, BUILD_DAG = "ingest_social_posts", "build_marts"

TOP_VIRAL = """
    select viral_rank, platform, coalesce(unit_id, '-') as unit_id, engagement,
        round(virality_score, 1) as score, left(regexp_replace(post_text, '\\s+', ' ', 'g'), 70)
    from marts.mart_viral_posts
    order by viral_rank
    limit 5
"""
ALERTS = """
    select case when is_open then 'open' else 'ended' end as state, unit_name, topic,
        started_at, negative_post_count, round(response_minutes) as response_minutes
    from marts.mart_issue_alerts
    order by is_open desc, started_at desc
    limit 5
"""
RESPONSE_TIMES = """
    select count(*), count(*) filter (where is_open), count(*) filter (where is_responded),
        median(response_minutes)
    from marts.mart_issue_alerts
"""


@dataclass
class Produced:
    """What the demo sent: every message's event_id and every post's key."""

    event_ids: list[str] = field(default_factory=list)
    post_keys: set[str] = field(default_factory=set)

    def watch(self, events: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for event in events:
            self.event_ids.append(event["event_id"])
            self.post_keys.add(f"{event['platform']}:{event['post_id']}")
            yield event


def _has_table(con: Any, table: str) -> bool:
    """Whether the snapshot (or warehouse) has ``marts.<table>``."""
    return bool(con.execute("select count(*) from information_schema.tables where "
                            "table_schema = 'marts' and table_name = ?", [table]).fetchall()[0][0])


def _not_built(say: Callable[[str], None], table: str) -> None:
    say(f"  (marts.{table} is not in the snapshot: this checkout's dbt project does not build it "
        "yet — see the marts contract)")


def exactly_once(settings: Settings, produced: Produced) -> tuple[bool, str]:
    """Every produced message is one raw row, every produced post one row of ``fct_posts``.

    Returns:
        (ok, the summary line). Posts are checked in the published snapshot's
        ``marts.fct_posts``; while the dbt project does not build it, in the warehouse's
        ``staging.stg_social_posts`` (one row per post as well), and the line says so.
    """
    import pyarrow as pa

    events = pa.table({"event_id": produced.event_ids})
    posts = pa.table({"post_key": sorted(produced.post_keys)})
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        con.register("produced_events", events)
        con.register("produced_posts", posts)
        raw_rows = con.execute("""select count(*) from raw.social_posts
            where event_id in (select event_id from produced_events)""").fetchall()[0][0]
        staged = con.execute("""select count(*), count(distinct post_key)
            from staging.stg_social_posts
            where post_key in (select post_key from produced_posts)""").fetchall()[0]
    finally:
        con.close()
    snapshot = warehouse.connect(settings.published_path, read_only=True)
    try:
        if _has_table(snapshot, "fct_posts"):
            snapshot.register("produced_posts", posts)
            rows, distinct = snapshot.execute("""select count(*), count(distinct post_key)
                from marts.fct_posts
                where post_key in (select post_key from produced_posts)""").fetchall()[0]
            where = "rows of marts.fct_posts in the published snapshot"
        else:
            rows, distinct = staged
            where = "rows of staging.stg_social_posts (marts.fct_posts is not built yet)"
    finally:
        snapshot.close()
    messages, keys = len(produced.event_ids), len(produced.post_keys)
    ok = raw_rows == messages and rows == distinct == keys
    line = (f"{'OK' if ok else 'MISMATCH'} exactly once: {messages:,} messages produced -> "
            f"{raw_rows:,} raw rows; {keys:,} posts produced -> {rows:,} {where}"
            f"{', none twice' if rows == distinct else f', {rows - distinct:,} twice'}")
    return ok, line


def _print_table(say: Callable[[str], None], rows: list[tuple[Any, ...]],
                 headers: list[str]) -> None:
    cells = [headers, *[["-" if v is None else f"{v:,}" if isinstance(v, int) and not
                         isinstance(v, bool) else str(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for row in cells:
        say("  " + "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)))


def summarise(settings: Settings, say: Callable[[str], None]) -> None:
    """Print what the published snapshot says (read-only; the queries follow the marts contract)."""
    con = warehouse.connect(settings.published_path, read_only=True)
    try:
        say("Top viral posts (marts.mart_viral_posts):")
        if _has_table(con, "mart_viral_posts"):
            rows = con.execute(TOP_VIRAL).fetchall()
            _print_table(say, rows, ["rank", "platform", "unit", "engagement", "score", "text"])
            if not rows:
                say("  (no post went viral in this window)")
        else:
            _not_built(say, "mart_viral_posts")
        say("Issue alerts, open first, and response times (marts.mart_issue_alerts):")
        if _has_table(con, "mart_issue_alerts"):
            total, open_, responded, median = con.execute(RESPONSE_TIMES).fetchall()[0]
            rows = con.execute(ALERTS).fetchall()  # the open ones first, then the latest
            _print_table(say, rows, ["state", "unit", "topic", "started", "negative posts",
                                     "minutes to respond"])
            say(f"  {total:,} negative spikes, {open_:,} still open, {responded:,} answered by an "
                f"official account; median response "
                f"{'-' if median is None else f'{median:,.0f} minutes'}")
        else:
            _not_built(say, "mart_issue_alerts")
    finally:
        con.close()


def summarise_notifications(settings: Settings, say: Callable[[str], None]) -> None:
    """What the scenario triggered: the messages delivered, by kind, and the first of its
    issue messages. With no channel declared they are in the local sink."""
    import json

    from pantau.notify.deliver import status

    counts = status(settings).counts if settings.notify_ledger_path.exists() else {}
    sent = sum(by_status.get("sent", 0) for by_status in counts.values())
    say(f"Notifications: {sent:,} delivered (ledger {settings.notify_ledger_path})")
    path = settings.notify_sink_path
    if not path.exists():
        return
    kinds: dict[str, int] = {}
    first: dict[str, Any] | None = None
    with path.open(encoding="utf-8") as sink:
        for line in sink:
            message = json.loads(line)
            kinds[message.get("kind", "?")] = kinds.get(message.get("kind", "?"), 0) + 1
            if first is None and message.get("kind") == "spike_opened":
                first = message
    say(f"  to the local sink {path} (no channel in {settings.notify_subscriptions.name}): "
        + ", ".join(f"{kind} {n:,}" for kind, n in sorted(kinds.items())))
    if first is not None:
        say("  the first issue message:")
        for text_line in str(first.get("text", "")).splitlines()[:8]:
            say(f"    {text_line}")


def summarise_report(settings: Settings, say: Callable[[str], None]) -> str | None:
    """Make one weekly report, of the Polres with the most alerts (then mentions) in the week of
    the data's newest day, and print its PDF's path; return the ``pantau report`` command that
    makes it again (None when no report could be made, which the demo says and survives)."""
    from pantau.exceptions import PantauError
    from pantau.reports import make_report
    from pantau.reports.data import newest_day
    from pantau.serve.snapshot import open_snapshot

    try:
        con = open_snapshot(settings.published_path)
        try:
            end = newest_day(con)
            found = None if end is None else con.execute("""
                select e.unit_id
                from marts.mart_unit_engagement_daily as e
                where e.unit_level = 'polres' and e.activity_date between ? - 6 and ?
                group by e.unit_id
                order by (select count(*) from marts.mart_issue_alerts as a
                          where a.unit_id = e.unit_id and a.started_at::date between ? - 6 and ?)
                         desc, sum(e.post_count) desc, e.unit_id
                limit 1""", [end, end, end, end]).fetchone()
        finally:
            con.close()
        if end is None or found is None:
            say("Report: no posts in the snapshot, no report")
            return None
        report = make_report(settings, unit_id=found[0], period="week", end=end)
    except PantauError as error:
        say(f"Report: not made ({error})")
        return None
    say(f"Report (PDF, {report.pages} pages): {report.pdf_path}")
    return f"pantau report --polres {found[0]} --period week --end {end.isoformat()}"


def _postgres_agrees(settings: Settings, say: Callable[[str], None]) -> bool:
    """PostgreSQL, logged in as the reader, holds as many posts as the snapshot file."""
    from pantau.connections.postgres import reader_count

    snapshot = warehouse.connect(settings.published_path, read_only=True)
    try:
        expected = int(warehouse.scalar(snapshot, "select count(*) from marts.fct_posts"))
    finally:
        snapshot.close()
    there = reader_count(settings, "marts.fct_posts")
    verdict = "OK" if there == expected else "MISMATCH"
    say(f"{verdict} PostgreSQL: {there:,} rows of marts.fct_posts as the reader role sees them "
        f"({expected:,} in the snapshot file)")
    return there == expected


#: Sends ``count`` scenario posts of ``seed`` to Kafka and says what it sent (the command line
#: passes :func:`producers.scenario.demo.produce_scenario`: pantau does not import producers).
Produce = Callable[..., Produced]


#: The demo's scenario covers seven days (ScenarioConfig's default): a lookback of eight.
DEMO_LOOKBACK_HOURS = 8 * 24


def run_demo(settings: Settings, *, count: int, seed: int | None, produce: Produce,
             say: Callable[[str], None] = print,
             on_step: Callable[[int, str], None] | None = None) -> int:
    """Run the whole story; return the exit code (0 when every post landed exactly once).

    ``on_step(done, name)`` is called as each of the five steps starts (``done`` steps behind
    it) and once more with 5 when the last one has finished.
    """
    from pantau.connections.kafka import ensure_topics
    from pantau.local.kafka import LocalKafka
    from pantau.local.postgres import LocalPostgres
    from pantau.quality.audit import docs_dir

    started = time.monotonic()
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    if "PANTAU_NOTIFY_LOOKBACK_HOURS" not in os.environ:
        # the scenario is a week of posts arriving at once: its notifications are the week's
        # (a live deployment announces only the last PANTAU_NOTIFY_LOOKBACK_HOURS)
        settings = settings.replace(notify_lookback_hours=DEMO_LOOKBACK_HOURS)

    step = on_step or (lambda _done, _name: None)
    step(0, "Kafka and PostgreSQL")
    say("[1/5] Kafka and PostgreSQL: starting the local broker and the serving database "
        "(no-ops when they run), the topics, the database and its roles")
    LocalKafka(settings).up(say=lambda m: say(f"      {m}"))
    ensure_topics(settings)
    if settings.pg_publish:
        LocalPostgres(settings).up(say=lambda m: say(f"      {m}"))

    step(1, "producing")
    say(f"[2/5] Producing a synthetic scenario of {count:,} posts to {settings.topic_posts}")
    produced = produce(settings, count=count, seed=seed, say=say)

    step(2, "Airflow set-up")
    say("[3/5] Airflow: preparing the metadata database and the one-slot duckdb_writer pool")
    airflow_local.setup(settings)

    # `airflow dags test` runs one DAG and does not follow Asset events, so the demo runs
    # build_marts itself right after ingest_social_posts, as the scheduler would on the
    # raw posts Asset the ingest task updates.
    step(3, f"DAG {INGEST_DAG}")
    say(f"[4/5] Airflow: DAG {INGEST_DAG} (Kafka -> raw.social_posts, exactly once)")
    say(f"      done (log: {airflow_local.test_dag(settings, INGEST_DAG)})")
    step(4, f"DAG {BUILD_DAG}")
    say(f"[5/5] Airflow: DAG {BUILD_DAG} (dbt build -> GX audit -> publish the snapshot -> "
        "notify)")
    say(f"      done (log: {airflow_local.test_dag(settings, BUILD_DAG)})")
    step(5, "done")

    say("")
    say(f"Done in {time.monotonic() - started:.0f}s. Published snapshot: "
        f"{settings.published_path}")
    summarise(settings, say)
    summarise_notifications(settings, say)
    report_command = summarise_report(settings, say)
    ok, line = exactly_once(settings, produced)
    say(line)
    if settings.pg_publish:
        ok = _postgres_agrees(settings, say) and ok
    say(f"GX Data Docs: {docs_dir(settings) / 'index.html'}")
    say("Next:")
    if settings.pg_publish:
        from pantau.connections.postgres import reader_conninfo

        say(f"  psql \"{reader_conninfo(settings)}\"    # the marts in PostgreSQL, as BI "
            "tools read them (read-only role)")
    say("  .venv/bin/pantau serve    # the dashboard on the published snapshot")
    say("  .venv/bin/pantau sql      # an SQL shell (read-only); e.g. -c \"select * from "
        "marts.mart_viral_posts limit 5\"")
    if report_command:
        say(f"  .venv/bin/{report_command}    # the report again (HTML and PDF)")
    return 0 if ok else 1
