"""`pantau serve`: a one-page dashboard of the published marts, on the standard library's HTTP server.

The page (``static/index.html`` + ``app.js``) draws with Chart.js, vendored from the npm registry
at a pinned version (``static/vendor``), so it needs no CDN and works offline. It asks JSON
endpoints that read only the published snapshot, each request on its own read-only connection
from a :class:`SnapshotReader` (which reopens the file after a republish). Every endpoint takes
the same filters: ``polda``, ``polres``, ``platform``, ``from`` and ``to`` (ISO dates).

=====================  ====================================================================
endpoint               answers
=====================  ====================================================================
``/api/filters``       Polda, Polres (with their Polda), platforms, first and last day
``/api/volume``        posts and engagement per Polres per day (mart_polres_engagement_daily)
``/api/sentiment``     net sentiment per Polres per day (mart_polres_sentiment_daily; from
                       fct_posts when a platform is chosen, as that mart has no platform)
``/api/viral``         the top viral posts, with links (mart_viral_posts)
``/api/alerts``        issue alerts, open first, with minutes to the first official response
``/api/scorecard``     each Polres's latest weekly scorecard in range, with coordinates
=====================  ====================================================================
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import mimetypes
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb

from pantau.serve.listen import SnapshotServerMixin
from pantau.serve.snapshot import SnapshotMissingError, require_snapshot

log = logging.getLogger(__name__)

STATIC = resources.files("pantau.serve") / "static"
TOP_SERIES = 8  # lines per chart: the Polres with the most posts in the filter


class Filters:
    """The page's filters as SQL conditions with parameters."""

    def __init__(self, query: dict[str, list[str]]) -> None:
        def one(name: str) -> str | None:
            values = [v for v in query.get(name, []) if v]
            return values[0] if values else None

        self.polda = one("polda")
        self.polres = one("polres")
        self.platform = one("platform")
        self.date_from = _date(one("from"), "from")
        self.date_to = _date(one("to"), "to")

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


class BadRequest(ValueError):
    """A filter value the API cannot use."""


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name}={value!r} is not a date (YYYY-MM-DD)") from None


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
    where, params = f.where(date="started_at", platform=None)
    rows = _rows(con, f"""
        select alert_id, polres_id, polres_name, polda_name, topic, started_at, peak_at, ended_at,
               negative_post_count, top_post_url, first_response_url, first_response_at,
               response_minutes, is_responded, is_open
        from marts.mart_issue_alerts
        {where}
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


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return str(value)


class _Handler(BaseHTTPRequestHandler):
    server: DashboardServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("dashboard: " + format, *args)

    def send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store" if content_type.startswith("application/json")
                         else "max-age=300")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload, default=_json_default, ensure_ascii=False).encode()
        self.send(status, body, "application/json; charset=utf-8")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path in ROUTES:
            self.api(url.path, parse_qs(url.query))
        elif url.path in ("/", "/index.html"):
            self.static("index.html")
        elif url.path.startswith("/static/"):
            self.static(url.path.removeprefix("/static/"))
        else:
            self.send_json(HTTPStatus.NOT_FOUND, {"error": f"no page at {url.path}"})

    def api(self, path: str, query: dict[str, list[str]]) -> None:
        try:
            filters = Filters(query)
            with self.server.reader.connection() as con:
                payload = ROUTES[path](con, filters)
        except BadRequest as error:
            self.send_json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
            return
        except SnapshotMissingError as error:
            self.send_json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": str(error)})
            return
        except duckdb.Error as error:
            log.warning("dashboard query %s failed: %s", path, error)
            self.send_json(HTTPStatus.INTERNAL_SERVER_ERROR,
                           {"error": f"the snapshot does not answer {path}: {error}. Is it "
                                     "published by this version of Pantau's dbt project?"})
            return
        self.send_json(HTTPStatus.OK, payload)

    def static(self, name: str) -> None:
        parts = Path(name).parts
        if not parts or any(p in ("..", "") or p.startswith(".") for p in parts):
            self.send_json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            return
        resource = STATIC.joinpath(*parts)
        if not resource.is_file():
            self.send_json(HTTPStatus.NOT_FOUND, {"error": f"no file {name}"})
            return
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        self.send(HTTPStatus.OK, resource.read_bytes(), content_type)


class DashboardServer(SnapshotServerMixin, ThreadingHTTPServer):
    """The dashboard; ``serve_forever`` in the foreground or a thread."""

    def __init__(self, snapshot: Path, host: str, port: int) -> None:
        self.bind_snapshot_server(snapshot, host, port, _Handler, "PANTAU_SERVE_PORT")


def make_server(*, snapshot: Path, host: str, port: int) -> DashboardServer:
    """A bound (not yet serving) dashboard on the snapshot.

    Raises:
        SnapshotMissingError: no snapshot yet.
        PortInUseError: the port is taken.
    """
    require_snapshot(snapshot)
    return DashboardServer(snapshot, host, port)
