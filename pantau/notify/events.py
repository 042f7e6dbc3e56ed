"""The events worth telling someone, read from the marts a build just made.

An event is one of the subscription kinds (:data:`pantau.notify.subscriptions.KINDS`) with
the facts its message needs (the payload, see docs/notifications.md):

``spike_opened``
    an issue alert (``mart_issue_alerts``): a negative spike about a Polres, a Polda or Polri;
``response_overdue``
    an issue its unit's official accounts had not answered ``PANTAU_RESPONSE_TARGET_MINUTES``
    after it started (also when the answer came later than that);
``issue_answered`` / ``issue_closed``
    the first official response / the end of the issue;
``viral_negative_post`` / ``viral_positive_post``
    a viral post (``mart_viral_posts``) read as negative / positive.

"Now" is the newest post's ``created_at`` (the data's clock, so a replayed day behaves as it
did live), and only events within ``PANTAU_NOTIFY_LOOKBACK_HOURS`` of it are read: a first build
on a long history does not announce every past issue.

An event keeps its ``event_id`` from build to build: for an alert it is made of the kind, the
unit and the alert's start; when a later build moves an issue's start (an earlier post of its
conversation arrived late), :func:`pantau.notify.outbox.write_outbox` keeps the id the earlier
build gave it, so the same issue is never announced twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb

from pantau.notify.messages import clean_text, safe_url
from pantau.settings import MartTunables, Settings


@dataclass
class Event:
    """One event: its identity, what subscriptions filter on, and its message's facts."""

    event_id: str
    kind: str
    severity: str
    unit_id: str | None
    unit_level: str | None
    polres_id: str | None
    polda_id: str | None
    occurred_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    #: for alert events: the issue's interval, to recognise it when its start moves
    started_at: datetime | None = None
    ended_at: datetime | None = None
    #: for a Polda or national alert: the Polres its negative posts name most
    top_polres_id: str | None = None


def event_id(*parts: object) -> str:
    """A stable id from the event's defining parts (32 hex characters)."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]


def severity_of(growth: float | None, settings: Settings) -> str:
    """``high`` from ``PANTAU_NOTIFY_HIGH_GROWTH`` times the baseline, ``medium`` from
    ``PANTAU_NOTIFY_MEDIUM_GROWTH``, else ``low``."""
    if growth is None:
        return "low"
    if growth >= settings.notify_high_growth:
        return "high"
    return "medium" if growth >= settings.notify_medium_growth else "low"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def _rows(con: duckdb.DuckDBPyConnection, sql: str,
          params: list[Any] | dict[str, Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _posts(con: duckdb.DuckDBPyConnection, keys: set[str]) -> dict[str, dict[str, Any]]:
    if not keys:
        return {}
    # The same rows, bounded by the earliest of their created_at (found by a scan of two narrow
    # columns): the zone maps skip the older row groups, where a filter on post_key alone
    # decoded every post's text (at 20M posts: 15.5 s for 117 posts).
    rows = _rows(con, """
        select post_key, post_text, platform, engagement, url, author_label, sentiment_label
        from marts.fct_posts
        where post_key in (select unnest($keys::varchar[]))
            and created_at >= coalesce((
                select min(bound.created_at) from marts.fct_posts as bound
                where bound.post_key in (select unnest($keys::varchar[]))
            ), 'infinity'::timestamp)
    """, {"keys": sorted(keys)})
    return {row["post_key"]: {
        "excerpt": clean_text(row["post_text"]), "platform": row["platform"],
        "engagement": int(row["engagement"] or 0), "url": safe_url(row["url"]),
        "author_label": row["author_label"], "sentiment": row["sentiment_label"]} for row in rows}


def data_now(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The newest post's ``created_at``: the clock events are read against."""
    row = con.execute("select max(created_at) from marts.fct_posts").fetchone()
    return row[0] if row else None


def find_events(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[Event]:
    """Every event within the lookback, from the built marts (a connection to the warehouse)."""
    now = data_now(con)
    if now is None:
        return []
    since = now - timedelta(hours=settings.notify_lookback_hours)
    target = MartTunables.from_env().response_target_minutes  # as dbt reads it
    alerts = _rows(con, """
        select *
        from marts.mart_issue_alerts
        where is_open or ended_at >= ? or started_at >= ?
           or first_response_at >= ?
        order by started_at, unit_id
    """, [since, since, since])
    virals = _rows(con, """
        select viral.post_key, viral.unit_id, viral.unit_level, viral.polres_id,
            posts.polda_id, viral.polda_name, viral.topic, viral.sentiment_label,
            viral.velocity_ratio, viral.virality_score, viral.engagement, viral.created_at,
            units.unit_name
        from marts.mart_viral_posts as viral
        -- created_at too (the mart copies it): the scan of fct_posts skips older row groups
        inner join marts.fct_posts as posts
            on viral.post_key = posts.post_key
            and viral.created_at = posts.created_at
        left join marts.dim_police_units as units
            on viral.unit_id = units.unit_id
        where viral.created_at >= ? and viral.sentiment_label in ('negative', 'positive')
        order by viral.created_at, viral.post_key
    """, [since])
    posts = _posts(con, {key for alert in alerts for key in alert["top_post_keys"] or []}
                   | {viral["post_key"] for viral in virals})
    base = settings.notify_dashboard_url.rstrip("/")
    events: list[Event] = []
    for alert in alerts:
        events += _alert_events(alert, posts, now, target, base, settings)
    for viral in virals:
        kind = f"viral_{viral['sentiment_label']}_post"
        unit = {"unit_id": viral["unit_id"], "unit_level": viral["unit_level"],
                "unit_name": viral["unit_name"], "polres_id": viral["polres_id"],
                "polres_name": viral["unit_name"] if viral["unit_level"] == "polres" else None,
                "polda_id": viral["polda_id"], "polda_name": viral["polda_name"]}
        ident = event_id(kind, viral["post_key"])
        growth = float(viral["velocity_ratio"]) if viral["velocity_ratio"] is not None else None
        severity = severity_of(growth, settings)
        events.append(Event(ident, kind, severity, viral["unit_id"], viral["unit_level"],
                            viral["polres_id"], viral["polda_id"], viral["created_at"], {
            "event_id": ident, "kind": kind, "severity": severity,
            "occurred_at": _iso(viral["created_at"]), "unit": unit, "alert_id": None,
            "post_key": viral["post_key"], "topic": viral["topic"],
            "started_at": _iso(viral["created_at"]), "peak_at": None, "ended_at": None,
            "is_open": None, "negative_post_count": None, "peak_hour_count": None,
            "baseline_per_hour": None, "growth": growth, "news_site_count": None,
            "top_posts": [posts[viral["post_key"]]] if viral["post_key"] in posts else [],
            "response": None, "target_minutes": target, "overdue_minutes": None,
            "dashboard_url": f"{base}/#post={viral['post_key']}"}))
    return events


def _alert_events(alert: dict[str, Any], posts: dict[str, dict[str, Any]], now: datetime,
                  target: int, base: str, settings: Settings) -> list[Event]:
    """The events one issue alert gives: opened, overdue, answered, closed (as far as true)."""
    started, ended = alert["started_at"], alert["ended_at"]
    baseline = float(alert["baseline_per_hour"] or 0.0)
    growth = round(float(alert["peak_hour_count"]) / max(baseline, 1.0), 1)
    severity = severity_of(growth, settings)
    unit = {key: alert[key] for key in ("unit_id", "unit_level", "unit_name", "polres_id",
                                        "polres_name", "polda_id", "polda_name")}
    responded_at = alert["first_response_at"]
    due = started + timedelta(minutes=target)
    overdue = (due <= now) and (responded_at is None or responded_at > due)
    facts = {
        "alert_id": alert["alert_id"], "post_key": None, "unit": unit, "topic": alert["topic"],
        "started_at": _iso(started), "peak_at": _iso(alert["peak_at"]), "ended_at": _iso(ended),
        "is_open": bool(alert["is_open"]),
        "negative_post_count": int(alert["negative_post_count"]),
        "peak_hour_count": int(alert["peak_hour_count"]), "baseline_per_hour": baseline,
        "growth": growth, "news_site_count": int(alert["news_site_count"] or 0),
        "top_posts": [posts[key] for key in (alert["top_post_keys"] or [])[:3] if key in posts],
        "response": {"responded": responded_at is not None,
                     "first_response_at": _iso(responded_at),
                     "response_minutes": (float(alert["response_minutes"])
                                          if alert["response_minutes"] is not None else None),
                     "url": safe_url(alert["first_response_url"])},
        "target_minutes": target,
        "overdue_minutes": (round((min(now, responded_at or now) - started).total_seconds() / 60)
                            if overdue else None),
        "dashboard_url": f"{base}/#issue={alert['alert_id']}",
    }
    happened: list[tuple[str, datetime, tuple[object, ...]]] = [
        ("spike_opened", started, ())]
    if overdue:
        happened.append(("response_overdue", due, (target,)))
    if responded_at is not None:
        happened.append(("issue_answered", responded_at, ()))
    if ended is not None:
        happened.append(("issue_closed", ended, ()))
    events = []
    for kind, occurred, extra in happened:
        ident = event_id(kind, alert["unit_id"], _iso(started), *extra)
        events.append(Event(ident, kind, severity, alert["unit_id"], alert["unit_level"],
                            alert["polres_id"], alert["polda_id"], occurred,
                            {"event_id": ident, "kind": kind, "severity": severity,
                             "occurred_at": _iso(occurred), **facts},
                            started_at=started, ended_at=ended,
                            top_polres_id=(alert["top_polres_id"]
                                           if alert["unit_level"] != "polres" else None)))
    return events
