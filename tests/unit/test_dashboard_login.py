"""The dashboard's password hashes, users file, session key and filter types, without a server."""

from __future__ import annotations

import base64
import os
import stat
import typing

import pytest

from pantau import contract
from pantau.contract.vocabulary import Platform
from pantau.keys import is_loopback
from pantau.serve import auth
from pantau.serve.queries import Filters


def test_a_hash_describes_itself_and_is_salted():
    encoded = auth.hash_password("kata-sandi")
    scheme, n, r, p, salt, key = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(key)) == 32
    assert auth.hash_password("kata-sandi") != encoded  # a new salt each time
    assert auth.verify_password("kata-sandi", encoded)
    assert not auth.verify_password("kata-sandi ", encoded)
    assert not auth.verify_password("", encoded)


def test_other_costs_are_read_from_the_hash():
    encoded = auth.hash_password("kata-sandi", n=2**10, r=4, p=2)
    assert encoded.startswith("scrypt$1024$4$2$")
    assert auth.verify_password("kata-sandi", encoded)


@pytest.mark.parametrize("encoded", [
    "", "plain-password", "bcrypt$2b$12$abc", "scrypt$16384$8$1$c2FsdA==",
    "scrypt$x$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",
    "scrypt$1000$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5",  # n not a power of two
    "scrypt$16384$8$1$not base64!$a2V5a2V5a2V5a2V5a2V5a2V5",
    "scrypt$16384$8$1$$a2V5a2V5a2V5a2V5a2V5a2V5",
    "scrypt$16384$8$1$c2FsdHNhbHRzYWx0$a2V5",  # a 3-byte key
])
def test_malformed_hashes_are_refused(encoded):
    with pytest.raises(ValueError):
        auth.parse_hash(encoded)
    assert not auth.verify_password("anything", encoded)


def test_add_user_writes_an_owner_only_file_and_replaces_a_password(tmp_path):
    path = tmp_path / "sub" / "users"
    assert auth.add_user(path, "siti", "sandi-pertama") is False
    assert auth.add_user(path, "budi", "sandi-budi-01") is False
    assert auth.add_user(path, "siti", "sandi-kedua!") is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    users = auth.Users(path)
    assert len(users) == 2 and "siti" in users and "budi" in users
    assert users.verify("siti", "sandi-kedua!") and not users.verify("siti", "sandi-pertama")
    assert not users.verify("nobody", "sandi-kedua!")
    assert "sandi" not in path.read_text().replace("sandi-", "")  # hashes only
    assert [p.name for p in path.parent.iterdir()] == ["users"]  # no temporary file left


@pytest.mark.parametrize(("name", "password", "says"), [
    ("siti", "short", "shorter than 8"), ("siti", "x" * 1025, "longer than 1024"),
    ("si ti", "long-enough", "is not 1-64 letters"), ("siti:x", "long-enough", "is not 1-64"),
    ("", "long-enough", "is not 1-64"), ("-siti", "long-enough", "starting with a letter"),
])
def test_add_user_refuses_bad_names_and_passwords(tmp_path, name, password, says):
    with pytest.raises(auth.TerminalError, match=says):
        auth.add_user(tmp_path / "users", name, password)
    assert not (tmp_path / "users").exists()


def test_the_users_file_ignores_comments_and_blank_lines(tmp_path):
    good = auth.hash_password("sandi-siti-1")
    path = tmp_path / "users"
    path.write_text(f"# dashboard users\n\n  siti:{good}  \n")
    assert auth.read_users(path) == {"siti": good}
    assert auth.read_users(tmp_path / "missing") == {}


@pytest.mark.parametrize(("line", "says"), [
    ("siti", "there is no ':' between the name and the hash"),
    ("siti:plain-password", "the hash is not scrypt$N$R$P$SALT$KEY"),
    ("siti:scrypt$16384$8$1$!!$!!", "the salt or the key is not base64"),
    ("si ti:{good}", "the user name 'si ti' is not"),
    ("budi:{good}", "the user 'budi' is there twice"),
    (":{good}", "the user name '' is not"),
])
def test_a_malformed_line_names_the_file_and_the_line(tmp_path, line, says):
    good = auth.hash_password("sandi-budi-1")
    path = tmp_path / "users"
    path.write_text(f"# users\nbudi:{good}\n{line.format(good=good)}\n")
    with pytest.raises(auth.UsersFileError) as error:
        auth.read_users(path)
    message = str(error.value)
    assert message.startswith(f"{path}, line 3: {says}")
    assert "pantau serve --add-user NAME" in message
    assert error.value.line == 3


def test_a_file_that_turns_malformed_keeps_the_users_read_before(tmp_path):
    path = tmp_path / "users"
    auth.add_user(path, "siti", "sandi-siti-1")
    users = auth.Users(path)
    path.write_text("garbage line without colon, longer so the size changes\n")
    assert users.verify("siti", "sandi-siti-1")


def test_the_session_key_is_generated_once_owner_only(tmp_path):
    key = auth.session_key("", tmp_path / "state")
    path = tmp_path / "state" / "dashboard-session.key"
    assert len(key) >= 48 and path.read_text().strip() == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert auth.session_key("", tmp_path / "state") == key
    assert auth.session_key("from-the-setting", tmp_path / "other") == "from-the-setting"
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("LOCALHOST", True), ("0.0.0.0", False), ("::", False),
    ("10.0.0.5", False), ("example.org", False), ("", False),
])
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def test_the_platform_filter_is_the_contract_platforms():
    assert set(typing.get_args(Platform)) == set(contract.schema()["properties"]["platform"]["enum"])


def test_filters_read_aliases_and_empty_values():
    filters = Filters.model_validate({"from": "2026-11-13", "to": "", "polres": "polres_bogor"})
    assert str(filters.date_from) == "2026-11-13" and filters.date_to is None
    assert filters.where(date="d") == ("where true and polres_id = ? and d::date >= ?",
                                       ["polres_bogor", filters.date_from])
