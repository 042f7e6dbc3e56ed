"""Pure parts of the serving layer: the SQL shell's completion of the text functions, and the
serving tests' hand-written snapshot (``tests/serving_snapshot.py``) against the dbt contract."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from pantau.serve import sql_shell
from pantau.settings import PROJECT_DIR
from pantau.transform.text.sql import FUNCTION_NAMES
from tests.serving_snapshot import write_snapshot

MARTS = PROJECT_DIR / "dbt_project" / "models" / "marts"
#: The tables the dashboard reads at every level: the snapshot gives them every contract column.
EVERY_LEVEL = ("dim_police_units", "mart_unit_engagement_daily", "mart_unit_sentiment_daily",
               "mart_unit_scorecard", "mart_issue_alerts")


def test_sql_shell_knows_every_text_function():
    assert set(sql_shell.TEXT_FUNCTIONS) == set(FUNCTION_NAMES)


def _contract() -> dict[str, dict[str, str]]:
    """Each mart model's columns and their ``data_type``, from the dbt YAML."""
    models: dict[str, dict[str, str]] = {}
    for path in sorted(MARTS.glob("*.yml")):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            models[model["name"]] = {c["name"]: str(c.get("data_type", "")).lower()
                                     for c in model.get("columns", [])}
    return models


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_snapshot(tmp_path_factory.mktemp("snapshot") / "published.duckdb")


@pytest.fixture(scope="module")
def snapshot_columns(snapshot: Path) -> dict[str, dict[str, str]]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        rows = con.execute("select table_name, column_name, lower(data_type) "
                           "from information_schema.columns where table_schema = 'marts'").fetchall()
    finally:
        con.close()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


def test_the_snapshot_invents_no_table_column_or_type(snapshot_columns):
    contract = _contract()
    assert set(snapshot_columns) <= set(contract), set(snapshot_columns) - set(contract)
    for table, columns in snapshot_columns.items():
        wrong = {c: (t, contract[table].get(c)) for c, t in columns.items()
                 if contract[table].get(c) != t}
        assert not wrong, f"{table}: column: (snapshot type, contract type) {wrong}"


@pytest.mark.parametrize("table", EVERY_LEVEL)
def test_the_snapshot_has_every_contract_column_of_the_unit_marts(snapshot_columns, table):
    assert set(snapshot_columns[table]) == set(_contract()[table])


def test_the_unit_marts_of_the_snapshot_hold_every_level(snapshot: Path):
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        for table in EVERY_LEVEL:
            levels = {r[0] for r in con.execute(f"select distinct unit_level from marts.{table}")
                      .fetchall()}
            assert levels == {"national", "polda", "polres"}, table
    finally:
        con.close()
