"""Attacks on the PostgreSQL serving database, as the reader role a BI user logs in with.

Every test talks to the real local server (``pg_marts``: a database of its own holding the
marts of the 600-post serving snapshot). Each refusal is asserted by its message, and afterwards
the marts are checked unchanged as the writer, so a test passes only when the server refused for
the stated reason and nothing happened.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import psycopg
import pytest
from psycopg import errors

from pantau.connections.postgres import reader_conninfo, reader_password, writer_url
from pantau.local.postgres import LocalPostgres
from pantau.publish.postgres import publish_postgres
from pantau.settings import Settings

pytestmark = pytest.mark.integration

MARTS = ("dim_police_units", "dim_polres", "fct_post_metrics_hourly", "fct_posts",
         "mart_campaign_posts", "mart_coordinated_campaigns", "mart_hashtags_daily",
         "mart_issue_alerts", "mart_issue_amplifiers", "mart_issue_hashtag_war",
         "mart_network_communities", "mart_network_edges", "mart_polda_share_of_voice",
         "mart_polres_engagement_daily", "mart_polres_scorecard", "mart_polres_sentiment_daily",
         "mart_top_authors", "mart_unit_engagement_daily", "mart_unit_scorecard",
         "mart_unit_sentiment_daily", "mart_viral_posts")
PERMISSION = r"permission denied|must be owner|must be superuser|read-only transaction"
#: A query that runs far longer than any test waits (600^4 rows).
ENDLESS = ("select count(*) from marts.fct_posts a, marts.fct_posts b, marts.fct_posts c, "
           "marts.fct_posts d")


def _admin(settings: Settings) -> psycopg.Connection:
    return psycopg.connect(LocalPostgres(settings).admin_conninfo(settings.pg_database),
                           autocommit=True)


def _reader(settings: Settings, **kwargs: object) -> psycopg.Connection:
    return psycopg.connect(reader_conninfo(settings), autocommit=True, **kwargs)


def _counts(settings: Settings) -> dict[str, int]:
    """Rows per mart, read as the writer (the owner sees what is really there)."""
    with psycopg.connect(writer_url(settings)) as con:
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'")}
        return {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0]  # type: ignore[index]
                for t in sorted(tables)}


@pytest.fixture
def marts(pg_marts: Settings) -> Iterator[Settings]:
    """The serving database, checked unchanged (every mart, every row count) after the test."""
    before = _counts(pg_marts)
    assert set(before) == set(MARTS) and before["fct_posts"] == 600
    yield pg_marts
    assert _counts(pg_marts) == before


@contextmanager
def _per_database(settings: Settings, parameter: str, value: str) -> Iterator[None]:
    """A reader setting for this test's database only.

    ``alter role … set`` is cluster-wide: it would change every database of the cluster (the
    session's other test databases, a developer's own ``pantau`` database). ``alter role … in
    database …`` applies to new reader sessions of this one database, and takes precedence over
    the role-wide value roles.sql sets.
    """
    role, database = settings.pg_reader, settings.pg_database
    with _admin(settings) as admin:
        admin.execute(f'alter role "{role}" in database "{database}" set {parameter} = '
                      f"'{value}'")
    try:
        yield
    finally:
        with _admin(settings) as admin:
            admin.execute(f'alter role "{role}" in database "{database}" reset {parameter}')


def _refused(con: psycopg.Connection, sql: str, pattern: str = PERMISSION) -> str:
    """Run ``sql``; assert the server refuses it with a message matching ``pattern``."""
    with pytest.raises(psycopg.Error) as caught:
        con.execute(sql)
    message = str(caught.value)
    assert re.search(pattern, message), f"{sql!r} failed for another reason: {message}"
    return message


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def _active(settings: Settings, pid: int, text: str) -> bool:
    with _admin(settings) as admin:
        row = admin.execute("select state, query from pg_stat_activity where pid = %s",
                            [pid]).fetchone()
    return bool(row and row[0] == "active" and text in row[1])


def _psql(settings: Settings, sql: str) -> subprocess.CompletedProcess[str]:
    psql = shutil.which("psql")
    assert psql, "psql is needed"
    return subprocess.run([psql, "-X", "-d", reader_conninfo(settings), "-c", sql],
                          capture_output=True, text=True, timeout=30, check=False)


# --- logging in --------------------------------------------------------------------------------

def test_wrong_and_missing_passwords_are_refused(marts: Settings) -> None:
    bare = reader_conninfo(marts, passfile=False)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(bare + " password=wrong-" + reader_password(marts)[:4], connect_timeout=10)
    # No password at all (and no password file to fall back on).
    environment = {k: os.environ.pop(k) for k in ("PGPASSWORD", "PGPASSFILE") if k in os.environ}
    try:
        with pytest.raises(psycopg.OperationalError, match="no password supplied"):
            psycopg.connect(bare + " passfile=/nonexistent", connect_timeout=10)
    finally:
        os.environ.update(environment)
    with _admin(marts) as admin:
        verifiers = dict(admin.execute(
            "select rolname, rolpassword like 'SCRAM-SHA-256$%%' from pg_authid "
            "where rolname in (%s, %s)", [marts.pg_reader, marts.pg_writer]).fetchall())
    assert verifiers == {marts.pg_reader: True, marts.pg_writer: True}


def test_only_scram_in_pg_hba(marts: Settings) -> None:
    with _admin(marts) as admin:
        rules = admin.execute("select type, user_name, auth_method, error from pg_hba_file_rules"
                              ).fetchall()
    assert rules and all(error is None for *_, error in rules)
    assert not [r for r in rules if r[2] in ("trust", "password", "md5", "ident")], rules
    for kind, users, method, _ in rules:
        if kind == "local":
            assert (users, method) == (["postgres"], "peer")
        else:
            assert method == "scram-sha-256", (kind, users, method)


# --- what the reader may not do ------------------------------------------------------------------

def test_reader_cannot_create_anything(marts: Settings) -> None:
    with _reader(marts) as con:
        # The role's default is read-only; the reader can switch that off, so every check below
        # proves the missing privilege, not only the read-only default.
        _refused(con, "create table marts.stolen (x int)", "read-only transaction")
        con.execute("set default_transaction_read_only = off")
        _refused(con, "create table marts.stolen (x int)", "permission denied for schema marts")
        _refused(con, "create table public.stolen (x int)", "permission denied for schema public")
        _refused(con, "create table stolen (x int)",
                 "no schema has been selected to create in|permission denied for schema")
        _refused(con, "create temp table stolen (x int)",
                 "permission denied to create temporary tables")
        _refused(con, "create schema stolen", "permission denied for database")
        _refused(con, "create extension pg_trgm", "no schema has been selected")
        con.execute("set search_path = marts")
        _refused(con, "create extension pg_trgm", 'permission denied to create extension "pg_trgm"')
        _refused(con, "create extension file_fdw",
                 r"permission denied to create extension|must be superuser")
        _refused(con, "create extension dblink",
                 r"permission denied to create extension|must be superuser")


def test_reader_cannot_change_the_marts(marts: Settings) -> None:
    with _reader(marts) as con:
        _refused(con, "delete from marts.fct_posts", "read-only transaction")
        con.execute("set default_transaction_read_only = off")
        for sql in ("insert into marts.dim_polres select * from marts.dim_polres limit 1",
                    "update marts.fct_posts set likes = likes + 1",
                    "delete from marts.fct_posts",
                    "truncate marts.fct_post_metrics_hourly",
                    "select * from marts.fct_posts for update"):
            _refused(con, sql, "permission denied for table")
        _refused(con, "drop table marts.fct_posts", "must be owner of table fct_posts")
        _refused(con, "alter table marts.fct_posts add column pwned int",
                 "must be owner of table fct_posts")
        _refused(con, "alter table marts.fct_posts rename to gone", "must be owner")
        _refused(con, "drop schema marts cascade", "must be owner of schema marts")
        _refused(con, "select * from pantau_ops.publish_log", "permission denied for schema")


def test_reader_cannot_grant_or_become_the_writer(marts: Settings) -> None:
    with _reader(marts) as con:
        con.execute("set default_transaction_read_only = off")
        _refused(con, f'set role "{marts.pg_writer}"', "permission denied to set role")
        _refused(con, f'set session authorization "{marts.pg_writer}"',
                 "permission denied to set session authorization")
        _refused(con, f'grant "{marts.pg_writer}" to "{marts.pg_reader}"',
                 "permission denied to grant role|must have admin option")
        _refused(con, f'alter role "{marts.pg_reader}" superuser', "permission denied|must be superuser")
        _refused(con, f'alter role "{marts.pg_reader}" connection limit -1',
                 "permission denied")
        # GRANT of a privilege the reader holds without grant option only warns: check that
        # nothing was granted.
        con.execute("grant insert, update, delete on marts.fct_posts to public")
        con.execute(f'grant all on schema marts to "{marts.pg_reader}"')
        for privilege in ("insert", "update", "delete"):
            assert not con.execute("select has_table_privilege('marts.fct_posts', %s)",
                                   [privilege]).fetchone()[0]  # type: ignore[index]
        assert not con.execute(
            "select has_schema_privilege('marts', 'create')").fetchone()[0]  # type: ignore[index]


def test_reader_defaults_it_changes_are_undone_by_provisioning(marts: Settings) -> None:
    """PostgreSQL lets every role change its own session defaults, even per database (which
    would lift the statement timeout for every BI user of the shared reader role); roles.sql
    resets them, so ``pantau stack up`` restores the limits."""
    server = LocalPostgres(marts)
    try:
        with _reader(marts) as con:
            con.execute("set default_transaction_read_only = off")
            con.execute(f'alter role "{marts.pg_reader}" set statement_timeout = 0')
            con.execute(f'alter role "{marts.pg_reader}" in database "{marts.pg_database}" '
                        "set statement_timeout = 0")
            con.execute(f'alter role "{marts.pg_reader}" in database "{marts.pg_database}" '
                        "set default_transaction_read_only = off")
        with _reader(marts) as con:
            assert con.execute("show statement_timeout").fetchone() == ("0",)
    finally:
        server.provision(database=marts.pg_database, say=lambda _m: None)
    with _reader(marts) as con:
        assert con.execute("select setting::int from pg_settings where name = "
                           "'statement_timeout'").fetchone() == (marts.pg_statement_timeout_s * 1000,)
        assert con.execute("show default_transaction_read_only").fetchone() == ("on",)
        assert con.execute("show idle_session_timeout").fetchone()[0] != "0"  # type: ignore[index]


def test_reader_cannot_touch_the_server_files(marts: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "x"
    with _reader(marts) as con:
        con.execute("set default_transaction_read_only = off")
        _refused(con, f"copy marts.fct_posts to '{target}'",
                 "must be superuser or have privileges of the pg_write_server_files role")
        _refused(con, "copy (select 1) to program 'id'",
                 "must be superuser or have privileges of the pg_execute_server_program role")
        _refused(con, "copy marts.dim_polres from program 'id'",
                 "must be superuser or have privileges of the pg_execute_server_program role")
        _refused(con, "copy marts.dim_polres from '/etc/passwd'",
                 "must be superuser or have privileges of the pg_read_server_files role")
        _refused(con, "select pg_read_file('/etc/passwd')",
                 "permission denied for function pg_read_file")
        _refused(con, "select pg_read_binary_file('/etc/passwd')",
                 "permission denied for function pg_read_binary_file")
        _refused(con, "select pg_ls_dir('.')", "permission denied for function pg_ls_dir")
        _refused(con, "select pg_stat_file('postgresql.conf')",
                 "permission denied for function pg_stat_file")
        _refused(con, "select lo_import('/etc/passwd')", "permission denied for function lo_import")
        _refused(con, "select lo_from_bytea(0, 'x')", "permission denied for function lo_from_bytea")
        _refused(con, "select lo_create(0)", "permission denied for function lo_create")
        with psycopg.connect(writer_url(marts)) as writer:
            pid = writer.info.backend_pid
            _refused(con, f"select pg_terminate_backend({pid})",
                     "permission denied to terminate process|must be a member of the role")
            _refused(con, f"select pg_cancel_backend({pid})",
                     "permission denied to cancel query|must be a member of the role")
            assert writer.execute("select 1").fetchone() == (1,)
        _refused(con, "alter system set log_statement = 'none'", "permission denied|must be superuser")
        _refused(con, "set log_statement = 'none'", "permission denied to set parameter")
    assert not target.exists()


# --- the tricks that broke the old hand-written endpoint ----------------------------------------

def test_stacked_statements_do_nothing_harmful(marts: Settings) -> None:
    done = _psql(marts, "SELECT 1; DROP TABLE marts.fct_posts")
    assert done.returncode != 0
    assert re.search("read-only transaction|must be owner", done.stderr), done.stderr
    done = _psql(marts, "SELECT 1 AS a$b$; drop table marts.dim_polres; SELECT 2 AS c$b$")
    assert done.returncode != 0
    assert re.search("read-only transaction|must be owner", done.stderr), done.stderr
    with _reader(marts) as con:
        # No parameters: psycopg sends the simple query protocol, which allows two statements.
        _refused(con, "SELECT 1; DROP TABLE marts.fct_posts",
                 "read-only transaction|must be owner")
        con.execute("set default_transaction_read_only = off")
        _refused(con, "SELECT 1; DROP TABLE marts.fct_posts", "must be owner of table fct_posts")
        # With a parameter the extended protocol is used: one statement only.
        with pytest.raises(errors.SyntaxError, match="cannot insert multiple commands"):
            con.execute("SELECT %s::int; DROP TABLE marts.fct_posts", [1])
        # Prepared explicitly, too.
        with pytest.raises(errors.SyntaxError, match="cannot insert multiple commands"):
            con.execute("SELECT 1; DROP TABLE marts.fct_posts", prepare=True)


# --- resource limits ---------------------------------------------------------------------------

def test_statement_timeout_cancels_a_long_query(marts: Settings) -> None:
    with _per_database(marts, "statement_timeout", "1s"), _reader(marts) as con:
        assert con.execute("show statement_timeout").fetchone()[0] == "1s"  # type: ignore[index]
        started = time.monotonic()
        with pytest.raises(errors.QueryCanceled, match="statement timeout"):
            con.execute("select count(*) from marts.fct_posts a, marts.fct_posts b, "
                        "marts.fct_posts c")
        assert time.monotonic() - started < 10
        assert con.execute("select count(*) from marts.fct_posts").fetchone()[0] == 600  # type: ignore[index]


def test_cancel_stops_a_running_query(marts: Settings) -> None:
    with _reader(marts) as con:
        pid = con.info.backend_pid
        outcome: dict[str, object] = {}

        def run() -> None:
            try:
                con.execute(ENDLESS)
                outcome["error"] = None
            except psycopg.Error as error:
                outcome["error"] = error
            outcome["at"] = time.monotonic()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        _wait_for(lambda: _active(marts, pid, "marts.fct_posts d"), "the query to run")
        cancelled_at = time.monotonic()
        con.cancel_safe(timeout=10)
        thread.join(timeout=15)
        assert not thread.is_alive()
        assert isinstance(outcome["error"], errors.QueryCanceled), outcome
        assert "canceling statement due to user request" in str(outcome["error"])
        assert outcome["at"] - cancelled_at < 5  # type: ignore[operator]
        assert con.execute("select 1").fetchone() == (1,)


def test_idle_session_timeout_closes_an_idle_reader(marts: Settings) -> None:
    with _per_database(marts, "idle_session_timeout", "1s"):
        con = _reader(marts)
        try:
            pid = con.info.backend_pid

            def gone() -> bool:
                with _admin(marts) as admin:
                    return admin.execute("select count(*) from pg_stat_activity where pid = %s",
                                         [pid]).fetchone()[0] == 0  # type: ignore[index]

            _wait_for(gone, "the server to close the idle reader connection", timeout=15)
            # The server said why before closing: the client's socket is readable (EOF/FATAL).
            readable, _, _ = select.select([con.fileno()], [], [], 5)
            assert readable
            with pytest.raises(psycopg.OperationalError):
                con.execute("select 1")
        finally:
            con.close()


def test_reader_connection_limit_leaves_room_for_writer_and_admin(marts: Settings) -> None:
    limit = marts.pg_reader_connections
    refusals: list[str] = []
    with ExitStack() as held:
        for _ in range(200):
            try:
                held.enter_context(_reader(marts, connect_timeout=10))
            except psycopg.OperationalError as error:
                refusals.append(str(error))
        opened = 200 - len(refusals)
        assert opened == limit
        assert all("too many connections for role" in r for r in refusals), set(refusals)
        with psycopg.connect(writer_url(marts)) as writer:
            assert writer.execute("select current_user").fetchone() == (marts.pg_writer,)
        with _admin(marts) as admin:
            readers = admin.execute("select count(*) from pg_stat_activity where usename = %s",
                                    [marts.pg_reader]).fetchone()[0]  # type: ignore[index]
            assert readers == limit
        done = publish_postgres(marts, build_id="while-readers-hold", say=lambda _m: None)
        assert done.mode in ("incremental", "full")
    with psycopg.connect(writer_url(marts)) as writer:
        assert writer.execute("select build_id from pantau_ops.publish_log order by "
                              "published_at desc limit 1").fetchone() == ("while-readers-hold",)


def test_absurd_startup_packet_is_refused(marts: Settings) -> None:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", marts.pg_port), timeout=10) as raw:
        raw.sendall(struct.pack("!I", 200_000_000) + struct.pack("!I", 196608) + b"user\0")
        try:
            answer = raw.recv(4096)
        except ConnectionResetError:
            answer = b""
    assert answer == b"" or answer[:1] == b"E", answer
    assert time.monotonic() - started < 5
    with _reader(marts) as con:
        assert con.execute("select count(*) from marts.dim_polres").fetchone()[0] > 0  # type: ignore[index]
