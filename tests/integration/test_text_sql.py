"""The text functions registered on a real DuckDB file and called from SQL (no dbt, no Kafka)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pantau.transform.text.sql import FUNCTION_NAMES, register

pytestmark = pytest.mark.integration


@pytest.fixture
def con(tmp_path: Path):  # type: ignore[no-untyped-def]
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("""
        create table posts as select * from (values
            ('x:1', 'oknum @polres_jaksel minta damai di tempat pas tilang 😡'),
            ('x:2', 'makasih Polrestabes Surabaya & Polres Gresik, sigap bgt bantu korban banjir 🙏'),
            ('x:3', 'Polda Metro Jaya rilis info jalan ditutup'),
            ('x:4', null),
            ('x:5', '')
        ) t(post_key, post_text)
    """).fetchall()
    register(connection)
    yield connection
    connection.close()


def test_every_function_is_callable_from_sql(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("""
        select post_key, sentiment_label(post_text), sentiment_score(post_text), emotion(post_text),
               topic(post_text), resolve_polres(post_text), normalize_text(post_text),
               resolve_polda(post_text), names_polri(post_text),
               resolve_units(post_text).polda_ids
        from posts order by post_key
    """).fetchall()
    by_key = {row[0]: row[1:] for row in rows}
    assert by_key["x:1"][0] == "negative" and by_key["x:1"][1] < 0
    assert by_key["x:1"][3] == "pungli_pemerasan"  # "damai di tempat": an illegal fee
    assert by_key["x:1"][4] == ["polres_metro_jakarta_selatan"]
    assert by_key["x:2"][0] == "positive" and by_key["x:2"][1] > 0
    assert by_key["x:2"][4] == ["polres_gresik", "polrestabes_surabaya"]
    assert by_key["x:3"][4] == []
    assert by_key["x:3"][6] == by_key["x:3"][8] == ["polda_metro_jaya"]
    assert by_key["x:3"][7] is False and by_key["x:1"][7] is False
    assert by_key["x:4"] == (None,) * 9  # NULL in, NULL out
    assert by_key["x:5"][0] == "neutral" and by_key["x:5"][4] == []


def test_functions_are_vectorised_over_many_rows_and_registration_is_repeatable(
        con: duckdb.DuckDBPyConnection) -> None:
    assert register(con) == FUNCTION_NAMES  # again on the same connection: replaced, no error
    con.execute("""
        create table many as
        select 'laporan diabaikan, no viral no justice #' || i as post_text from range(5000) t(i)
    """).fetchall()
    rows = con.execute("""
        select sentiment_label(post_text) as label, count(*) from many group by all
    """).fetchall()
    assert rows == [("negative", 5000)]
    (types,) = con.execute("""
        select typeof(resolve_polres(post_text)) from many limit 1
    """).fetchall()
    assert types == ("VARCHAR[]",)


def test_functions_work_after_reopening_the_file_only_when_registered(tmp_path: Path) -> None:
    path = str(tmp_path / "w.duckdb")
    with duckdb.connect(path) as first:
        register(first)
        first.execute("create table t as select sentiment_label('mantap') as label").fetchall()
    with duckdb.connect(path) as second:
        assert second.execute("select label from t").fetchall() == [("positive",)]
        with pytest.raises(duckdb.CatalogException):
            second.execute("select sentiment_label('mantap')").fetchall()
