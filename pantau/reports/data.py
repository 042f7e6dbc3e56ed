"""What a report shows, read from the published snapshot of the marts.

Every figure a report prints comes from one query on the marts (docs/marts.md), so a reader can
check it with the same SQL in `pantau sql`:

- mentions and engagement: ``mart_unit_engagement_daily`` (every platform), summed over the
  period's days;
- net sentiment: ``mart_unit_sentiment_daily`` (the public's posts), (positive - negative) /
  posts over the period;
- alerts: ``mart_issue_alerts`` of the unit that started in the period, with the median of their
  ``response_minutes`` (the answered ones);
- viral posts: ``mart_viral_posts`` that count for the unit (``unit_ids``) created in the period,
  the most engaging positive and negative ones;
- scorecard: ``mart_unit_scorecard``, the unit's ``reputation_rank`` in the ISO week of the
  period's last day, among the units of its level, and the change since the week before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb

Period = Literal["day", "week"]
PERIODS: tuple[Period, ...] = ("day", "week")
#: Days drawn in the charts: a week (the report's week, or the week up to the report's day).
CHART_DAYS = 7
TOP_VIRAL = 5
MAX_ALERTS = 12


@dataclass(frozen=True)
class Unit:
    unit_id: str
    unit_level: str
    unit_name: str
    polda_id: str | None
    polda_name: str | None


@dataclass(frozen=True)
class Window:
    """The days a report covers: one day, or an ISO week (Monday to Sunday)."""

    period: Period
    start: dt.date
    end: dt.date

    @classmethod
    def of(cls, period: Period, end: dt.date) -> Window:
        if period == "day":
            return cls(period, end, end)
        monday = end - dt.timedelta(days=end.weekday())
        return cls(period, monday, monday + dt.timedelta(days=6))

    @property
    def label(self) -> str:
        """The folder name of the period: ``2026-11-21`` or ``2026-W47``."""
        if self.period == "day":
            return self.end.isoformat()
        year, week, _ = self.end.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def week_start(self) -> dt.date:
        """The Monday of the ISO week the period ends in (the scorecard's week)."""
        return self.end - dt.timedelta(days=self.end.weekday())

    @property
    def chart_start(self) -> dt.date:
        return self.end - dt.timedelta(days=CHART_DAYS - 1)


@dataclass
class DayPoint:
    day: dt.date
    mentions: int
    public_posts: int
    net_sentiment: float | None
    in_period: bool


@dataclass
class Alert:
    started_at: dt.datetime
    topic: str
    negative_post_count: int
    is_open: bool
    is_responded: bool
    response_minutes: float | None
    top_post_url: str | None


@dataclass
class ViralPost:
    platform: str
    author_label: str
    post_text: str
    url: str | None
    engagement: int
    created_at: dt.datetime


@dataclass
class Rank:
    rank: int | None
    units: int
    previous: int | None

    @property
    def change(self) -> int | None:
        """Places gained since the week before (negative: lost); None without both ranks."""
        if self.rank is None or self.previous is None:
            return None
        return self.previous - self.rank


@dataclass
class PolresRow:
    unit_id: str
    unit_name: str
    mentions: int
    net_sentiment: float | None
    alert_count: int
    rank: Rank


@dataclass
class Figures:
    """Everything a report prints, as numbers (the test compares them with the marts)."""

    unit: Unit
    window: Window
    mentions: int
    engagement: int
    public_posts: int
    net_sentiment: float | None
    alert_count: int
    responded_count: int
    median_response_minutes: float | None
    rank: Rank
    days: list[DayPoint] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    positive_posts: list[ViralPost] = field(default_factory=list)
    negative_posts: list[ViralPost] = field(default_factory=list)
    polres: list[PolresRow] = field(default_factory=list)


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> tuple[Any, ...]:
    row = con.execute(sql, params).fetchone()
    assert row is not None
    return row


def units(con: duckdb.DuckDBPyConnection, level: str | None = None) -> list[Unit]:
    """The units of the snapshot (Polda and Polres), optionally of one level, by id."""
    rows = con.execute("""
        select unit_id, unit_level, unit_name, polda_id, polda_name
        from marts.dim_police_units
        where unit_level in ('polda', 'polres') and (? is null or unit_level = ?)
        order by unit_id""", [level, level]).fetchall()
    return [Unit(*row) for row in rows]


def active_units(con: duckdb.DuckDBPyConnection, window: Window) -> list[Unit]:
    """The Polda and Polres with a mention or an issue alert in ``window``, by id."""
    rows = con.execute("""
        select unit_id, unit_level, unit_name, polda_id, polda_name
        from marts.dim_police_units as u
        where unit_level in ('polda', 'polres')
          and (exists (select 1 from marts.mart_unit_engagement_daily as e
                       where e.unit_id = u.unit_id and e.activity_date between ? and ?)
               or exists (select 1 from marts.mart_issue_alerts as a
                          where a.unit_id = u.unit_id and a.started_at::date between ? and ?))
        order by unit_id""", [window.start, window.end, window.start, window.end]).fetchall()
    return [Unit(*row) for row in rows]


def newest_day(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The newest day with posts in the snapshot (its data clock)."""
    day: dt.date | None = _one(con, "select max(activity_date) from marts.mart_unit_engagement_daily",
                               [])[0]
    return day


def _rank(con: duckdb.DuckDBPyConnection, unit: Unit, week_start: dt.date) -> Rank:
    rank, units_ranked, previous = _one(con, """
        select
            max(reputation_rank) filter (where unit_id = ? and week_start_date = ?),
            count(*) filter (where week_start_date = ?),
            max(reputation_rank) filter (where unit_id = ? and week_start_date = ? - 7)
        from marts.mart_unit_scorecard
        where unit_level = ?""",
        [unit.unit_id, week_start, week_start, unit.unit_id, week_start, unit.unit_level])
    return Rank(rank, units_ranked, previous)


def _totals(con: duckdb.DuckDBPyConnection, unit_id: str, start: dt.date,
            end: dt.date) -> tuple[int, int, int, float | None]:
    mentions, engagement = _one(con, """
        select coalesce(sum(post_count), 0)::bigint, coalesce(sum(engagement), 0)::bigint
        from marts.mart_unit_engagement_daily
        where unit_id = ? and activity_date between ? and ?""", [unit_id, start, end])
    public, net = _one(con, """
        select coalesce(sum(post_count), 0)::bigint,
               (sum(positive_count) - sum(negative_count)) / sum(post_count)
        from marts.mart_unit_sentiment_daily
        where unit_id = ? and activity_date between ? and ?""", [unit_id, start, end])
    return int(mentions), int(engagement), int(public), None if net is None else float(net)


def _days(con: duckdb.DuckDBPyConnection, unit_id: str, window: Window) -> list[DayPoint]:
    rows = con.execute("""
        with days as (
            select d::date as day
            from range(?::date, ?::date + 1, interval 1 day) as t(d)
        ),
        volume as (
            select activity_date as day, sum(post_count)::bigint as mentions
            from marts.mart_unit_engagement_daily
            where unit_id = ? group by all
        ),
        sentiment as (
            select activity_date as day, sum(post_count)::bigint as public_posts,
                   (sum(positive_count) - sum(negative_count)) / sum(post_count) as net
            from marts.mart_unit_sentiment_daily
            where unit_id = ? group by all
        )
        select days.day, coalesce(volume.mentions, 0), coalesce(sentiment.public_posts, 0),
               sentiment.net
        from days
        left join volume on volume.day = days.day
        left join sentiment on sentiment.day = days.day
        order by days.day""",
        [min(window.start, window.chart_start), window.end, unit_id, unit_id]).fetchall()
    return [DayPoint(day, int(m), int(p), None if n is None else float(n),
                     window.start <= day <= window.end) for day, m, p, n in rows]


def _alerts(con: duckdb.DuckDBPyConnection, unit_id: str,
            window: Window) -> tuple[int, int, float | None, list[Alert]]:
    count, responded, median = _one(con, """
        select count(*), count(*) filter (where is_responded), median(response_minutes)
        from marts.mart_issue_alerts
        where unit_id = ? and started_at::date between ? and ?""",
        [unit_id, window.start, window.end])
    rows = con.execute("""
        select started_at, topic, negative_post_count, is_open, is_responded, response_minutes,
               top_post_url
        from marts.mart_issue_alerts
        where unit_id = ? and started_at::date between ? and ?
        order by started_at, alert_id
        limit ?""", [unit_id, window.start, window.end, MAX_ALERTS]).fetchall()
    return (int(count), int(responded), None if median is None else float(median),
            [Alert(*row) for row in rows])


def _viral(con: duckdb.DuckDBPyConnection, unit_id: str, window: Window,
           sentiment: str) -> list[ViralPost]:
    rows = con.execute("""
        select platform, author_label, post_text, url, engagement, created_at
        from marts.mart_viral_posts
        where list_contains(unit_ids, ?) and sentiment_label = ?
          and created_at::date between ? and ?
        order by engagement desc, post_key
        limit ?""", [unit_id, sentiment, window.start, window.end, TOP_VIRAL]).fetchall()
    return [ViralPost(p, a or "", t or "", u, int(e or 0), c) for p, a, t, u, e, c in rows]


def _polres_of(con: duckdb.DuckDBPyConnection, polda: Unit, window: Window) -> list[PolresRow]:
    """The Polda's Polres with their figures of the period, in one query (the same sums as
    :func:`_totals`, :func:`_alerts` and :func:`_rank`)."""
    rows = con.execute("""
        with polres as (
            select unit_id, unit_name from marts.dim_police_units
            where unit_level = 'polres' and polda_id = ?
        ),
        volume as (
            select unit_id, sum(post_count)::bigint as mentions
            from marts.mart_unit_engagement_daily
            where activity_date between ? and ? group by unit_id
        ),
        sentiment as (
            select unit_id,
                   (sum(positive_count) - sum(negative_count)) / sum(post_count) as net
            from marts.mart_unit_sentiment_daily
            where activity_date between ? and ? group by unit_id
        ),
        alerts as (
            select unit_id, count(*) as alert_count
            from marts.mart_issue_alerts
            where started_at::date between ? and ? group by unit_id
        ),
        ranks as (
            select unit_id,
                   max(reputation_rank) filter (where week_start_date = ?) as rank,
                   max(reputation_rank) filter (where week_start_date = ? - 7) as previous
            from marts.mart_unit_scorecard
            where unit_level = 'polres' group by unit_id
        )
        select polres.unit_id, polres.unit_name, coalesce(volume.mentions, 0), sentiment.net,
               coalesce(alerts.alert_count, 0), ranks.rank, ranks.previous,
               (select count(*) from marts.mart_unit_scorecard
                where unit_level = 'polres' and week_start_date = ?)
        from polres
        left join volume on volume.unit_id = polres.unit_id
        left join sentiment on sentiment.unit_id = polres.unit_id
        left join alerts on alerts.unit_id = polres.unit_id
        left join ranks on ranks.unit_id = polres.unit_id
        order by polres.unit_name, polres.unit_id""",
        [polda.unit_id, window.start, window.end, window.start, window.end, window.start,
         window.end, window.week_start, window.week_start, window.week_start]).fetchall()
    return [PolresRow(unit_id, name, int(mentions), None if net is None else float(net),
                      int(alerts), Rank(rank, int(ranked), previous))
            for unit_id, name, mentions, net, alerts, rank, previous, ranked in rows]


def read_figures(con: duckdb.DuckDBPyConnection, unit: Unit, window: Window) -> Figures:
    """Every figure of the report of ``unit`` over ``window``."""
    mentions, engagement, public, net = _totals(con, unit.unit_id, window.start, window.end)
    count, responded, median, alerts = _alerts(con, unit.unit_id, window)
    return Figures(
        unit=unit, window=window, mentions=mentions, engagement=engagement, public_posts=public,
        net_sentiment=net, alert_count=count, responded_count=responded,
        median_response_minutes=median, rank=_rank(con, unit, window.week_start),
        days=_days(con, unit.unit_id, window), alerts=alerts,
        positive_posts=_viral(con, unit.unit_id, window, "positive"),
        negative_posts=_viral(con, unit.unit_id, window, "negative"),
        polres=_polres_of(con, unit, window) if unit.unit_level == "polda" else [])
