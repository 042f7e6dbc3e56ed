"""The SQL behind the dashboard's JSON endpoints: the filters of the page and how they become
conditions (:class:`Filters`), one function per endpoint reading the published marts, and
:data:`ROUTES` from each endpoint's path to its function. The app (routes, middleware, login)
is :mod:`pantau.serve.dashboard`.

The charts, the alerts and the scorecard are drawn at one level of the police
(:data:`LEVELS`: Polri nationally, the Polda or the Polres), chosen by the ``level`` filter:
they read the ``mart_unit_*`` marts, ``mart_issue_alerts`` and ``dim_police_units`` where
``unit_level`` is that level (a bound parameter, like every filter value).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal, get_args

import duckdb
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from pantau.contract.vocabulary import Platform

TOP_SERIES = 8  # lines per chart: the units with the most posts in the filter

Level = Literal["national", "polda", "polres"]
#: The levels of ``unit_level`` in the marts: Polri, the Polda, the Polres.
LEVELS: tuple[Level, ...] = get_args(Level)
DEFAULT_LEVEL: Level = "polres"


class BadRequest(ValueError):
    """A filter value the API cannot use."""


class Filters(BaseModel):
    """The page's filters, from the query string, and how they become SQL conditions.

    An empty value means no filter (for ``level``: the default, ``polres``). Unknown parameters,
    a value given twice, a level or platform outside their sets, a date that is not
    ``YYYY-MM-DD`` and over-long values are refused (400).

    ``level`` chooses the units the charts, alerts and scorecard show. The ``polda`` and
    ``polres`` filters narrow only levels at or below theirs, everywhere (the viral posts too):
    at ``national`` both are ignored (Polri is the only unit: nothing to narrow), at ``polda``
    ``polda`` selects that Polda and ``polres`` is ignored, at ``polres`` both apply as before.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    level: Level = DEFAULT_LEVEL
    polda: str | None = Field(None, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    polres: str | None = Field(None, max_length=100, pattern=r"^[a-z0-9_]+$")
    platform: Platform | None = None
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any, info: ValidationInfo) -> Any:
        if value == "":
            return DEFAULT_LEVEL if info.field_name == "level" else None
        return value

    @property
    def polda_in_scope(self) -> str | None:
        """The ``polda`` filter where it applies: below the national level."""
        return None if self.level == "national" else self.polda

    @property
    def polres_in_scope(self) -> str | None:
        """The ``polres`` filter where it applies: at the Polres level."""
        return self.polres if self.level == "polres" else None

    def where(self, *, date: str | None, polres: str | None = "polres_id",
              polda: str | None = "polda_name",
              platform: str | None = "platform", level: str | None = None) -> tuple[str, list[Any]]:
        """``where …`` for the columns a mart has (None: the mart lacks it, filter ignored).

        ``level`` names the mart's ``unit_level`` column, for the marts of every level.
        """
        conditions, params = ["true"], []
        wanted = [(level, "=", self.level),
                  (polres, "=", self.polres_in_scope), (polda, "=", self.polda_in_scope),
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


def _series(rows: list[dict[str, Any]], value: str, level: Level) -> dict[str, Any]:
    """Rows of (activity_date, unit_id, unit_name, posts, value) → labels and one series per
    unit (the :data:`TOP_SERIES` with the most posts)."""
    days = sorted({r["activity_date"] for r in rows})
    totals: dict[str, float] = {}
    names: dict[str, str] = {}
    for r in rows:
        totals[r["unit_id"]] = totals.get(r["unit_id"], 0) + (r.get("posts") or 0)
        names[r["unit_id"]] = r["unit_name"]
    top = sorted(totals, key=lambda u: (-totals[u], u))[:TOP_SERIES]
    index = {d: i for i, d in enumerate(days)}
    series = []
    for unit_id in top:
        values: list[float | None] = [None] * len(days)
        for r in rows:
            if r["unit_id"] == unit_id:
                values[index[r["activity_date"]]] = r[value]
        series.append({"unit_id": unit_id, "label": names[unit_id], "data": values})
    return {"level": level, "labels": days, "series": series, "unit_total": len(totals)}


def api_filters(con: duckdb.DuckDBPyConnection, _f: Filters) -> dict[str, Any]:
    polres = _rows(con, "select polres_id, polres_name, polda_name from marts.dim_polres "
                   "order by polda_name, polres_name", [])
    platforms = [r["platform"] for r in _rows(
        con, "select distinct platform from marts.mart_polres_engagement_daily order by 1", [])]
    span = _rows(con, "select min(activity_date) as first_day, max(activity_date) as last_day "
                 "from marts.mart_polres_engagement_daily", [])[0]
    return {"poldas": sorted({p["polda_name"] for p in polres if p["polda_name"]}),
            "polres": polres, "platforms": platforms, "levels": list(LEVELS), **span}


def api_volume(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    where, params = f.where(date="e.activity_date", level="e.unit_level", polres="e.unit_id",
                            polda="d.polda_name", platform="e.platform")
    rows = _rows(con, f"""
        select e.activity_date, e.unit_id, d.unit_name, sum(e.post_count) as posts,
               sum(e.engagement) as engagement
        from marts.mart_unit_engagement_daily as e
        inner join marts.dim_police_units as d on d.unit_id = e.unit_id
        {where}
        group by all order by e.activity_date""", params)
    return _series(rows, "posts", f.level)


def api_sentiment(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    if f.platform:  # the sentiment mart has no platform: count the public posts themselves
        where, params = f.where(date="p.created_date", level="d.unit_level", polres="u.unit_id",
                                polda="d.polda_name", platform="p.platform")
        source = f"""
            select p.created_date as activity_date, u.unit_id, d.unit_name,
                   count(*) as posts,
                   count(*) filter (where p.sentiment_label = 'positive') as positive,
                   count(*) filter (where p.sentiment_label = 'negative') as negative
            from marts.fct_posts as p
            cross join unnest(p.unit_ids) as u(unit_id)
            inner join marts.dim_police_units as d on d.unit_id = u.unit_id
            {where} and not p.is_official_author
            group by all"""
    else:
        where, params = f.where(date="s.activity_date", level="s.unit_level", polres="s.unit_id",
                                polda="d.polda_name", platform=None)
        source = f"""
            select s.activity_date, s.unit_id, d.unit_name, sum(s.post_count) as posts,
                   sum(s.positive_count) as positive, sum(s.negative_count) as negative
            from marts.mart_unit_sentiment_daily as s
            inner join marts.dim_police_units as d on d.unit_id = s.unit_id
            {where}
            group by all"""
    rows = _rows(con, f"""
        select activity_date, unit_id, unit_name, posts,
               round((positive - negative) / posts, 3) as net_sentiment
        from ({source}) order by activity_date""", params)
    return _series(rows, "net_sentiment", f.level)


def api_viral(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    """The viral posts that count for a unit of the level (their ``unit_ids`` hold one; the
    ``polda`` and ``polres`` filters choose which, where they apply)."""
    where, params = f.where(date="v.created_at", polres=None, polda=None, platform="v.platform")
    scope, scope_params = f.where(date=None, level="u.unit_level", polres="u.unit_id",
                                  polda="u.polda_name", platform=None)
    rows = _rows(con, f"""
        select v.viral_rank, v.post_key, v.platform, v.url, v.author_label, v.post_text,
               v.sentiment_label, v.topic, v.engagement, v.velocity_ratio, v.virality_score,
               v.created_at, v.polres_id, d.polres_name, v.unit_id, n.unit_name
        from marts.mart_viral_posts as v
        left join marts.dim_polres as d on d.polres_id = v.polres_id
        left join marts.dim_police_units as n on n.unit_id = v.unit_id
        {where}
          and exists (select 1 from marts.dim_police_units as u
                      {scope} and list_contains(v.unit_ids, u.unit_id))
        order by v.viral_rank limit 20""", [*params, *scope_params])
    return {"level": f.level, "posts": rows}


def api_alerts(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    """The level's issue alerts; a national or Polda alert names the Polda and Polres its
    negative posts name most (``top_polda_name``, ``top_polres_name``)."""
    where, params = f.where(date="started_at", level="unit_level", polres="unit_id",
                            polda="polda_name", platform=None)
    rows = _rows(con, f"""
        select alert_id, unit_id, unit_level, unit_name, polres_id, polres_name, polda_name,
               top_polda_name, top_polda_post_count, top_polres_name, top_polres_post_count,
               topic, started_at, peak_at, ended_at, negative_post_count, top_post_url,
               first_response_url, first_response_at, response_minutes, is_responded, is_open
        from marts.mart_issue_alerts
        {where}
        order by is_open desc, started_at desc, alert_id limit 50""", params)
    return {"level": f.level, "alerts": rows, "open": sum(1 for r in rows if r["is_open"])}


def api_scorecard(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    where, params = f.where(date="week_start_date", level="unit_level", polres="unit_id",
                            polda="polda_name", platform=None)
    if f.date_from:  # a week that started before `from` still overlaps it
        where = where.replace("week_start_date::date >= ?", "week_start_date::date >= ? - 6")
    rows = _rows(con, f"""
        select unit_id, unit_level, unit_name, polda_name, latitude, longitude, week_start_date,
               post_count, engagement, net_sentiment, alert_count, median_response_minutes,
               response_rate, reputation_score, reputation_rank
        from marts.mart_unit_scorecard
        {where}
        qualify row_number() over (partition by unit_id order by week_start_date desc) = 1
        order by reputation_score desc, unit_id""", params)
    return {"level": f.level, "units": rows}


ROUTES: dict[str, Callable[[duckdb.DuckDBPyConnection, Filters], dict[str, Any]]] = {
    "/api/filters": api_filters,
    "/api/volume": api_volume,
    "/api/sentiment": api_sentiment,
    "/api/viral": api_viral,
    "/api/alerts": api_alerts,
    "/api/scorecard": api_scorecard,
}


# --- share of voice and the issue view (issue 18) ---------------------------------------------

Period = Literal["day", "week"]
VOICE_SERIES = 10  # Polres per share-of-voice chart: the loudest in range, the rest as "others"
ISSUE_NODES = 150  # accounts of an issue's network graph: the top amplifiers
ISSUE_EDGES = 400  # its edges between them, the heaviest first
ISSUE_ROWS = 20  # rows of the issue view's tables
ISSUE_NEWS = 50


class NotFound(LookupError):
    """A thing the request names (an alert) that the snapshot does not hold."""


class VoiceFilters(Filters):
    """The page's filters and the share of voice's ``period`` (``day`` or ``week``, the
    default). ``level`` is accepted (the page sends it) but the chart is always of Polres."""

    period: Period = "week"

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any, info: ValidationInfo) -> Any:
        if value == "" and info.field_name == "period":
            return "week"
        return super()._empty_is_none(value, info)


class IssueQuery(BaseModel):
    """``/api/issue``'s one parameter: ``alert_id``, as ``mart_issue_alerts`` writes it
    (``unit_id:YYYYMMDDTHHMMSS``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alert_id: str = Field(max_length=120, pattern=r"^[a-z0-9_]{1,100}:[0-9]{8}T[0-9]{6}$")


def api_voice(con: duckdb.DuckDBPyConnection, f: VoiceFilters) -> dict[str, Any]:
    """Each Polres' share of its Polda's public mentions per period (mart_polda_share_of_voice):
    the Polda of the ``polda`` filter, else the one with the most mentions in range; the
    ``polres`` filter and the level do not narrow it (a share needs the whole Polda)."""
    conditions: list[str] = ["period_type = ?"]
    params: list[Any] = [f.period]
    if f.date_from is not None:  # a week counts when it overlaps the range
        last_day = "period_start + 6" if f.period == "week" else "period_start"
        conditions.append(f"{last_day} >= ?")
        params.append(f.date_from)
    if f.date_to is not None:
        conditions.append("period_start <= ?")
        params.append(f.date_to)
    where = " and ".join(conditions)
    poldas = _rows(con, f"""
        select polda_id, polda_name, sum(mention_count) as mention_count
        from marts.mart_polda_share_of_voice where {where}
        group by all order by mention_count desc, polda_name""", params)
    chosen = [p for p in poldas if f.polda is None or p["polda_name"] == f.polda][:1]
    if not chosen:
        return {"period": f.period, "polda": None, "poldas": poldas, "labels": [],
                "series": [], "polres": []}
    polda = chosen[0]
    rows = _rows(con, f"""
        select period_start, polres_id, polres_name, mention_count, share_of_voice,
               net_sentiment, positive_count, negative_count, voice_rank
        from marts.mart_polda_share_of_voice
        where {where} and polda_id = ?
        order by period_start, voice_rank""", [*params, polda["polda_id"]])
    totals: dict[str, dict[str, Any]] = {}
    for r in rows:
        t = totals.setdefault(r["polres_id"], {"polres_id": r["polres_id"],
                                               "polres_name": r["polres_name"],
                                               "mention_count": 0, "positive_count": 0,
                                               "negative_count": 0})
        for key in ("mention_count", "positive_count", "negative_count"):
            t[key] += r[key]
    all_mentions = sum(t["mention_count"] for t in totals.values()) or 1
    ranked = sorted(totals.values(), key=lambda t: (-t["mention_count"], t["polres_id"]))
    for t in ranked:
        t["share_of_voice"] = round(t["mention_count"] / all_mentions, 4)
        t["net_sentiment"] = round((t["positive_count"] - t["negative_count"])
                                   / t["mention_count"], 3)
    labels = sorted({r["period_start"] for r in rows})
    index = {d: i for i, d in enumerate(labels)}
    shown = [t["polres_id"] for t in ranked[:VOICE_SERIES]]
    series = []
    for polres_id in shown:
        values: list[float] = [0.0] * len(labels)
        for r in rows:
            if r["polres_id"] == polres_id:
                values[index[r["period_start"]]] = round(r["share_of_voice"], 4)
        series.append({"polres_id": polres_id, "label": totals[polres_id]["polres_name"],
                       "data": values})
    if len(ranked) > VOICE_SERIES:
        others = [0.0] * len(labels)
        for r in rows:
            if r["polres_id"] not in shown:
                others[index[r["period_start"]]] += r["share_of_voice"]
        series.append({"polres_id": None, "label": f"{len(ranked) - VOICE_SERIES} others",
                       "data": [round(v, 4) for v in others]})
    return {"period": f.period, "polda": polda, "poldas": poldas, "labels": labels,
            "series": series, "polres": ranked}


def api_issue(con: duckdb.DuckDBPyConnection, q: IssueQuery) -> dict[str, Any]:
    """One issue alert: its amplification network (the top :data:`ISSUE_NODES` amplifiers and
    the edges between them, mart_issue_amplifiers and mart_network_edges of scope ``issue``),
    its communities, top amplifiers, coordinated campaigns with their share of it, its hashtag
    war, and the news items naming its unit while it ran (platform ``news`` posts of fct_posts,
    from its start to its end, to the latest data while open)."""
    alerts = _rows(con, """
        select alert_id, unit_id, unit_level, unit_name, polda_name, topic, started_at, peak_at,
               ended_at, is_open, negative_post_count, news_site_count, news_item_count,
               organic_share, top_post_url, first_response_url, response_minutes
        from marts.mart_issue_alerts where alert_id = ?""", [q.alert_id])
    if not alerts:
        raise NotFound(f"no issue alert {q.alert_id!r} in the snapshot")
    alert = alerts[0]
    scope = ["issue", q.alert_id]
    nodes = _rows(con, """
        select author_key, author_label, is_official_author, author_followers, post_count,
               amplify_count, followers_reached, engagement_earned, community_id,
               community_stance, amplifier_rank
        from marts.mart_issue_amplifiers
        where scope_type = ? and scope_id = ? and amplifier_rank <= ?
        order by amplifier_rank""", [*scope, ISSUE_NODES])
    node_count = _rows(con, """
        select count(*) as n from marts.mart_issue_amplifiers
        where scope_type = ? and scope_id = ?""", scope)[0]["n"]
    edges = _rows(con, """
        select e.source_author_key as source, e.target_author_key as target, e.edge_type,
               e.post_count, e.engagement
        from marts.mart_network_edges as e
        where e.scope_type = ? and e.scope_id = ?
          and e.source_author_key in (select author_key from marts.mart_issue_amplifiers
                                      where scope_type = ? and scope_id = ? and amplifier_rank <= ?)
          and e.target_author_key in (select author_key from marts.mart_issue_amplifiers
                                      where scope_type = ? and scope_id = ? and amplifier_rank <= ?)
        order by e.post_count desc, e.engagement desc, e.source_author_key, e.target_author_key,
                 e.edge_type
        limit ?""", [*scope, *scope, ISSUE_NODES, *scope, ISSUE_NODES, ISSUE_EDGES])
    communities = _rows(con, """
        select community_id, account_count, post_count, positive_count, negative_count,
               net_sentiment, stance, top_author_labels
        from marts.mart_network_communities
        where scope_type = ? and scope_id = ?
        order by account_count desc, community_id limit ?""", [*scope, ISSUE_ROWS])
    campaigns = _rows(con, """
        select campaign_id, direction, account_count, post_count, first_at, last_at,
               span_minutes, share_of_issue, median_author_followers, median_account_age_days,
               coordination_score, sample_text
        from marts.mart_coordinated_campaigns where alert_id = ?
        order by share_of_issue desc nulls last, post_count desc, campaign_id
        limit ?""", [q.alert_id, ISSUE_ROWS])
    hashtags = _rows(con, """
        select hashtag, post_count, author_count, engagement, positive_count, negative_count,
               net_sentiment, stance, share, hashtag_rank
        from marts.mart_issue_hashtag_war where alert_id = ?
        order by hashtag_rank limit ?""", [q.alert_id, ISSUE_ROWS])
    news = _rows(con, """
        select p.post_key, p.author_label, p.url, p.post_text, p.sentiment_label, p.created_at
        from marts.fct_posts as p
        where p.platform = 'news' and list_contains(p.unit_ids, ?)
          and p.created_at >= ? and (?::timestamp is null or p.created_at < ?::timestamp)
        order by p.created_at, p.post_key limit ?""",
                 [alert["unit_id"], alert["started_at"], alert["ended_at"], alert["ended_at"],
                  ISSUE_NEWS])
    return {"alert": alert, "nodes": nodes, "node_count": node_count, "edges": edges,
            "communities": communities, "amplifiers": nodes[:ISSUE_ROWS],
            "campaigns": campaigns, "hashtags": hashtags, "news": news}
