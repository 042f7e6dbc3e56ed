"""`pantau serve`: a one-page dashboard of the published marts, a FastAPI app served by uvicorn.

The page (``static/index.html`` + ``app.js``) draws with Chart.js, vendored from the npm registry
at a pinned version (``static/vendor``), so it needs no CDN and works offline. It asks JSON
endpoints that read only the published snapshot, each request on its own read-only connection
from a :class:`SnapshotReader` (which reopens the file after a republish). Every endpoint takes
the same filters: ``level`` (``national``, ``polda`` or ``polres``, the default), ``polda``,
``polres``, ``platform``, ``from`` and ``to`` (ISO dates), checked by the :class:`Filters` model;
a bad one answers 400 ``{"error": "…"}``. ``level`` chooses the units of the charts, alerts and
scorecard (Polri, the Polda or the Polres: ``unit_level`` in the marts); ``polda`` and ``polres``
narrow only the levels at or below theirs (ignored at ``national``; ``polres`` ignored at
``polda``), see :class:`Filters`.

=====================  ====================================================================
endpoint               answers
=====================  ====================================================================
``/api/filters``       Polda, Polres (with their Polda), platforms, levels, first and last day
``/api/volume``        posts and engagement per unit of the level per day
                       (mart_unit_engagement_daily)
``/api/sentiment``     net sentiment per unit of the level per day (mart_unit_sentiment_daily;
                       from fct_posts when a platform is chosen, as that mart has no platform)
``/api/viral``         the top viral posts, with links (mart_viral_posts; the same at every
                       level, as a post is not a unit)
``/api/alerts``        the level's issue alerts, open first, with minutes to the first official
                       response and, for Polri and Polda, the Polda and Polres named most
``/api/scorecard``     each unit's latest weekly scorecard in range, with coordinates
                       (mart_unit_scorecard)
``/api/voice``         each Polres' share of its Polda's mentions per ``period`` (``day`` or
                       ``week``, the default; mart_polda_share_of_voice), for the Polda of the
                       ``polda`` filter or the one with the most mentions in range
``/api/issue``         one issue (``alert_id`` only, as mart_issue_alerts writes it; 404 when
                       unknown): its amplification network, communities, top amplifiers,
                       campaigns and their share, hashtag war and news items
``/api/session``       who is logged in (``user``) and whether login is on (``login``)
``/api/notifications`` notification deliveries per channel and status, and the failures with
                       their reasons (the delivery ledger, read-only; docs/notifications.md)
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
import sqlite3
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
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pantau.contract.vocabulary import PLATFORMS
from pantau.exceptions import WarehouseLockedError
from pantau.ingest.corrections import (
    FIELDS,
    MAX_NOTE,
    MAX_POST_KEY,
    Correction,
    CorrectionError,
    Recorded,
    allowed_values,
)
from pantau.serve.auth import MAX_PASSWORD_LENGTH, Users
from pantau.serve.queries import (
    LEVELS,
    ROUTES,
    BadRequest,
    Filters,
    IssueQuery,
    NotFound,
    VoiceFilters,
    api_issue,
    api_voice,
)
from pantau.serve.snapshot import SnapshotMissingError, SnapshotReader

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
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

_FILTER_NAMES = "level, polda, polres, platform, from, to"
_ISSUE_PATH = "/api/issue"


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _validation_message(error: dict[str, Any], path: str = "") -> str:
    """One pydantic error of the filters as a sentence a person can act on."""
    name = str(error["loc"][-1]) if error.get("loc") else "query"
    value, kind = error.get("input"), error.get("type", "")
    if kind == "extra_forbidden" and path == _ISSUE_PATH:
        return f"unknown parameter {name!r}: {_ISSUE_PATH} takes only alert_id"
    if kind == "extra_forbidden":
        return f"unknown filter {name!r}: the filters are {_FILTER_NAMES}" + (
            ", period" if path == "/api/voice" else "")
    if name == "alert_id" and kind in ("string_pattern_mismatch", "string_too_long"):
        return (f"alert_id={_shown(value)} is not an alert id (unit_id:YYYYMMDDTHHMMSS, as "
                "mart_issue_alerts writes it)")
    if kind == "literal_error" and name == "period":
        return f"period={_shown(value)} is not a period: day or week"
    if kind.startswith(("date_", "datetime_")):
        return f"{name}={_shown(value)} is not a date (YYYY-MM-DD)"
    if kind == "literal_error" and name == "level":
        return f"level={_shown(value)} is not a level: one of {', '.join(LEVELS)}"
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
    messages = [_validation_message(e, _request.url.path) for e in error.errors()]
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


def _given_once(request: Request) -> None:
    """400 when a parameter of the query string is given twice."""
    counts = Counter(name for name, _ in request.query_params.multi_items())
    repeated = sorted(name for name, n in counts.items() if n > 1)
    if repeated:
        raise BadRequest(f"the filter {_shown(repeated[0])} is given more than once: give each "
                         f"filter once ({_FILTER_NAMES})")


def _filters(request: Request, query: Annotated[Filters, Query()]) -> Filters:
    """The filters of the query string; 400 when one is given twice."""
    _given_once(request)
    return query


def _voice_filters(request: Request, query: Annotated[VoiceFilters, Query()]) -> VoiceFilters:
    """The filters and ``period`` of ``/api/voice``; 400 when one is given twice."""
    _given_once(request)
    return query


def _issue_query(request: Request, query: Annotated[IssueQuery, Query()]) -> IssueQuery:
    """``/api/issue``'s ``alert_id``; 400 when given twice."""
    _given_once(request)
    return query


User = Annotated[str | None, Depends(_require_user)]
Chosen = Annotated[Filters, Depends(_filters)]
VoiceChosen = Annotated[VoiceFilters, Depends(_voice_filters)]
IssueChosen = Annotated[IssueQuery, Depends(_issue_query)]


def _page(name: str, message: str = "", status: int = 200) -> Response:
    body = (STATIC / name).read_text(encoding="utf-8")
    body = body.replace("<!--message-->", html.escape(message))
    return Response(body, status, media_type="text/html", headers={"Cache-Control": "no-store"})


# --- the app ----------------------------------------------------------------------------------

class LabelRequest(BaseModel):
    """The body of ``POST /api/label``: one correction of one post's label."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    post_key: str = Field(max_length=MAX_POST_KEY)
    field: str = Field(max_length=20)
    value: str = Field(max_length=100)
    note: str = Field("", max_length=MAX_NOTE)


#: What records a correction made on the dashboard: (correction, user) -> the recorder's answer.
Recorder = Callable[[Correction, str], Recorded]


def create_app(snapshot: Path, *, users: Users | None = None, session_key: str | None = None,
               trusted_hosts: list[str] | None = None,
               record_label: Recorder | None = None,
               notify_ledger: Path | None = None) -> FastAPI:
    """The dashboard as an ASGI app on the snapshot at ``snapshot``.

    Args:
        snapshot: the published snapshot; it may be missing (the API answers 503 until it exists).
        users: who may log in; None leaves the dashboard open (for loopback only: the caller
            decides, see :func:`pantau.serve.auth.login_users`).
        session_key: the key that signs session cookies (random when None: sessions then end
            with the process, as they do anyway).
        trusted_hosts: the Host headers to answer (e.g. only ``127.0.0.1`` and ``localhost`` for
            an open dashboard, against DNS rebinding); None: any.
        record_label: records an analyst's correction (``POST /api/label``, logged-in users
            only); None: corrections are off (503).
        notify_ledger: the notification delivery ledger ``/api/notifications`` reads
            (read-only); None: that endpoint answers no deliveries.
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

    def answer(path: str, f: Any, query: Callable[..., dict[str, Any]] | None = None) -> Response:
        try:
            with reader.connection() as con:
                payload = (query or ROUTES[path])(con, f)
        except SnapshotMissingError as error:
            return JSON({"error": str(error)}, 503)
        except NotFound as error:
            return JSON({"error": str(error)}, 404)
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

    @app.get("/api/voice", include_in_schema=False)
    def voice(_user: User, f: VoiceChosen) -> Response:
        return answer("/api/voice", f, api_voice)

    @app.get(_ISSUE_PATH, include_in_schema=False)
    def issue(_user: User, q: IssueChosen) -> Response:
        return answer(_ISSUE_PATH, q, api_issue)

    @app.post("/api/label", include_in_schema=False)
    def api_label(request: Request, user: User, body: LabelRequest) -> Response:
        """Record the logged-in user's correction of a post's label (the next build applies it).

        Only with a login (a correction names its analyst), only as JSON from this page's own
        origin (the session cookie is SameSite=strict; a form of another site cannot send JSON,
        and an ``Origin`` that is not this host is refused)."""
        if user is None:
            return JSON({"error": "corrections need a named login: add a user with `pantau serve "
                                  "--add-user NAME`, then log in"}, 403)
        origin = request.headers.get("origin")
        if origin is not None and origin.split("://", 1)[-1] != request.headers.get("host"):
            return JSON({"error": "a correction must come from the dashboard's own page"}, 403)
        if record_label is None:
            return JSON({"error": "corrections are off: this dashboard has no warehouse to "
                                  "record them in"}, 503)
        try:
            done = record_label(Correction(body.post_key, body.field,  # type: ignore[arg-type]
                                           body.value, body.note), user)
        except CorrectionError as error:
            return JSON({"error": str(error), "problems": error.problems}, 400)
        except WarehouseLockedError as error:
            return JSON({"error": f"{error} Try again in a minute."}, 503)
        return JSON({"recorded": done.written, "by": user, "applies": "at the next build",
                     "overrides": [{"field": f, "value": v, "by": who, "at": at}
                                   for _key, f, v, who, at in done.overridden]})

    @app.get("/api/label/choices", include_in_schema=False)
    def api_label_choices(_user: User) -> Response:
        """The labels each field may be corrected to."""
        return JSON({"fields": {field: list(allowed_values(field)) for field in FIELDS},
                     "enabled": record_label is not None and login})

    @app.get("/api/notifications", include_in_schema=False)
    def api_notifications(_user: User) -> Response:
        """Deliveries per channel and status, and the 20 newest failures with their reasons."""
        from pantau.notify.deliver import read_status

        try:
            state = read_status(notify_ledger, failures=20) if notify_ledger else None
        except sqlite3.Error as error:
            return JSON({"error": f"the notification ledger cannot be read: {error}"}, 503)
        if state is None:
            return JSON({"channels": {}, "failures": [], "failed": 0, "held": 0})
        return JSON({"channels": state.counts, "held": state.held,
                     "failed": sum(c.get("failed", 0) for c in state.counts.values()),
                     "failures": [vars(f) for f in state.failures]})

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
