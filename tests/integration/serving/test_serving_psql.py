"""The published marts in PostgreSQL with the clients BI users type: psql's catalogue commands
(`\\dt`, `\\d`, `\\dn`) and a query as the reader role, and psycopg 3 with server-side prepared
statements and PostgreSQL's own types."""

from __future__ import annotations

import datetime as dt
import os
import subprocess

import psycopg
import pytest

from pantau.connections.postgres import reader_conninfo
from pantau.settings import Settings

pytestmark = pytest.mark.integration


def _psql(settings: Settings, *commands: str) -> subprocess.CompletedProcess[str]:
    args = ["psql", "-X", "-v", "ON_ERROR_STOP=1", reader_conninfo(settings)]
    for command in commands:
        args += ["-c", command]
    return subprocess.run(args, env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
                          capture_output=True, text=True, timeout=60)


def test_psql_lists_describes_and_queries_the_marts_as_the_reader(pg_marts):
    done = _psql(pg_marts, r"\dt marts.*", r"\d marts.fct_posts", r"\dn",
                 "select polres_id, count(*) as posts from marts.fct_posts "
                 "group by 1 order by 2 desc, 1")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for table in ("fct_posts", "mart_issue_alerts", "mart_polres_scorecard", "dim_polres"):
        assert f" marts  | {table} " in out, out
    assert 'Table "marts.fct_posts"' in out
    assert " sentiment_label " in out and " created_at " in out and "timestamp without time zone" in out
    assert " polres_ids " in out and "text[]" in out
    assert "pantau_writer" in out  # \dn: the writer owns the schema
    assert "polrestabes_bandung" in out and "(6 rows)" in out


def test_psycopg_prepares_statements_and_reads_postgres_types(pg_marts):
    with psycopg.connect(reader_conninfo(pg_marts), prepare_threshold=0) as con:
        rows = con.execute(
            "select post_key, created_at, hashtags, engagement, sentiment_score, "
            "is_official_author from marts.fct_posts where platform = %s "
            "order by post_key limit 5", ["x"]).fetchall()
        again = con.execute(
            "select post_key, created_at, hashtags, engagement, sentiment_score, "
            "is_official_author from marts.fct_posts where platform = %s "
            "order by post_key limit 5", ["x"]).fetchall()
        prepared = con.execute("select count(*) from pg_prepared_statements").fetchone()
    assert rows == again and len(rows) == 5
    key, created_at, hashtags, engagement, score, official = rows[0]
    assert key.startswith("x:") and isinstance(created_at, dt.datetime)
    assert isinstance(hashtags, list) and isinstance(engagement, int)
    assert isinstance(score, float) and isinstance(official, bool)
    assert prepared is not None and prepared[0] >= 1  # a real server-side prepared statement
