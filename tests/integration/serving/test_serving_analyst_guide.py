"""Every SQL block of docs/analyst-guide.md runs on a snapshot built to the marts contract and
returns the columns its comment names, with at least one row, in DuckDB (`pantau sql`) and in
PostgreSQL as the reader role (BI tools), and both engines return the same rows."""

from __future__ import annotations

import datetime
import decimal
import re
from typing import Any

import duckdb
import pytest

from pantau.settings import PROJECT_DIR

pytestmark = pytest.mark.integration

GUIDE = PROJECT_DIR / "docs" / "analyst-guide.md"
_BLOCK = re.compile(r"<!-- columns: (?P<columns>[^>]+?) -->\s*```sql\n(?P<sql>.*?)```", re.S)


def _questions() -> list[tuple[str, list[str], str]]:
    text = GUIDE.read_text()
    found = []
    for match in _BLOCK.finditer(text):
        heading = re.findall(r"^## (.+)$", text[:match.start()], re.M)[-1]
        columns = [c.strip() for c in match.group("columns").split(",")]
        found.append((heading, columns, match.group("sql")))
    return found


QUESTIONS = _questions()


def test_the_guide_answers_twelve_questions():
    assert len(QUESTIONS) == 12
    assert len(re.findall(r"```sql", GUIDE.read_text())) == 12  # every block is checked


@pytest.mark.parametrize(("heading", "columns", "sql"), QUESTIONS,
                         ids=[q[0].split(".")[0] for q in QUESTIONS])
def test_question_runs_and_returns_its_columns(heading: str, columns: list[str], sql: str,
                                               serving_settings) -> None:
    con = duckdb.connect(str(serving_settings.published_path), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        con.close()
    assert names == columns, heading
    assert rows, f"{heading}: no rows on the fixture snapshot"


def test_every_question_also_runs_in_postgresql_as_the_reader(pg_marts):
    import psycopg

    from pantau.connections.postgres import reader_conninfo

    with psycopg.connect(reader_conninfo(pg_marts), autocommit=True) as con:
        for heading, columns, sql in QUESTIONS:
            cursor = con.execute(sql.strip().rstrip(";"))
            assert [d.name for d in cursor.description] == columns, heading
            assert cursor.fetchall(), heading


def _comparable(value: Any) -> Any:
    """A value as both engines should agree on it: numbers as floats rounded to 6 places
    (DuckDB's DOUBLE or HUGEINT may be PostgreSQL's numeric), dates and times as ISO text."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        return round(float(value), 6)
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return tuple(_comparable(v) for v in value)
    return value


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(_comparable(v) for v in row) for row in rows), key=repr)


def test_duckdb_and_postgresql_return_the_same_rows(pg_marts):
    """The snapshot the marts were published from, queried in DuckDB, against the published
    tables in PostgreSQL as the reader: the same rows for every question."""
    import psycopg

    from pantau.connections.postgres import reader_conninfo

    duck = duckdb.connect(str(pg_marts.warehouse_path), read_only=True)
    try:
        with psycopg.connect(reader_conninfo(pg_marts), autocommit=True) as pg:
            for heading, _columns, sql in QUESTIONS:
                in_duckdb = _rows(duck.execute(sql).fetchall())
                in_postgres = _rows(pg.execute(sql.strip().rstrip(";")).fetchall())
                assert in_duckdb, heading
                assert in_postgres == in_duckdb, heading
    finally:
        duck.close()
