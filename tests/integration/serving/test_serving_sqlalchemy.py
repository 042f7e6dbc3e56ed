"""The documented SQLAlchemy URL (duckdb-engine) on a real snapshot: read-only, reflectable, and
usable while a writer holds the working warehouse."""

from __future__ import annotations

import duckdb
import pytest
import sqlalchemy

from pantau.serve.snapshot import sqlalchemy_url

pytestmark = pytest.mark.integration


def test_sqlalchemy_url_reads_the_snapshot_read_only(serving_settings):
    url = sqlalchemy_url(serving_settings.published_path)
    assert url == f"duckdb:///{serving_settings.published_path}?access_mode=read_only"
    writer = duckdb.connect(str(serving_settings.warehouse_path))  # a load in progress
    engine = sqlalchemy.create_engine(url)
    try:
        inspector = sqlalchemy.inspect(engine)
        assert "published.marts" in inspector.get_schema_names()  # duckdb-engine: catalog.schema
        tables = set(inspector.get_table_names(schema="marts"))
        assert {"fct_posts", "mart_issue_alerts", "mart_polres_scorecard"} <= tables
        # Column reflection (inspector.get_columns) fails with SQLAlchemy >= 2.0.45 on duckdb-engine
        # 0.17 (duckdb_engine#1379: SQLAlchemy's query joins pg_collation columns DuckDB lacks);
        # docs/serving.md says so, and the Postgres endpoint reflects columns (test below).
        with engine.connect() as con:
            top = con.execute(sqlalchemy.text(
                "select polres_id, sum(engagement) as engagement from marts.fct_posts "
                "where created_date >= :since group by polres_id order by engagement desc limit 1"),
                {"since": "2026-11-16"}).one()
            assert top.polres_id and top.engagement > 0
            with pytest.raises(sqlalchemy.exc.DBAPIError, match="read-only"):
                con.execute(sqlalchemy.text("delete from marts.fct_posts"))
        writer.execute("create table still_writable as select 1 as n")
    finally:
        engine.dispose()
        writer.close()


def test_sqlalchemy_postgres_dialect_reflects_the_published_marts(pg_marts):
    from pantau.connections.postgres import reader_password

    engine = sqlalchemy.create_engine(sqlalchemy.URL.create(
        "postgresql+psycopg", username=pg_marts.pg_reader, password=reader_password(pg_marts),
        host="127.0.0.1", port=pg_marts.pg_port, database=pg_marts.pg_database))
    try:
        inspector = sqlalchemy.inspect(engine)
        assert "marts" in inspector.get_schema_names()
        assert "mart_polres_scorecard" in inspector.get_table_names(schema="marts")
        columns = {c["name"]: c for c in inspector.get_columns("mart_polres_scorecard",
                                                                schema="marts")}
        assert isinstance(columns["latitude"]["type"], sqlalchemy.Float)
        assert isinstance(columns["week_start_date"]["type"], sqlalchemy.Date)
        with engine.connect() as con:
            assert con.execute(sqlalchemy.text(
                "select count(*) from marts.fct_posts")).scalar_one() == 600
    finally:
        engine.dispose()
