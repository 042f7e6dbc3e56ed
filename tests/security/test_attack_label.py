"""Attacks on the dashboard's correction endpoint (POST /api/label) over a real socket: no login,
an open dashboard, another site's origin or a form post, hostile values and bodies. Every refusal
names its reason, nothing is written; a logged-in analyst's correction lands with their name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pantau.serve.auth import Users
from pantau.serve.dashboard import create_app
from pantau.serve.server import LOOPBACK_HOSTS, RunningServer, label_recorder, start_in_thread
from pantau.settings import Settings
from tests.security.attack_client import PASSWORD, SESSION_KEY, USER, post_login, request

pytestmark = pytest.mark.integration


@pytest.fixture
def warehouse(snapshot: Path, tmp_path: Path) -> Settings:
    """A working warehouse whose fct_posts holds the snapshot's post keys."""
    settings = Settings.from_env({"PANTAU_STATE_DIR": str(tmp_path / "state"),
                                  "PANTAU_LABEL_LOCK_WAIT_S": "0"})
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(f"attach '{snapshot}' as snap (read_only)")
        con.execute("create schema marts; create table marts.fct_posts as "
                    "select post_key from snap.marts.fct_posts")
    return settings


@pytest.fixture
def labelling(snapshot: Path, users_file: Path, warehouse: Settings) -> Iterator[RunningServer]:
    app = create_app(snapshot, users=Users(users_file), session_key=SESSION_KEY,
                     record_label=label_recorder(warehouse))
    with start_in_thread(app) as server:
        yield server


def _cookie(port: int) -> str:
    cookie = post_login(port, USER, PASSWORD).cookie("pantau_session")
    assert cookie
    return cookie


def _label(port: int, body: object, *, cookie: str | None, raw: bytes | None = None,
           content_type: str = "application/json", origin: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": content_type}
    if cookie:
        headers["Cookie"] = f"pantau_session={cookie}"
    if origin:
        headers["Origin"] = origin
    return request(port, "POST", "/api/label", headers=headers,
                   body=raw if raw is not None else json.dumps(body).encode())


def _rows(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        if not con.execute("select count(*) from information_schema.tables "
                           "where table_name = 'label_corrections'").fetchall()[0][0]:
            return []
        return con.execute("select post_key, field, value, corrected_by, source "
                           "from audit.label_corrections").fetchall()


def _a_post(warehouse: Settings) -> str:
    with duckdb.connect(str(warehouse.warehouse_path), read_only=True) as con:
        return con.execute("select min(post_key) from marts.fct_posts").fetchall()[0][0]


def test_a_logged_in_analyst_records_a_correction_under_their_name(labelling, warehouse):
    key = _a_post(warehouse)
    cookie = _cookie(labelling.port)
    reply = _label(labelling.port, {"post_key": key, "field": "sentiment", "value": "negative",
                                    "note": "sarkas"}, cookie=cookie,
                   origin=f"http://127.0.0.1:{labelling.port}")
    assert reply.status == 200, reply.text
    assert reply.json()["by"] == USER and reply.json()["applies"] == "at the next build"
    assert _rows(warehouse) == [(key, "sentiment", "negative", USER, "dashboard")]
    choices = request(labelling.port, "GET", "/api/label/choices",
                      headers={"Cookie": f"pantau_session={cookie}"}).json()
    assert choices["enabled"] and "pungli_pemerasan" in choices["fields"]["topic"]


def test_without_a_session_or_from_another_site_nothing_is_written(labelling, warehouse):
    key = _a_post(warehouse)
    body = {"post_key": key, "field": "sentiment", "value": "negative"}
    assert _label(labelling.port, body, cookie=None).status == 401
    assert _label(labelling.port, body, cookie="forged." + "x" * 40).status == 401
    cookie = _cookie(labelling.port)
    other = _label(labelling.port, body, cookie=cookie, origin="https://evil.example")
    assert other.status == 403 and "own page" in other.json()["error"]
    form = _label(labelling.port, None, cookie=cookie, content_type="application/x-www-form-urlencoded",
                  raw=b"post_key=x%3A1&field=sentiment&value=negative")
    assert form.status in (400, 415, 422)
    assert _rows(warehouse) == []


@pytest.mark.parametrize(("body", "reason"), [
    ({"post_key": "x:does-not-exist", "field": "sentiment", "value": "negative"},
     "is not in marts.fct_posts"),
    ({"post_key": "x:1' or 1=1; drop table audit.label_corrections; --", "field": "sentiment",
      "value": "negative"}, "is not in marts.fct_posts"),
    ({"post_key": "KEY", "field": "sentiment", "value": "furious"}, "is not a sentiment label"),
    ({"post_key": "KEY", "field": "mood", "value": "negative"}, "is not one of"),
    ({"post_key": "KEY", "field": "topic", "value": "<script>alert(1)</script>"},
     "is not a topic label"),
    ({"post_key": "KEY", "field": "sentiment", "value": "negative", "note": "a\x00b"},
     "control characters"),
])
def test_hostile_values_are_refused_with_their_reason(labelling, warehouse, body, reason):
    key = _a_post(warehouse)
    body = {k: (key if v == "KEY" else v) for k, v in body.items()}
    reply = _label(labelling.port, body, cookie=_cookie(labelling.port))
    assert reply.status == 400 and reason in reply.json()["error"], reply.text
    assert _rows(warehouse) == []


@pytest.mark.parametrize("raw", [
    b"{", b"[]", b"null", b'{"post_key": "x:1"}',
    json.dumps({"post_key": "x:1", "field": "sentiment", "value": "negative",
                "by": "someone-else"}).encode(),  # the analyst is the session's, not the body's
    json.dumps({"post_key": "x:" + "1" * 10_000, "field": "sentiment",
                "value": "negative"}).encode(),
    json.dumps({"post_key": "x:1", "field": "sentiment", "value": "negative",
                "note": "n" * 100_000}).encode(),
])
def test_malformed_or_oversized_bodies_are_refused(labelling, warehouse, raw):
    reply = _label(labelling.port, None, cookie=_cookie(labelling.port), raw=raw)
    assert 400 <= reply.status < 500 and reply.status != 401, reply.text
    assert _rows(warehouse) == []


def test_an_open_dashboard_takes_no_corrections(snapshot, warehouse):
    app = create_app(snapshot, trusted_hosts=LOOPBACK_HOSTS, record_label=label_recorder(warehouse))
    with start_in_thread(app) as server:
        reply = _label(server.port, {"post_key": _a_post(warehouse), "field": "sentiment",
                                     "value": "negative"}, cookie=None)
        assert reply.status == 403 and "named login" in reply.json()["error"]
        choices = request(server.port, "GET", "/api/label/choices").json()
        assert choices["enabled"] is False
    assert _rows(warehouse) == []
