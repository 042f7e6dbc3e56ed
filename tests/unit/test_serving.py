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


#: Issue 18's marts and columns built on other branches (the shared interface): the snapshot
#: writes them for the dashboard's issue view before their dbt models reach this branch. Until a
#: model's YAML declares one, the contract check accepts exactly these names with any type; once
#: the YAML has it, its type is checked like any other.
INTERFACE_18: dict[str, tuple[str, ...]] = {
    "mart_network_edges": (
        "scope_type", "scope_id", "source_author_key", "source_label", "target_author_key",
        "target_label", "edge_type", "post_count", "engagement", "first_at", "last_at"),
    "mart_issue_amplifiers": (
        "scope_type", "scope_id", "author_key", "author_label", "is_official_author",
        "author_followers", "post_count", "amplify_count", "followers_reached",
        "engagement_earned", "community_id", "community_stance", "amplifier_rank"),
    "mart_network_communities": (
        "scope_type", "scope_id", "community_id", "account_count", "post_count",
        "positive_count", "negative_count", "net_sentiment", "stance", "top_author_labels"),
    "mart_coordinated_campaigns": (
        "campaign_id", "polres_id", "polda_id", "alert_id", "direction", "account_count",
        "post_count", "first_at", "last_at", "span_minutes", "share_of_issue",
        "median_author_followers", "median_account_age_days", "coordination_score",
        "sample_text"),
    "mart_campaign_posts": ("campaign_id", "post_key", "author_key", "created_at"),
    "mart_issue_alerts": ("organic_share",),
    "mart_unit_scorecard": ("organic_share",),
    "mart_polres_scorecard": ("organic_share",),
}


def test_sql_shell_knows_every_text_function():
    assert set(sql_shell.TEXT_FUNCTIONS) == set(FUNCTION_NAMES)


def _contract() -> dict[str, dict[str, str | None]]:
    """Each mart model's columns and their ``data_type``, from the dbt YAML; the columns of
    :data:`INTERFACE_18` no YAML declares yet with the type None (any)."""
    models: dict[str, dict[str, str | None]] = {}
    for path in sorted(MARTS.glob("*.yml")):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            models[model["name"]] = {c["name"]: str(c.get("data_type", "")).lower()
                                     for c in model.get("columns", [])}
    for table, columns in INTERFACE_18.items():
        declared = models.setdefault(table, {})
        for column in columns:
            declared.setdefault(column, None)
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
                 if c not in contract[table]
                 or contract[table][c] not in (t, None)}
        assert not wrong, f"{table}: column: (snapshot type, contract type) {wrong}"


@pytest.mark.parametrize("table", EVERY_LEVEL)
def test_the_snapshot_has_every_contract_column_of_the_unit_marts(snapshot_columns, table):
    assert set(snapshot_columns[table]) == set(_contract()[table])


@pytest.mark.parametrize("table", sorted(INTERFACE_18))
def test_the_snapshot_has_every_column_of_issue_18s_interface(snapshot_columns, table):
    assert set(INTERFACE_18[table]) <= set(snapshot_columns[table])


def test_the_snapshot_has_issue_18s_marts_with_rows(snapshot: Path):
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        for table in ("mart_polda_share_of_voice", "mart_issue_hashtag_war", *(
                t for t, columns in INTERFACE_18.items() if len(columns) > 1)):
            assert con.execute(f"select count(*) from marts.{table}").fetchone()[0] > 0, table
        for scope in ("issue", "viral_post", "polres_day"):
            assert con.execute("select count(*) from marts.mart_network_edges "
                               "where scope_type = ?", [scope]).fetchone()[0] > 0, scope
        # the shares a Polda gives its Polres add up to 1 in every period
        assert con.execute("select max(abs(s - 1)) from (select sum(share_of_voice) as s "
                           "from marts.mart_polda_share_of_voice group by polda_id, "
                           "period_type, period_start)").fetchone()[0] < 1e-9
        # the campaigns that fall in an issue take their share of it from its organic share
        # (other campaigns' posts may also name its unit)
        [(bad, organic)] = con.execute("""
            select count(*) filter (where a.organic_share > 1 + 1e-9 - coalesce((
                       select sum(c.share_of_issue) from marts.mart_coordinated_campaigns as c
                       where c.alert_id = a.alert_id), 0)),
                   count(*) filter (where a.organic_share < 1)
            from marts.mart_issue_alerts as a""").fetchall()
        assert bad == 0 and organic > 0
    finally:
        con.close()


def test_the_unit_marts_of_the_snapshot_hold_every_level(snapshot: Path):
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        for table in EVERY_LEVEL:
            levels = {r[0] for r in con.execute(f"select distinct unit_level from marts.{table}")
                      .fetchall()}
            assert levels == {"national", "polda", "polres"}, table
    finally:
        con.close()
