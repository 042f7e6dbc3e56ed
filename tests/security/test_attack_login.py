"""The login: no data without a session, wrong or unknown credentials refused, a forged or
tampered cookie refused, logout ends the session, and no open dashboard beyond loopback.

The server before uvicorn had no login at all: every endpoint answered anyone."""

from __future__ import annotations

import base64
import io
import json
import os
import stat

import itsdangerous
import pytest

from pantau.cli import main
from pantau.serve.auth import LoginRequiredError, Users, add_user, login_users, read_users
from pantau.serve.dashboard import SESSION_COOKIE
from pantau.serve.queries import ROUTES
from tests.security.attack_client import PASSWORD, USER, get, post_login

pytestmark = pytest.mark.integration

API = [*sorted(ROUTES), "/api/volume?polres=polres_bogor", "/api/voice?period=day",
       "/api/issue?alert_id=polres_bogor:20261117T012300"]  # an alert of the snapshot


def _log_in(port: int) -> str:
    reply = post_login(port, USER, PASSWORD)
    assert reply.status == 303 and reply.headers["Location"] == "/", reply.text[:300]
    cookie = reply.cookie(SESSION_COOKIE)
    assert cookie
    return cookie


@pytest.mark.parametrize("target", API)
def test_no_session_is_401_json_on_the_api(login_dashboard, target):
    reply = get(login_dashboard.port, target)
    assert reply.status == 401
    assert "log in first" in reply.json()["error"]
    assert b"polres" not in reply.body.replace(b"log in", b"")


def test_no_session_redirects_the_page_to_the_login(login_dashboard):
    reply = get(login_dashboard.port, "/")
    assert reply.status == 303 and reply.headers["Location"] == "/login"
    assert b"chart" not in reply.body
    page = get(login_dashboard.port, "/login")
    assert page.status == 200 and b'action="/login"' in page.body and b"<script" not in page.body


def test_a_session_opens_the_api_and_names_the_user(login_dashboard):
    cookie = _log_in(login_dashboard.port)
    for target in API:
        assert get(login_dashboard.port, target, cookie=cookie).status == 200, target
    assert get(login_dashboard.port, "/api/session", cookie=cookie).json() == {
        "user": USER, "login": True}
    assert get(login_dashboard.port, "/", cookie=cookie).status == 200


def test_the_cookie_is_httponly_and_samesite_strict(login_dashboard):
    reply = post_login(login_dashboard.port, USER, PASSWORD)
    header = next(h for h in reply.headers.get_all("Set-Cookie") if h.startswith(SESSION_COOKIE))
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    assert "httponly" in attributes and "samesite=strict" in attributes


@pytest.mark.parametrize(("username", "password"), [
    (USER, "wrong-password"), (USER, ""), (USER, PASSWORD.upper()), (USER, PASSWORD + " "),
    ("mallory", PASSWORD), ("ALICE", PASSWORD), ("alice' or '1'='1", "x"), ("", ""),
])
def test_wrong_or_unknown_credentials_are_refused(login_dashboard, username, password):
    reply = post_login(login_dashboard.port, username, password)
    assert reply.status in (400, 401)
    if reply.status == 401:
        assert "Wrong user name or password." in reply.text
    cookie = reply.cookie(SESSION_COOKIE)
    if cookie:
        assert get(login_dashboard.port, "/api/filters", cookie=cookie).status == 401


def _payload(cookie: str) -> dict:
    data = cookie.split(".")[0]
    return json.loads(base64.b64decode(data + "=" * (-len(data) % 4)))


def _encode(payload: dict) -> str:
    return base64.b64encode(json.dumps(payload).encode()).decode()


def test_a_tampered_cookie_is_refused(login_dashboard):
    port = login_dashboard.port
    cookie = _log_in(port)
    data, timestamp, signature = cookie.split(".")
    # another user with the real signature, a flipped signature, no signature, unsigned JSON
    forged_user = _encode({**_payload(cookie), "user": "admin"})
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    for tampered in (f"{forged_user}.{timestamp}.{signature}", f"{data}.{timestamp}.{flipped}",
                     f"{data}.{timestamp}", data, _encode({"user": USER, "sid": "x"}), "null"):
        assert get(port, "/api/filters", cookie=tampered).status == 401, tampered
        assert get(port, "/", cookie=tampered).status == 303


def test_a_cookie_signed_with_another_key_is_refused(login_dashboard):
    cookie = _log_in(login_dashboard.port)
    signer = itsdangerous.TimestampSigner("a-key-the-attacker-chose")
    forged = signer.sign(cookie.split(".")[0]).decode()
    assert get(login_dashboard.port, "/api/filters", cookie=forged).status == 401


def test_logout_ends_the_session_even_for_a_copied_cookie(login_dashboard):
    port = login_dashboard.port
    cookie = _log_in(port)
    assert get(port, "/api/filters", cookie=cookie).status == 200
    reply = get(port, "/logout", cookie=cookie)
    assert reply.status == 303 and reply.headers["Location"] == "/login"
    assert get(port, "/api/filters", cookie=cookie).status == 401  # the copy no longer works
    assert get(port, "/", cookie=cookie).status == 303


def test_a_user_removed_from_the_file_loses_access(login_dashboard, users_file):
    port = login_dashboard.port
    cookie = _log_in(port)
    add_user(users_file, "budi", "kata-sandi-budi")
    users_file.write_text(f"budi:{read_users(users_file)['budi']}\n")
    assert get(port, "/api/filters", cookie=cookie).status == 401
    assert post_login(port, USER, PASSWORD).status == 401


def test_a_user_added_while_running_can_log_in(login_dashboard, users_file):
    add_user(users_file, "budi", "kata-sandi-budi")
    assert post_login(login_dashboard.port, "budi", "kata-sandi-budi").status == 303


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "dashboard.example.org"])
def test_beyond_loopback_without_users_is_refused(tmp_path, host):
    with pytest.raises(LoginRequiredError) as error:
        login_users(host, tmp_path / "no-such-file")
    assert "PANTAU_SERVE_USERS_FILE" in str(error.value)
    assert "pantau serve --add-user" in str(error.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_without_users_stays_open(tmp_path, host):
    assert login_users(host, tmp_path / "no-such-file") is None


def test_beyond_loopback_with_users_needs_the_login(users_file):
    users = login_users("0.0.0.0", users_file)
    assert isinstance(users, Users) and USER in users


def test_pantau_serve_on_every_interface_without_users_exits_2(snapshot, tmp_path, monkeypatch,
                                                               capsys):
    monkeypatch.setenv("PANTAU_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PANTAU_PUBLISHED_PATH", str(snapshot))
    monkeypatch.setenv("PANTAU_SERVE_HOST", "0.0.0.0")
    monkeypatch.setenv("PANTAU_SERVE_PORT", "0")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pantau: error: the dashboard would listen on 0.0.0.0")
    assert "PANTAU_SERVE_USERS_FILE" in err and "pantau serve --add-user NAME" in err


def test_add_user_reads_stdin_and_writes_an_owner_only_file(tmp_path, monkeypatch, capsys):
    users_path = tmp_path / "users"
    monkeypatch.setenv("PANTAU_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PANTAU_SERVE_USERS_FILE", str(users_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("sandi-yang-panjang\n"))
    assert main(["serve", "--add-user", "budi"]) == 0
    assert "Added budi" in capsys.readouterr().out
    assert stat.S_IMODE(os.stat(users_path).st_mode) == 0o600
    assert Users(users_path).verify("budi", "sandi-yang-panjang")
    assert "sandi-yang-panjang" not in users_path.read_text()
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["serve", "--add-user", "budi"]) == 2
    assert "shorter than 8 characters" in capsys.readouterr().err
