"""Exactly-once delivery: the hand-off from the warehouse's outbox to a SQLite ledger, and the
delivery of what is due from the ledger alone.

**Hand-off** (:func:`handoff`, run by publish while it holds the warehouse): the rows of
``ops.notification_outbox`` whose build the publish log marks published (target ``duckdb``,
success) are copied into the ledger, keyed (event_id, channel), insert-or-ignore: a later
build's row of the same event is not sent again. Builds already handed off are remembered, so
each is read once.

**Delivery** (:func:`deliver`, the ``notify`` task and ``pantau notify``) never opens the
warehouse, so sending never holds DuckDB's write lock. Per row: status ``pending`` → ``sent`` or
``failed``, ``attempts``, ``next_attempt_at`` (backoff; empty once sent or failed for good),
``last_error`` (never a secret), ``sent_at``, the channel's ``response_id``. A row is marked
"sending" only in memory: it is sent, then recorded in its own transaction, so a crash between
a send and its record is the only window for a duplicate (and the message carries the event id).
One run at a time (a lock file beside the ledger).

**Quiet hours**: a row whose subscription's quiet hours contain now waits (``held``); once they
end, the held rows of a channel go as ONE digest. **One failing channel never blocks the
others**: channels are served in turn by one scheduler that honours each channel's rate limits
and ``retry_after``; a channel that is down (bad token, SMTP server unreachable) has its waiting
rows postponed with the reason, and the others go on.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pantau.exceptions import TransientError
from pantau.notify.channels import DeliveryError, Limits, Sender, all_secrets, make_senders, scrub
from pantau.notify.messages import render
from pantau.notify.subscriptions import Channel, QuietHours, Subscriptions, load_subscriptions
from pantau.settings import Settings

log = logging.getLogger(__name__)

#: The channel of every event when the subscriptions file declares none (the local sink).
SINK_CHANNEL = "sink"

LEDGER_DDL = """
create table if not exists deliveries (
    event_id text not null,
    channel text not null,
    build_id text not null,          -- the first published build that carried the event
    kind text not null,
    severity text not null,
    unit_id text,
    unit_level text,
    polres_id text,
    polda_id text,
    occurred_at text not null,       -- UTC ISO
    quiet_hours text,                -- JSON {"start", "end", "timezone"} or null
    payload text not null,           -- JSON: the message's facts
    status text not null default 'pending',   -- pending, sent, failed
    attempts integer not null default 0,
    next_attempt_at text,            -- UTC ISO; null once sent or failed for good
    held integer not null default 0, -- 1: waited for quiet hours; goes in the digest
    last_error text,
    sent_at text,
    response_id text,
    digest_id text,
    created_at text not null,
    updated_at text not null,
    primary key (event_id, channel)
);
create index if not exists deliveries_due on deliveries (status, next_attempt_at);
create table if not exists handoffs (
    build_id text primary key,
    rows integer not null,
    handed_off_at text not null
);
"""

#: The ``next_attempt_at`` of a new row: due at once, whatever the clock says.
DUE_AT_ONCE = "1970-01-01T00:00:00.000000Z"
_OUTBOX_COLUMNS = ("build_id", "event_id", "channel", "kind", "severity", "unit_id", "unit_level",
                   "polres_id", "polda_id", "occurred_at", "quiet_hours", "payload")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


@contextlib.contextmanager
def ledger(settings: Settings) -> Iterator[sqlite3.Connection]:
    """The ledger (created on first use), WAL, each statement its own transaction unless a
    ``with con:`` block groups them."""
    path = settings.notify_ledger_path
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        con.execute("pragma journal_mode=wal")
        con.execute("pragma synchronous=full")
        con.executescript(LEDGER_DDL)
        con.row_factory = sqlite3.Row
        yield con
    finally:
        con.close()


# --- the hand-off -----------------------------------------------------------------------------

@dataclass
class Handoff:
    builds: int
    rows: int
    new: int


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return json.dumps(value, ensure_ascii=False)


def _insert(led: sqlite3.Connection, rows: list[dict[str, Any]]) -> int:
    """Insert-or-ignore outbox rows (dicts of :data:`_OUTBOX_COLUMNS`); returns how many were
    new. The caller holds the transaction."""
    now = _iso(time.time())
    new = 0
    for row in rows:
        values = [_text(row.get(column)) for column in _OUTBOX_COLUMNS]
        cursor = led.execute(f"""
            insert or ignore into deliveries ({", ".join(_OUTBOX_COLUMNS)}, status,
                next_attempt_at, created_at, updated_at)
            values ({", ".join("?" for _ in _OUTBOX_COLUMNS)}, 'pending', ?, ?, ?)""",
                             [*values, DUE_AT_ONCE, now, now])
        new += cursor.rowcount
    return new


def enqueue(settings: Settings, rows: list[dict[str, Any]]) -> int:
    """Put outbox rows (dicts with the outbox's columns) straight into the ledger, as the
    hand-off does; returns how many were new (for tools and tests)."""
    with ledger(settings) as led, led:
        led.execute("begin immediate")
        return _insert(led, rows)


def handoff(settings: Settings, con: Any = None) -> Handoff:
    """Copy the outbox rows of published builds not handed off yet into the ledger.

    ``con``: an open warehouse connection (publish's); by default one is opened.
    """
    from pantau.connections import warehouse

    own = con is None
    duck = warehouse.connect(settings.warehouse_path) if own else con
    try:
        exists = warehouse.scalar(duck, """
            select count(*) from information_schema.tables
            where table_schema = 'ops' and table_name = 'notification_outbox'""")
        if not exists:
            return Handoff(0, 0, 0)
        published = [row[0] for row in duck.execute("""
            select distinct o.build_id from ops.notification_outbox as o
            inner join audit.publish_log as p
                on o.build_id = p.run_id and p.success and p.target = 'duckdb'
            """).fetchall()]
        with ledger(settings) as led:
            done = {row[0] for row in led.execute("select build_id from handoffs")}
            todo = [build for build in published if build not in done]
            if not todo:
                return Handoff(0, 0, 0)
            marks = ", ".join("?" for _ in todo)
            rows = duck.execute(f"""
                select {", ".join(_OUTBOX_COLUMNS)} from ops.notification_outbox
                where build_id in ({marks}) order by written_at, event_id, channel""",
                                todo).fetchall()
            with led:
                led.execute("begin immediate")
                new = _insert(led, [dict(zip(_OUTBOX_COLUMNS, row, strict=True)) for row in rows])
                per_build: dict[str, int] = {build: 0 for build in todo}
                for row in rows:
                    per_build[row[0]] += 1
                led.executemany("insert or ignore into handoffs values (?, ?, ?)",
                                [(build, count, _iso(time.time()))
                                 for build, count in per_build.items()])
        log.info("notify: handed %d outbox rows of %d builds to the ledger (%d new)", len(rows),
                 len(todo), new)
        return Handoff(len(todo), len(rows), new)
    finally:
        if own:
            duck.close()


# --- delivery ---------------------------------------------------------------------------------

@dataclass
class Item:
    """One message to send: one row, or the digest of a channel's held rows."""

    channel: str
    rows: list[sqlite3.Row]
    attempts: int = -1  # the most of its rows' attempts, counted in memory during the run

    def __post_init__(self) -> None:
        if self.attempts < 0:
            self.attempts = max(int(row["attempts"]) for row in self.rows)

    @property
    def digest(self) -> bool:
        return len(self.rows) > 1

    @property
    def delivery_id(self) -> str:
        """The event id; a digest's is derived from its events' ids (the same on a rerun)."""
        if not self.digest:
            return str(self.rows[0]["event_id"])
        ids = "\n".join(sorted(str(row["event_id"]) for row in self.rows))
        return "digest:" + hashlib.sha256(ids.encode()).hexdigest()[:24]


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    held: int = 0
    deferred: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.sent} deliveries sent in {self.messages} messages, {self.retrying} to "
                f"retry, {self.failed} failed for good, {self.held} held for quiet hours, "
                f"{self.deferred} left for the next run")


def _channels(subs: Subscriptions) -> dict[str, Channel]:
    if subs.configured:
        return dict(subs.channels)
    return {SINK_CHANNEL: Channel(name=SINK_CHANNEL, type="file")}


@contextlib.contextmanager
def _run_lock(settings: Settings) -> Iterator[None]:
    path = Path(str(settings.notify_ledger_path) + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TransientError(f"Another `pantau notify` is delivering (it holds {path}); "
                                 "this run does nothing.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Run:
    def __init__(self, settings: Settings, con: sqlite3.Connection, secrets: list[str],
                 clock: Callable[[], float]) -> None:
        self.settings = settings
        self.con = con
        self.secrets = secrets
        self.clock = clock

    def backoff(self, attempts: int) -> float:
        s = self.settings
        return float(min(s.notify_retry_max_s, s.notify_retry_s * 2 ** max(0, attempts - 1)))

    def sent(self, item: Item, response_id: str | None) -> None:
        now = _iso(self.clock())
        with self.con:
            self.con.execute("begin immediate")
            for row in item.rows:
                self.con.execute("""
                    update deliveries set status = 'sent', attempts = attempts + 1,
                        next_attempt_at = null, last_error = null, sent_at = ?, response_id = ?,
                        digest_id = ?, updated_at = ?
                    where event_id = ? and channel = ?""",
                                 [now, response_id, item.delivery_id if item.digest else None,
                                  now, row["event_id"], row["channel"]])

    def failed(self, item: Item, error: DeliveryError, *, tried: bool = True,
               wait: float | None = None) -> bool:
        """Record a failure; returns whether the rows will be tried again. A row that was not
        tried (its channel is down) keeps its status and attempts, and gets the reason and the
        time of the next attempt."""
        now = self.clock()
        reason = scrub(error.reason, self.secrets)[:500]
        attempts = item.attempts + (1 if tried else 0)
        item.attempts = attempts
        again = not error.permanent and attempts < self.settings.notify_max_attempts
        if wait is None:
            wait = error.retry_after if error.retry_after is not None else self.backoff(attempts)
        next_at = _iso(now + wait) if again else None
        if not again and not error.permanent:
            reason = f"{reason} (gave up after {attempts} attempts)"
        with self.con:
            self.con.execute("begin immediate")
            for row in item.rows:
                self.con.execute("""
                    update deliveries set status = ?, attempts = ?, next_attempt_at = ?,
                        last_error = ?, updated_at = ?
                    where event_id = ? and channel = ?""",
                                 ["failed" if tried or not again else row["status"],
                                  attempts if tried else row["attempts"], next_at, reason,
                                  _iso(now), row["event_id"], row["channel"]])
        log.warning("notify: %s to %s failed: %s", item.delivery_id, item.channel, reason)
        return again

    def defer(self, item: Item, at: float) -> None:
        with self.con:
            self.con.execute("begin immediate")
            for row in item.rows:
                self.con.execute("update deliveries set next_attempt_at = ?, updated_at = ? "
                                 "where event_id = ? and channel = ?",
                                 [_iso(at), _iso(self.clock()), row["event_id"], row["channel"]])


def _quiet(row: sqlite3.Row) -> QuietHours | None:
    if not row["quiet_hours"]:
        return None
    try:
        data = json.loads(row["quiet_hours"])
        return QuietHours.model_validate(data) if data else None
    except (ValueError, TypeError):
        return None


def deliver(settings: Settings, *, subscriptions: Subscriptions | None = None,
            clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
            client: Any = None, limit: int | None = None) -> DeliveryReport:
    """Send what is due in the ledger; see the module's documentation.

    ``clock`` and ``sleep`` are injectable (tests: no real waiting); ``client`` an httpx client;
    ``limit``: send at most this many messages (then stop; the rest stays due).
    """
    subs = subscriptions or load_subscriptions(settings)
    channels = _channels(subs)
    report = DeliveryReport()
    with _run_lock(settings), ledger(settings) as con:
        run = _Run(settings, con, all_secrets(settings, subs.secrets), clock)
        now = clock()
        due = con.execute("""
            select * from deliveries
            where status in ('pending', 'failed') and next_attempt_at is not null
                and next_attempt_at <= ?
            order by occurred_at, event_id, channel""", [_iso(now)]).fetchall()
        queues: dict[str, list[Item]] = {}
        digests: dict[str, list[sqlite3.Row]] = {}
        for row in due:
            name = row["channel"]
            if name not in channels:
                run.failed(Item(name, [row]), DeliveryError(
                    f"channel {name!r} is no longer declared in {subs.path.name}",
                    permanent=True), tried=False)
                report.failed += 1
                continue
            quiet = _quiet(row)
            moment = datetime.fromtimestamp(now, UTC)
            if quiet is not None and quiet.contains(moment):
                if not row["held"]:
                    con.execute("update deliveries set held = 1, updated_at = ? "
                                "where event_id = ? and channel = ?",
                                [_iso(now), row["event_id"], name])
                report.held += 1
                continue
            if row["held"]:
                digests.setdefault(name, []).append(row)
            else:
                queues.setdefault(name, []).append(Item(name, [row]))
        for name, rows in digests.items():  # the digest goes first: it is the oldest news
            queues.setdefault(name, []).insert(0, Item(name, rows))
        if not queues:
            return report
        senders = make_senders(channels, subs.secrets, settings, clock=clock, client=client)
        try:
            _serve(run, queues, senders.by_channel, settings, report, sleep, limit)
        finally:
            senders.close()
    return report


def _serve(run: _Run, queues: dict[str, list[Item]], senders: dict[str, Sender],
           settings: Settings, report: DeliveryReport, sleep: Callable[[float], None],
           limit: int | None) -> None:
    """Send the queued items, channel by channel in turn as their limits allow."""
    limits = Limits()
    paused: dict[str, float] = {}  # channel -> not before (retry_after)
    down: dict[str, tuple[DeliveryError, float]] = {}  # down key -> error, retry at
    while queues:
        if limit is not None and report.messages >= limit:
            break
        now = run.clock()
        for name in [n for n in queues if senders[n].down_key in down]:
            error, at = down[senders[name].down_key]
            for item in queues.pop(name):
                run.failed(item, error, tried=False, wait=max(0.0, at - now))
                report.retrying += len(item.rows)
        if not queues:
            break
        ready = {name: max(paused.get(name, float("-inf")),
                           limits.ready_at(senders[name].limits)) for name in queues}
        name = min(ready, key=lambda n: (ready[n], n))
        if ready[name] - now > settings.notify_max_wait_s:
            for waiting, items in queues.items():
                for item in items:
                    run.defer(item, ready[waiting])
                    report.deferred += len(item.rows)
            break
        if ready[name] > now:
            sleep(ready[name] - now)
            now = run.clock()
        item = queues[name][0]
        sender = senders[name]
        limits.take(sender.limits, now)
        try:
            try:
                payloads = [json.loads(row["payload"]) for row in item.rows]
                message = render(sender.channel.type, payloads, settings)
            except (ValueError, TypeError, KeyError, AttributeError) as bad:
                raise DeliveryError(f"cannot render the message ({type(bad).__name__}: "
                                    f"{str(bad)[:200]})", permanent=True) from None
            try:
                response_id = sender.send(message, item.delivery_id)
            except DeliveryError:
                raise
            except Exception as unexpected:  # a bug or an answer of a shape never seen
                raise DeliveryError(f"unexpected {type(unexpected).__name__}: "
                                    f"{str(unexpected)[:200]}") from None
        except DeliveryError as error:
            report.messages += 1
            again = run.failed(item, error)
            report.errors.append(f"{name}: {scrub(error.reason, run.secrets)}")
            if again and error.retry_after is not None and \
                    error.retry_after <= settings.notify_max_wait_s:
                paused[name] = run.clock() + error.retry_after
                continue  # stays first in its queue: tried again after the pause
            queues[name].pop(0)
            if again:
                report.retrying += len(item.rows)
            else:
                report.failed += len(item.rows)
            if error.channel_down:
                down[sender.down_key] = (error, run.clock() + run.backoff(item.attempts))
            elif error.retry_after is not None:  # a long pause: the rest waits for the next run
                for rest in queues.pop(name):
                    run.defer(rest, run.clock() + error.retry_after)
                    report.deferred += len(rest.rows)
        else:
            report.messages += 1
            queues[name].pop(0)
            run.sent(item, response_id)
            report.sent += len(item.rows)
        if name in queues and not queues[name]:
            del queues[name]


# --- status -----------------------------------------------------------------------------------

@dataclass
class Failure:
    event_id: str
    channel: str
    kind: str
    status: str
    attempts: int
    next_attempt_at: str | None
    last_error: str
    updated_at: str


@dataclass
class Status:
    counts: dict[str, dict[str, int]]  # channel -> status -> rows
    failures: list[Failure]
    held: int


def status(settings: Settings, *, failures: int = 50) -> Status:
    """Rows per channel and status, and the latest rows with an error (newest first)."""
    return read_status(settings.notify_ledger_path, failures=failures)


def read_status(path: Path, *, failures: int = 50) -> Status:
    """:func:`status` from the ledger at ``path``, opened read-only (the dashboard's view; a
    missing ledger has no deliveries)."""
    if not path.exists():
        return Status({}, [], 0)
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        counts: dict[str, dict[str, int]] = {}
        for row in con.execute("select channel, status, count(*) from deliveries "
                               "group by channel, status order by channel, status"):
            counts.setdefault(row[0], {})[row[1]] = row[2]
        held = con.execute("select count(*) from deliveries where held = 1 and status <> 'sent'"
                           ).fetchone()[0]
        rows = con.execute("""
            select event_id, channel, kind, status, attempts, next_attempt_at, last_error,
                updated_at
            from deliveries where last_error is not null and status <> 'sent'
            order by updated_at desc, event_id limit ?""", [failures]).fetchall()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return Status({}, [], 0)
        raise
    finally:
        con.close()
    return Status(counts, [Failure(*row) for row in rows], int(held))
