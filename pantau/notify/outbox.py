"""The outbox: each build's events, one row per event and channel that should hear of it.

The build (after dbt) calls :func:`write_outbox` with its run id. It reads the subscriptions
file first (a broken file fails the build, naming the line, before anything is written), finds
the events (:func:`pantau.notify.events.find_events`) and writes to ``ops.notification_outbox``
one row per (event, channel, build) for every channel with a subscription that matches the
event's kind, severity and unit. A channel that hears of a Polres' issue does not hear of it
again as the Polda or national wave it caused (an alert above the Polres whose most-named Polres
has its own alert at the same time). With no channel declared, every event goes to the local
sink (channel ``sink``, type ``file``). Delivery is the notify task's job: it sends, once per
(event, channel), the rows of builds that the publish log marks published.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from pantau.notify.events import Event, find_events
from pantau.notify.subscriptions import Subscriptions, load_subscriptions
from pantau.settings import Settings

log = logging.getLogger(__name__)

#: The channel of every event when the subscriptions file declares none.
SINK_CHANNEL = "sink"
#: Kinds whose identity is an issue, which a later build may see start earlier.
ALERT_KINDS = ("spike_opened", "response_overdue", "issue_answered", "issue_closed")
#: Outbox rows older than this many lookbacks are removed by the next build (the ledger keeps
#: what was delivered).
KEEP_LOOKBACKS = 3


@dataclass
class OutboxResult:
    events: int
    rows: int
    channels: int

    def summary(self) -> str:
        return f"{self.events} events, {self.rows} notifications for {self.channels} channels"


def _routes(event: Event, subscriptions: Subscriptions) -> dict[str, dict[str, Any] | None]:
    """The channels that should hear of ``event``, each with the quiet hours that apply (none
    when any of its matching subscriptions has none)."""
    if not subscriptions.configured:
        return {SINK_CHANNEL: None}
    routes: dict[str, dict[str, Any] | None] = {}
    for subscription in subscriptions.subscriptions:
        if not subscription.matches(kind=event.kind, severity=event.severity,
                                    unit_level=event.unit_level, polres_id=event.polres_id,
                                    polda_id=event.polda_id):
            continue
        quiet = subscription.quiet_hours
        hours = None if quiet is None else {"start": quiet.start.strftime("%H:%M"),
                                            "end": quiet.end.strftime("%H:%M"),
                                            "timezone": quiet.timezone}
        if subscription.channel not in routes or hours is None:
            routes[subscription.channel] = hours
    return routes


def _seen_from_above(event: Event, routed: list[Event], now: datetime) -> bool:
    """Whether ``event`` belongs to a Polda or national alert whose most-named Polres has its own
    alert at the same time among ``routed`` (what the same channel hears of): the same issue
    seen from above, which that channel then hears of once, as the Polres' issue."""
    if event.top_polres_id is None or event.started_at is None:
        return False
    end = event.ended_at or now
    return any(other.unit_id == event.top_polres_id and other.unit_level == "polres"
               and other.started_at is not None and other.started_at <= end
               and event.started_at <= (other.ended_at or now) for other in routed)


def _keep_ids(con: duckdb.DuckDBPyConnection, events: list[Event], since: datetime) -> None:
    """Give an issue's events the ids an earlier build gave them when its start has moved:
    same kind and unit, overlapping interval."""
    alert_events = [e for e in events if e.kind in ALERT_KINDS and e.started_at is not None]
    if not alert_events:
        return
    earlier = con.execute("""
        select distinct event_id, kind, unit_id,
            cast(payload ->> 'started_at' as timestamp) as started_at,
            cast(payload ->> 'ended_at' as timestamp) as ended_at
        from ops.notification_outbox
        where occurred_at >= ? and kind in (select unnest(?::varchar[]))
    """, [since, list(ALERT_KINDS)]).fetchall()
    known = {row[0] for row in earlier}
    by_unit: dict[tuple[str, str], list[tuple[str, datetime, datetime | None]]] = {}
    for ident, kind, unit, started, ended in earlier:
        by_unit.setdefault((kind, unit), []).append((ident, started, ended))
    for event in alert_events:
        if event.event_id in known:
            continue
        assert event.started_at is not None
        end = event.ended_at or datetime.max
        # one event id can have been written open (no end) and later closed, with the same
        # start: the order treats a missing end as the latest (tuples would compare None)
        for ident, started, ended in sorted(
                by_unit.get((event.kind, event.unit_id or ""), []),
                key=lambda row: (row[0], row[1], row[2] or datetime.max)):
            if started <= end and event.started_at <= (ended or datetime.max):
                log.info("%s of %s: the issue's start moved (%s -> %s), keeping event %s",
                         event.kind, event.unit_id, started, event.started_at, ident)
                event.event_id = ident
                event.payload["event_id"] = ident
                break


def write_outbox(settings: Settings, build_id: str,
                 con: duckdb.DuckDBPyConnection | None = None,
                 subscriptions: Subscriptions | None = None) -> OutboxResult:
    """Write this build's notifications into ``ops.notification_outbox``.

    Args:
        build_id: the build's run id (what ``audit.publish_log`` records at publish).
        con: an open connection to the warehouse (else one is opened and closed).
        subscriptions: the subscriptions file as loaded (else it is loaded here).

    Raises:
        SubscriptionError: the subscriptions file is broken (nothing is written).
    """
    if subscriptions is None:
        subscriptions = load_subscriptions(settings)
    if con is None:
        from pantau.connections import warehouse

        own = warehouse.connect(settings.warehouse_path)
        try:
            warehouse.ensure_raw(own)
            return write_outbox(settings, build_id, own, subscriptions)
        finally:
            own.close()
    events = find_events(con, settings)
    lookback = timedelta(hours=settings.notify_lookback_hours)
    if events:
        newest = max(event.occurred_at for event in events)
        _keep_ids(con, events, newest - 2 * lookback)
    written_at = datetime.now(UTC).replace(tzinfo=None)
    routes = [(event, _routes(event, subscriptions)) for event in events]
    by_channel: dict[str, list[Event]] = {}
    for event, channels in routes:
        for channel in channels:
            by_channel.setdefault(channel, []).append(event)
    now = max((event.occurred_at for event in events), default=written_at)
    rows = []
    for event, channels in routes:
        for channel, quiet in channels.items():
            if _seen_from_above(event, by_channel[channel], now):
                continue
            rows.append((build_id, event.event_id, channel, event.kind, event.severity,
                         event.unit_id, event.unit_level, event.polres_id, event.polda_id,
                         event.occurred_at, json.dumps(quiet) if quiet else None,
                         json.dumps(event.payload, ensure_ascii=False), written_at))
    con.execute("begin")
    try:
        con.execute("delete from ops.notification_outbox where build_id = ?", [build_id])
        if rows:
            con.executemany("insert into ops.notification_outbox values "
                            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("delete from ops.notification_outbox where written_at < ?",
                    [written_at - KEEP_LOOKBACKS * lookback])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return OutboxResult(len(events), len(rows), len({row[2] for row in rows}))
