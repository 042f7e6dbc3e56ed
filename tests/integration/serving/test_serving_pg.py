"""`pantau serve --pg` with real clients: psql and psycopg 3 (and SQLAlchemy's Postgres dialect on
psycopg), on a real snapshot file: catalogue queries, parameters, types, read-only refusals,
authentication and republishing."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest
import sqlalchemy

from pantau.serve.pgwire import PgServer, make_server, start_in_thread
from pantau.settings import Settings
from tests.serving_snapshot import write_snapshot

pytestmark = pytest.mark.integration

PASSWORD = "s3cret-pass"


@pytest.fixture
def pg(serving_settings: Settings) -> Iterator[PgServer]:
    server = make_server(snapshot=serving_settings.published_path, host="127.0.0.1", port=0,
                         user="analyst", password=PASSWORD)
    start_in_thread(server)
    yield server
    server.shutdown()
    server.server_close()


def _dsn(server: PgServer, password: str = PASSWORD) -> str:
    return f"host=127.0.0.1 port={server.port} user=analyst password={password} dbname=pantau"


def _psql(server: PgServer, *commands: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    args = ["psql", "-X", "-v", "ON_ERROR_STOP=1",
            f"host=127.0.0.1 port={server.port} user=analyst dbname=pantau"]
    for command in commands:
        args += ["-c", command]
    return subprocess.run(args, env={**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10"},
                          capture_output=True, text=True, timeout=60)


def test_psql_lists_describes_and_queries_the_marts(pg):
    done = _psql(pg, r"\dt marts.*", r"\d marts.fct_posts", r"\dn",
                 "select polres_id, count(*) as posts from marts.fct_posts group by 1 order by 2 desc, 1")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for table in ("fct_posts", "mart_issue_alerts", "mart_polres_scorecard", "dim_polres"):
        assert f" marts  | {table} " in out
    assert 'Table "marts.fct_posts"' in out and " sentiment_label " in out and " created_at " in out
    assert "polrestabes_bandung" in out and "(6 rows)" in out


def test_psql_describes_a_prepared_statement(pg):
    # \gdesc prepares the query and asks for its columns without running it (Describe statement)
    done = subprocess.run(
        ["psql", "-X", f"host=127.0.0.1 port={pg.port} user=analyst dbname=pantau"],
        input="select polres_id, count(*) as posts, avg(engagement) from marts.fct_posts "
              "where platform = 'x' group by 1 \\gdesc\n",
        env={**os.environ, "PGPASSWORD": PASSWORD}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "polres_id | character varying" in done.stdout
    assert "posts     | bigint" in done.stdout and "avg       | double precision" in done.stdout


def test_psql_wrong_password_is_refused(pg):
    done = _psql(pg, "select 1", password="wrong")
    assert done.returncode != 0
    assert 'password authentication failed for user "analyst"' in done.stderr


def test_writes_are_refused_with_a_clear_error(pg, serving_settings):
    done = _psql(pg, "delete from marts.fct_posts")
    assert done.returncode != 0
    assert "cannot execute DELETE in a read-only transaction" in done.stderr
    assert "read-only" in done.stderr
    with psycopg.connect(_dsn(pg)) as con:
        for statement in ("create table marts.t(a int)", "insert into marts.dim_polres "
                          "select * from marts.dim_polres", "attach 'x.duckdb' as x",
                          "select * from read_csv('/etc/passwd')"):
            with pytest.raises(psycopg.Error) as error:
                con.execute(statement)
            assert error.value.sqlstate in ("25006", "42501"), statement
            con.rollback()
        assert con.execute("select count(*) from marts.fct_posts").fetchone() == (600,)


def test_psycopg_parameters_types_and_prepared_statements(pg):
    import datetime as dt

    with psycopg.connect(_dsn(pg)) as con:
        rows = con.execute(
            "select post_key, hashtags, is_official_author, sentiment_score, engagement, created_at, "
            "created_date from marts.fct_posts where platform = %s and engagement >= %s "
            "order by post_key limit %s", ("x", 0, 3)).fetchall()
        assert len(rows) == 3
        key, hashtags, official, score, engagement, created_at, created_date = rows[0]
        assert key.startswith("x:") and isinstance(hashtags, list) and hashtags[1] == "#polri"
        assert isinstance(official, bool) and isinstance(score, float)
        assert isinstance(engagement, int) and isinstance(created_at, dt.datetime)
        assert isinstance(created_date, dt.date)
        # the same query six times: psycopg prepares it server-side from the sixth run on
        for _ in range(7):
            count = con.execute("select count(*) from marts.fct_posts where polres_id = %s",
                                ("polres_bogor",)).fetchone()
        assert count is not None and count[0] > 0
        # server-side fetching in batches through a named portal is not needed: plain cursors
        cur = con.cursor()
        cur.execute("select alert_id from marts.mart_issue_alerts order by alert_id")
        assert [r[0] for r in cur.fetchmany(2)] == ["alert_001", "alert_002"]


def test_catalogue_queries_of_bi_tools_answer(pg):
    with psycopg.connect(_dsn(pg), autocommit=True) as con:
        assert con.execute("select version()").fetchone()[0].startswith("PostgreSQL 15")
        assert con.execute("show transaction isolation level").fetchone() == ("read committed",)
        assert con.execute("select current_setting('server_version_num')").fetchone() == ("150000",)
        assert con.execute("show search_path").fetchone()[0]
        con.execute("set extra_float_digits = 3")
        con.execute("set application_name = 'Metabase'")
        schemas = {r[0] for r in con.execute("select nspname from pg_catalog.pg_namespace")}
        assert "marts" in schemas
        tables = {r[0] for r in con.execute(
            "select c.relname from pg_catalog.pg_class c join pg_catalog.pg_namespace n "
            "on n.oid = c.relnamespace where n.nspname = 'marts' and c.relkind in ('r', 'v')")}
        assert {"fct_posts", "mart_viral_posts", "mart_top_authors"} <= tables
        columns = con.execute(
            "select a.attname, t.typname from pg_catalog.pg_attribute a "
            "join pg_catalog.pg_class c on c.oid = a.attrelid "
            "join pg_catalog.pg_type t on t.oid = a.atttypid "
            "where c.relname = 'mart_issue_alerts' and a.attnum > 0 order by a.attnum").fetchall()
        assert ("response_minutes", "float8") in columns and ("is_open", "bool") in columns
        info = con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'mart_polres_scorecard' "
            "order by ordinal_position").fetchall()
        assert info[0][:2] == ("mart_polres_scorecard", "polres_id")
        assert {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'")} >= {
            "fct_posts", "mart_polres_engagement_daily"}
        # unqualified names resolve to the marts, as in a Postgres search_path
        assert con.execute("select count(*) from dim_polres").fetchone() == (6,)


def test_sqlalchemy_postgres_dialect_reflects_the_marts(pg):
    engine = sqlalchemy.create_engine(
        f"postgresql+psycopg://analyst:{PASSWORD}@127.0.0.1:{pg.port}/pantau")
    try:
        with engine.connect() as con:
            value = con.execute(sqlalchemy.text(
                "select count(*) from marts.mart_viral_posts where viral_rank <= :n"), {"n": 5})
            assert value.scalar() == 5
    finally:
        engine.dispose()


def test_a_republished_snapshot_reaches_new_and_idle_sessions_not_open_transactions(
        pg, serving_settings):
    with psycopg.connect(_dsn(pg), autocommit=True) as idle, psycopg.connect(_dsn(pg)) as in_tx:
        assert idle.execute("select count(*) from marts.fct_posts").fetchone() == (600,)
        # psycopg opens a transaction block (BEGIN) before this query and keeps it open
        assert in_tx.execute("select count(*) from marts.fct_posts").fetchone() == (600,)
        # the working warehouse stays writable while clients are connected
        writer = duckdb.connect(str(serving_settings.warehouse_path))
        writer.execute("create table loaded as select 1 as n")
        writer.close()
        # publish: a new file renamed over the old path (atomic)
        fresh = write_snapshot(Path(str(serving_settings.published_path) + ".new"), posts=300)
        os.replace(fresh, serving_settings.published_path)
        with psycopg.connect(_dsn(pg), autocommit=True) as new:
            assert new.execute("select count(*) from marts.fct_posts").fetchone() == (300,)
        # an idle pooled session moves to the new file at its next statement
        assert idle.execute("select count(*) from marts.fct_posts").fetchone() == (300,)
        # a transaction reads one snapshot throughout, the new one after it ends
        assert in_tx.execute("select count(*) from marts.fct_posts").fetchone() == (600,)
        in_tx.commit()
        assert in_tx.execute("select count(*) from marts.fct_posts").fetchone() == (300,)
