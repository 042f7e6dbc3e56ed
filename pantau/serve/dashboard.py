"""`pantau serve`: a one-page dashboard of the published marts, a FastAPI app served by uvicorn.

The page (``static/index.html`` + ``app.js``) draws with Chart.js, vendored from the npm registry
at a pinned version (``static/vendor``), so it needs no CDN and works offline. It asks JSON
endpoints that read only the published snapshot, each request on its own read-only connection
from a :class:`SnapshotReader` (which reopens the file after a republish). Every endpoint takes
the same filters: ``polda``, ``polres``, ``platform``, ``from`` and ``to`` (ISO dates), checked
by the :class:`Filters` model; a bad one answers 400 ``{"error": "…"}``.

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
``/api/session``       who is logged in (``user``) and whether login is on (``login``)
=====================  ====================================================================

With users (:mod:`pantau.serve.auth`), every ``/api/*`` answers 401 and ``/`` redirects to
``/login`` until the browser logs in; the session is a signed, HttpOnly, SameSite=strict cookie
naming a session the server keeps in memory (so ``/logout`` ends it, and a restart asks users
to log in again). Static files come only from the package's ``static`` folder. Every response
carries a strict Content-Security-Policy and the other headers of :data:`SECURITY_HEADERS`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import html
import json
import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import Depends, FastAPI, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pantau.contract.vocabulary import PLATFORMS, Platform
from pantau.serve.auth import MAX_PASSWORD_LENGTH, Users
from pantau.serve.snapshot import SnapshotMissingError, SnapshotReader

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
TOP_SERIES = 8  # lines per chart: the Polres with the most posts in the filter
SESSION_SECONDS = 12 * 3600
SESSION_COOKIE = "pantau_session"

#: The platforms of the ``social.posts.v1`` contract (a unit test keeps them in step with it).

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


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


class JSON(Response):
    """JSON as the page reads it: dates ``YYYY-MM-DD``, times ``YYYY-MM-DD HH:MM``, never cached."""

    media_type = "application/json"

    def __init__(self, content: Any, status_code: int = 200,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(content, status_code, {"Cache-Control": "no-store", **(headers or {})})

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_json_default, ensure_ascii=False).encode()


# --- errors -----------------------------------------------------------------------------------

_FILTER_NAMES = "polda, polres, platform, from, to"


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _validation_message(error: dict[str, Any]) -> str:
    """One pydantic error of the filters as a sentence a person can act on."""
    name = str(error["loc"][-1]) if error.get("loc") else "query"
    value, kind = error.get("input"), error.get("type", "")
    if kind == "extra_forbidden":
        return f"unknown filter {name!r}: the filters are {_FILTER_NAMES}"
    if kind.startswith(("date_", "datetime_")):
        return f"{name}={_shown(value)} is not a date (YYYY-MM-DD)"
    if kind == "literal_error":
        return f"{name}={_shown(value)} is not a platform: one of {', '.join(PLATFORMS)}"
    if kind == "string_too_long":
        return f"{name} is longer than {error.get('ctx', {}).get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        allowed = ("a Polres id (lower-case letters, digits and _)" if name == "polres"
                   else "a name without control characters")
        return f"{name}={_shown(value)} is not {allowed}"
    if kind == "missing":
        return f"{name} is missing"
    return f"{name}={_shown(value)}: {error.get('msg', 'invalid')}"


async def _on_validation_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    messages = [_validation_message(e) for e in error.errors()]
    return JSON({"error": "; ".join(messages) or "bad request"}, 400)


async def _on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    detail = error.detail if isinstance(error.detail, str) else "error"
    if error.status_code == 404:
        detail = f"no page at {request.url.path[:100]}"
    return JSON({"error": detail}, error.status_code, dict(error.headers or {}))


async def _on_bad_request(_request: Request, error: Exception) -> Response:
    return JSON({"error": str(error)}, 400)


# --- middleware -------------------------------------------------------------------------------

class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _App(FastAPI):
    """FastAPI whose security headers wrap everything, the 500 page of an unexpected error too."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack())


class _StaticFolder(StaticFiles):
    """StaticFiles that also refuses hidden names, backslashes and NUL before looking."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        raw = scope["path"]
        if "\\" in raw or "\x00" in raw or any(p.startswith(".") for p in raw.split("/") if p):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


# --- sessions ---------------------------------------------------------------------------------

class Sessions:
    """The logged-in sessions, in memory: a cookie is honoured only while its session is here."""

    def __init__(self, seconds: int = SESSION_SECONDS) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[str, float]] = {}

    def start(self, user: str) -> str:
        sid = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._sessions = {k: v for k, v in self._sessions.items() if v[1] > now}
            self._sessions[sid] = (user, now + self.seconds)
        return sid

    def user(self, sid: Any) -> str | None:
        if not isinstance(sid, str):
            return None
        with self._lock:
            found = self._sessions.get(sid)
        if found is None or found[1] <= time.monotonic():
            return None
        return found[0]

    def end(self, sid: Any) -> None:
        if isinstance(sid, str):
            with self._lock:
                self._sessions.pop(sid, None)


def _current_user(request: Request) -> str | None:
    """The logged-in user (also in ``request.session["user"]``), or None (or no login)."""
    users: Users | None = request.app.state.users
    sessions: Sessions = request.app.state.sessions
    user = sessions.user(request.session.get("sid"))
    if users is None or user is None or user != request.session.get("user") or user not in users:
        return None
    return user


def _require_user(request: Request) -> str | None:
    """The logged-in user; 401 without one when login is on (None when it is off)."""
    if request.app.state.users is None:
        return None
    user = _current_user(request)
    if user is None:
        request.session.clear()
        raise HTTPException(401, "log in first: your session is missing, expired or ended "
                                 "(open / and log in)")
    return user


def _filters(request: Request, query: Annotated[Filters, Query()]) -> Filters:
    """The filters of the query string; 400 when one is given twice."""
    counts = Counter(name for name, _ in request.query_params.multi_items())
    repeated = sorted(name for name, n in counts.items() if n > 1)
    if repeated:
        raise BadRequest(f"the filter {_shown(repeated[0])} is given more than once: give each "
                         f"filter once ({_FILTER_NAMES})")
    return query


User = Annotated[str | None, Depends(_require_user)]
Chosen = Annotated[Filters, Depends(_filters)]


def _page(name: str, message: str = "", status: int = 200) -> Response:
    body = (STATIC / name).read_text(encoding="utf-8")
    body = body.replace("<!--message-->", html.escape(message))
    return Response(body, status, media_type="text/html", headers={"Cache-Control": "no-store"})


# --- the app ----------------------------------------------------------------------------------

def create_app(snapshot: Path, *, users: Users | None = None, session_key: str | None = None,
               trusted_hosts: list[str] | None = None) -> FastAPI:
    """The dashboard as an ASGI app on the snapshot at ``snapshot``.

    Args:
        snapshot: the published snapshot; it may be missing (the API answers 503 until it exists).
        users: who may log in; None leaves the dashboard open (for loopback only: the caller
            decides, see :func:`pantau.serve.auth.login_users`).
        session_key: the key that signs session cookies (random when None: sessions then end
            with the process, as they do anyway).
        trusted_hosts: the Host headers to answer (e.g. only ``127.0.0.1`` and ``localhost`` for
            an open dashboard, against DNS rebinding); None: any.
    """
    reader = SnapshotReader(snapshot, lock_down=True)
    sessions = Sessions()
    login = users is not None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        reader.close()

    app = _App(title="Pantau dashboard", docs_url=None, redoc_url=None, openapi_url=None,
               lifespan=lifespan, default_response_class=JSON)
    app.state.reader = reader
    app.state.sessions = sessions
    app.state.users = users
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(BadRequest, _on_bad_request)
    app.add_middleware(SessionMiddleware, secret_key=session_key or secrets.token_urlsafe(48),
                       session_cookie=SESSION_COOKIE, max_age=SESSION_SECONDS, same_site="strict",
                       https_only=False)
    if trusted_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=trusted_hosts)

    def answer(path: str, f: Filters) -> Response:
        try:
            with reader.connection() as con:
                payload = ROUTES[path](con, f)
        except SnapshotMissingError as error:
            return JSON({"error": str(error)}, 503)
        except duckdb.Error as error:
            log.warning("dashboard query %s failed: %s", path, error)
            return JSON({"error": f"the snapshot does not answer {path}: {error}. Is it "
                                  "published by this version of Pantau's dbt project?"}, 500)
        return JSON(payload)

    def endpoint_of(path: str) -> Callable[..., Response]:
        def endpoint(_user: User, f: Chosen) -> Response:
            return answer(path, f)

        return endpoint

    for path in ROUTES:
        app.add_api_route(path, endpoint_of(path), methods=["GET"],
                          name=path.removeprefix("/api/"), include_in_schema=False)

    @app.get("/api/session", include_in_schema=False)
    def api_session(request: Request) -> Response:
        return JSON({"user": _current_user(request) if login else None, "login": login})

    @app.get("/", include_in_schema=False)
    def index(request: Request) -> Response:
        if login and _current_user(request) is None:
            return RedirectResponse("/login", 303)
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/login", include_in_schema=False)
    def login_page(request: Request) -> Response:
        if not login or _current_user(request) is not None:
            return RedirectResponse("/", 303)
        return _page("login.html")

    @app.post("/login", include_in_schema=False)
    def login_form(request: Request,
                   username: Annotated[str, Form(max_length=64)],
                   password: Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH)]) -> Response:
        if not login:
            return RedirectResponse("/", 303)
        assert users is not None
        if not users.verify(username, password):
            log.warning("dashboard: failed login for %r from %s", username[:64],
                        request.client.host if request.client else "?")
            return _page("login.html", "Wrong user name or password.", 401)
        sessions.end(request.session.get("sid"))
        request.session.clear()
        request.session.update({"user": username, "sid": sessions.start(username)})
        return RedirectResponse("/", 303)

    @app.api_route("/logout", methods=["GET", "POST"], include_in_schema=False)
    def logout(request: Request) -> Response:
        sessions.end(request.session.get("sid"))
        request.session.clear()
        return RedirectResponse("/login" if login else "/", 303)

    app.mount("/static", _StaticFolder(directory=STATIC), name="static")
    return app
