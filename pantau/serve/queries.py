"""The SQL behind the dashboard's JSON endpoints: the filters of the page and how they become
conditions (:class:`Filters`), one function per endpoint reading the published marts, and
:data:`ROUTES` from each endpoint's path to its function. The app (routes, middleware, login)
is :mod:`pantau.serve.dashboard`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pantau.contract.vocabulary import Platform

TOP_SERIES = 8  # lines per chart: the Polres with the most posts in the filter


class BadRequest(ValueError):
    """A filter value the API cannot use."""


class Filters(BaseModel):
    """The page's filters, from the query string, and how they become SQL conditions.

    An empty value means no filter. Unknown parameters, a value given twice, a platform outside
    the contract, a date that is not ``YYYY-MM-DD`` and over-long values are refused (400).
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    polda: str | None = Field(None, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    polres: str | None = Field(None, max_length=100, pattern=r"^[a-z0-9_]+$")
    platform: Platform | None = None
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    def where(self, *, date: str | None, polres: str = "polres_id", polda: str | None = "polda_name",
              platform: str | None = "platform") -> tuple[str, list[Any]]:
        """``where …`` for the columns a mart has (None: the mart lacks it, filter ignored)."""
        conditions, params = ["true"], []
        wanted = [(polres, "=", self.polres), (polda, "=", self.polda),
                  (platform, "=", self.platform),
                  (date and f"{date}::date", ">=", self.date_from),
                  (date and f"{date}::date", "<=", self.date_to)]
        for column, operator, value in wanted:
            if column and value is not None:
                conditions.append(f"{column} {operator} ?")
                params.append(value)
        return "where " + " and ".join(conditions), params


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _series(rows: list[dict[str, Any]], value: str) -> dict[str, Any]:
    """Rows of (activity_date, polres_id, polres_name, value) → labels and one series per Polres."""
    days = sorted({r["activity_date"] for r in rows})
    totals: dict[str, float] = {}
    names: dict[str, str] = {}
    for r in rows:
        totals[r["polres_id"]] = totals.get(r["polres_id"], 0) + (r.get("posts") or 0)
        names[r["polres_id"]] = r["polres_name"]
    top = sorted(totals, key=lambda p: (-totals[p], p))[:TOP_SERIES]
    index = {d: i for i, d in enumerate(days)}
    series = []
    for polres_id in top:
        values: list[float | None] = [None] * len(days)
        for r in rows:
            if r["polres_id"] == polres_id:
                values[index[r["activity_date"]]] = r[value]
        series.append({"polres_id": polres_id, "label": names[polres_id], "data": values})
    return {"labels": days, "series": series, "polres_total": len(totals)}


def api_filters(con: duckdb.DuckDBPyConnection, _f: Filters) -> dict[str, Any]:
    polres = _rows(con, "select polres_id, polres_name, polda_name from marts.dim_polres "
                   "order by polda_name, polres_name", [])
    platforms = [r["platform"] for r in _rows(
        con, "select distinct platform from marts.mart_polres_engagement_daily order by 1", [])]
    span = _rows(con, "select min(activity_date) as first_day, max(activity_date) as last_day "
                 "from marts.mart_polres_engagement_daily", [])[0]
    return {"poldas": sorted({p["polda_name"] for p in polres if p["polda_name"]}),
            "polres": polres, "platforms": platforms, **span}


def api_volume(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    where, params = f.where(date="e.activity_date", polres="e.polres_id", polda="d.polda_name",
                            platform="e.platform")
    rows = _rows(con, f"""
        select e.activity_date, e.polres_id, d.polres_name, sum(e.post_count) as posts,
               sum(e.engagement) as engagement
        from marts.mart_polres_engagement_daily as e
        inner join marts.dim_polres as d on d.polres_id = e.polres_id
        {where}
        group by all order by e.activity_date""", params)
    return _series(rows, "posts")


def api_sentiment(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    if f.platform:  # the sentiment mart has no platform: count the posts themselves
        where, params = f.where(date="p.created_date", polres="p.polres_id", polda="d.polda_name",
                                platform="p.platform")
        source = f"""
            select p.created_date as activity_date, p.polres_id, d.polres_name,
                   count(*) as posts,
                   count(*) filter (where p.sentiment_label = 'positive') as positive,
                   count(*) filter (where p.sentiment_label = 'negative') as negative
            from marts.fct_posts as p
            inner join marts.dim_polres as d on d.polres_id = p.polres_id
            {where}
            group by all"""
    else:
        where, params = f.where(date="s.activity_date", polres="s.polres_id", polda="d.polda_name",
                                platform=None)
        source = f"""
            select s.activity_date, s.polres_id, d.polres_name, sum(s.post_count) as posts,
                   sum(s.positive_count) as positive, sum(s.negative_count) as negative
            from marts.mart_polres_sentiment_daily as s
            inner join marts.dim_polres as d on d.polres_id = s.polres_id
            {where}
            group by all"""
    rows = _rows(con, f"""
        select activity_date, polres_id, polres_name, posts,
               round((positive - negative) / posts, 3) as net_sentiment
        from ({source}) order by activity_date""", params)
    return _series(rows, "net_sentiment")


def api_viral(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    where, params = f.where(date="v.created_at", polres="v.polres_id", polda="d.polda_name",
                            platform="v.platform")
    rows = _rows(con, f"""
        select v.viral_rank, v.post_key, v.platform, v.url, v.author_label, v.post_text,
               v.sentiment_label, v.topic, v.engagement, v.velocity_ratio, v.virality_score,
               v.created_at, v.polres_id, d.polres_name
        from marts.mart_viral_posts as v
        left join marts.dim_polres as d on d.polres_id = v.polres_id
        {where}
        order by v.viral_rank limit 20""", params)
    return {"posts": rows}


def api_alerts(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    """The Polres' issue alerts (the mart also holds Polda and national ones, polres_id null)."""
    where, params = f.where(date="started_at", platform=None)
    rows = _rows(con, f"""
        select alert_id, polres_id, polres_name, polda_name, topic, started_at, peak_at, ended_at,
               negative_post_count, top_post_url, first_response_url, first_response_at,
               response_minutes, is_responded, is_open
        from marts.mart_issue_alerts
        {where} and unit_level = 'polres'
        order by is_open desc, started_at desc limit 50""", params)
    return {"alerts": rows, "open": sum(1 for r in rows if r["is_open"])}


def api_scorecard(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    where, params = f.where(date="week_start_date", platform=None)
    if f.date_from:  # a week that started before `from` still overlaps it
        where = where.replace("week_start_date::date >= ?", "week_start_date::date >= ? - 6")
    rows = _rows(con, f"""
        select polres_id, polres_name, polda_name, latitude, longitude, week_start_date,
               post_count, engagement, net_sentiment, alert_count, median_response_minutes,
               response_rate, reputation_score, reputation_rank
        from marts.mart_polres_scorecard
        {where}
        qualify row_number() over (partition by polres_id order by week_start_date desc) = 1
        order by reputation_score desc, polres_id""", params)
    return {"polres": rows}


ROUTES: dict[str, Callable[[duckdb.DuckDBPyConnection, Filters], dict[str, Any]]] = {
    "/api/filters": api_filters,
    "/api/volume": api_volume,
    "/api/sentiment": api_sentiment,
    "/api/viral": api_viral,
    "/api/alerts": api_alerts,
    "/api/scorecard": api_scorecard,
}
