"""Every SQL block of docs/analyst-guide.md runs on a snapshot built to the marts contract and
returns the columns its comment names, with at least one row."""

from __future__ import annotations

import re

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


def test_the_guide_answers_ten_questions():
    assert len(QUESTIONS) == 10
    assert len(re.findall(r"```sql", GUIDE.read_text())) == 10  # every block is checked


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

    from pantau.postgres import reader_conninfo

    with psycopg.connect(reader_conninfo(pg_marts), autocommit=True) as con:
        for heading, columns, sql in QUESTIONS:
            cursor = con.execute(sql.strip().rstrip(";"))
            assert [d.name for d in cursor.description] == columns, heading
            assert cursor.fetchall(), heading
