"""Pure parts of the serving layer: statement splitting, Postgres rewrites and value encoding."""

from __future__ import annotations

import datetime as dt
import decimal
import struct

import pytest

from pantau.serve import pgcompat, sql_shell
from pantau.text.sql import FUNCTION_NAMES


def test_sql_shell_knows_every_text_function():
    assert set(sql_shell.TEXT_FUNCTIONS) == set(FUNCTION_NAMES)


def test_split_respects_quotes_comments_and_dollar_quotes():
    sql = ("select 'a;b' as x; -- one; two\nselect \"c;d\" from t; select $$e;f$$;"
           "/* g; */ select 1;;  ")
    assert [s.strip() for s in pgcompat.split(sql)] == [
        "select 'a;b' as x", "-- one; two\nselect \"c;d\" from t", "select $$e;f$$",
        "/* g; */ select 1"]
    assert pgcompat.split("  ;  ") == []


@pytest.mark.parametrize(("postgres", "duckdb"), [
    ("c.relname OPERATOR(pg_catalog.~) '^(x)$' COLLATE pg_catalog.default",
     "c.relname ~ '^(x)$'"),
    ("where c.oid = 'marts.fct_posts'::regclass", "where c.oid = (select c.oid from "
     "pantau_pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where "
     "c.relname = 'fct_posts' and n.nspname = 'marts' limit 1)"),
    ("select pg_catalog.pg_get_userbyid(c.relowner)", "select pg_get_userbyid(c.relowner)"),
    ("select x::pg_catalog.text", "select x::text"),
    ("from pg_catalog.pg_class c join pg_attribute a", "from pantau_pg_class c join "
     "pantau_pg_attribute a"),
    ("CAST(CAST(a.attrelid AS REGCLASS) AS TEXT)", "CAST(CAST(a.attrelid AS BIGINT) AS TEXT)"),
    ("select json_build_object('a', 1)", "select json_object('a', 1)"),
])
def test_rewrite_turns_postgres_spellings_into_duckdb(postgres, duckdb):
    assert pgcompat.rewrite(postgres) == duckdb


@pytest.mark.parametrize("statement", ["insert into t values (1)", "  DELETE FROM t",
                                       "create table t(a int)", "copy t to 'x.csv'",
                                       "attach 'w.duckdb'", "drop table t", "update t set a = 1",
                                       "install ui", "call start_ui()"])
def test_anything_but_a_read_is_refused_before_duckdb(statement):
    with pytest.raises(pgcompat.PgError) as error:
        pgcompat.execute(None, statement, (), pgcompat.session_settings({}))  # type: ignore[arg-type]
    assert error.value.sqlstate == "25006" and "read-only" in error.value.message


def test_session_statements_are_answered_without_duckdb():
    settings = pgcompat.session_settings({"user": "bi", "application_name": "Metabase"})
    for statement, tag in [("BEGIN", "BEGIN"), ("commit", "COMMIT"), ("set datestyle = ISO", "SET"),
                           ("DISCARD ALL", "DISCARD ALL"), ("rollback to savepoint x", "ROLLBACK")]:
        assert pgcompat.execute(None, statement, (), settings).tag == tag  # type: ignore[arg-type]
    show = pgcompat.execute(None, "SHOW TRANSACTION ISOLATION LEVEL", (), settings)  # type: ignore[arg-type]
    assert show.fetch(10) == [("read committed",)]
    assert pgcompat.execute(None, "show application_name", (), settings).fetch(1) == [  # type: ignore[arg-type]
        ("Metabase",)]
    with pytest.raises(pgcompat.PgError, match="unrecognized configuration parameter"):
        pgcompat.execute(None, "show no_such_thing", (), settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(("duckdb_type", "oid"), [
    ("BIGINT", 20), ("DOUBLE", 701), ("VARCHAR", 1043), ("VARCHAR[]", 1015), ("BOOLEAN", 16),
    ("TIMESTAMP", 1114), ("DATE", 1082), ("DECIMAL(18,3)", 1700), ("HUGEINT", 1700),
    ("STRUCT(a INTEGER)", 25)])
def test_duckdb_types_map_to_postgres_oids(duckdb_type, oid):
    assert pgcompat.type_oid(duckdb_type)[0] == oid


@pytest.mark.parametrize(("value", "text"), [
    (True, "t"), (1.5, "1.5"), (float("nan"), "NaN"),
    (dt.datetime(2026, 11, 20, 7, 9), "2026-11-20 07:09:00"),
    (dt.date(2026, 11, 20), "2026-11-20"), (["#a", "b c", None, 'q"'], '{#a,"b c",NULL,"q\\""}'),
    (decimal.Decimal("1.20"), "1.20"), (b"\x01\xff", "\\x01ff"),
    (dt.timedelta(days=1, hours=2, minutes=3, seconds=4), "1 days 02:03:04")])
def test_values_are_sent_as_postgres_text(value, text):
    assert pgcompat.encoder(0)(value) == text.encode()


def test_parameters_decode_from_text_and_binary():
    assert pgcompat.decode_param(b"42", 20, 0) == 42
    assert pgcompat.decode_param(struct.pack("!q", -7), 20, 1) == -7
    assert pgcompat.decode_param(struct.pack("!d", 0.25), 701, 1) == 0.25
    assert pgcompat.decode_param(b"2026-11-20", 1082, 0) == dt.date(2026, 11, 20)
    assert pgcompat.decode_param(b"x", 0, 0) == "x"
    assert pgcompat.decode_param(None, 23, 0) is None
