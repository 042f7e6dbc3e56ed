"""An incremental build's data tests read the rows the build wrote, not the whole warehouse
(dbt_project/macros/tests_of_changed_rows.sql): a bad new row still fails the build, a bad row
an earlier build wrote is not read again, and PANTAU_DBT_TESTS=all reads every row."""

from __future__ import annotations

import pytest

from pantau.connections import warehouse
from pantau.exceptions import BuildFailedError, TerminalError
from pantau.ingest import Loader
from pantau.transform.dbt import dbt_build
from producers import Publisher, synthetic
from tests.support import query

pytestmark = pytest.mark.integration

TEST = "expression_is_true_stg_post_observations_created_at_observed_at"


def _load(settings, count: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    with Publisher(settings, source="test") as publisher:
        assert publisher.publish_all(synthetic.generate(count, seed=seed)).ok
    assert Loader(settings).run().loaded == count


def _observed_an_hour_before_created(settings, where: str) -> str:  # type: ignore[no-untyped-def]
    """Break the rule created_at <= observed_at for one observation, in raw and (when it was
    built) in staging; return its event_id."""
    con = warehouse.connect(settings.warehouse_path)
    try:
        event_id = con.execute(f"select event_id from raw.social_posts where {where} "
                               "order by event_id limit 1").fetchall()[0][0]
        for table in ("raw.social_posts", "staging.stg_post_observations"):
            con.execute(f"update {table} set observed_at = created_at - interval 1 hour "
                        "where event_id = ?", [event_id])
    finally:
        con.close()
    return str(event_id)


def _tested_sql(settings, test: str) -> str:  # type: ignore[no-untyped-def]
    run = settings.state_dir / "dbt" / "target" / "run"
    return next(run.rglob(f"{test}*.sql")).read_text()


def test_an_incremental_build_tests_the_rows_it_wrote(settings):
    _load(settings, 150, seed=51)
    assert dbt_build(settings).failed == 0
    # the first build wrote every row and tested every row: no keys are kept
    assert query(settings, "select count(*) from duckdb_tables() where schema_name = 'ops' "
                           "and starts_with(table_name, 'changed_keys__')") == [(0,)]
    assert "changed_keys__" not in _tested_sql(settings, TEST)

    # a rule broken in a row an earlier build wrote and tested (by hand, here) ...
    old = _observed_an_hour_before_created(settings, "true")
    started = query(settings, "select max(ingested_at) from raw.social_posts")[0][0]
    _load(settings, 40, seed=52)
    # ... is not read again by an incremental build, which tests what it wrote
    assert dbt_build(settings).failed == 0
    sql = _tested_sql(settings, TEST)
    assert '"ops"."changed_keys__stg_post_observations"' in sql
    # ... from the earliest ingestion time it wrote on (older row groups are skipped)
    assert "where ingested_at >= '" in sql
    assert query(settings, "select min(written_from__ingested_at) "
                           "from ops.changed_keys__stg_post_observations") == query(
        settings, f"select min(ingested_at) from raw.social_posts where ingested_at > '{started}'")
    new_posts = {key for (key,) in query(
        settings, "select distinct platform || ':' || post_id from raw.social_posts "
                  f"where ingested_at > '{started}'")}
    kept = {key for (key,) in query(settings, "select post_key from ops.changed_keys__fct_posts")}
    assert new_posts <= kept  # the new posts (and the posts they answer)
    assert len(kept) < query(settings, "select count(*) from marts.fct_posts")[0][0]
    assert query(settings, "select count(*) from ops.changed_keys__stg_post_observations "
                           f"where event_id = '{old}'") == [(0,)]

    # a build with nothing new wrote no rows, and its tests read none
    assert dbt_build(settings).failed == 0
    assert query(settings, "select count(*) from ops.changed_keys__stg_post_observations") == [
        (0,)]
    assert "where false" in _tested_sql(settings, TEST)

    # PANTAU_DBT_TESTS=all: every row again, the old one included
    with pytest.raises(BuildFailedError, match=TEST):  # the staging model and its tests
        dbt_build(settings.replace(dbt_tests="all"), select="stg_post_observations")
    assert "changed_keys__" not in _tested_sql(settings, TEST)

    # repaired by hand; the same rule broken in a new row fails the incremental build
    con = warehouse.connect(settings.warehouse_path)
    try:
        for table in ("raw.social_posts", "staging.stg_post_observations"):
            con.execute(f"update {table} set observed_at = created_at + interval 1 hour "
                        "where event_id = ?", [old])
    finally:
        con.close()
    started = query(settings, "select max(ingested_at) from raw.social_posts")[0][0]
    _load(settings, 20, seed=53)
    new = _observed_an_hour_before_created(settings, f"ingested_at > '{started}'")
    with pytest.raises(BuildFailedError, match=TEST):
        dbt_build(settings, select="stg_post_observations")
    assert query(settings, "select count(*) from ops.changed_keys__stg_post_observations "
                           f"where event_id = '{new}'") == [(1,)]



def test_observations_are_appended_once_per_event_across_builds(settings):
    """stg_post_observations appends what raw gained (no delete): an event published again in
    a later round (a producer retry) reaches raw once, so every incremental build keeps one
    row per event."""
    _load(settings, 60, seed=61)
    assert dbt_build(settings).failed == 0
    with Publisher(settings, source="test") as publisher:  # the same 60 events again
        assert publisher.publish_all(synthetic.generate(60, seed=61)).ok
        with pytest.raises(TerminalError, match="Publisher is closed"):  # publish_all closed it
            publisher.publish_all(synthetic.generate(30, seed=62))
    with Publisher(settings, source="test") as publisher:
        assert publisher.publish_all(synthetic.generate(30, seed=62)).ok
    report = Loader(settings).run()
    assert (report.loaded, report.duplicates) == (30, 60)
    assert dbt_build(settings).failed == 0
    assert query(settings, "select count(*), count(distinct event_id) "
                           "from staging.stg_post_observations") == [(90, 90)]
    assert query(settings, "select count(*) from raw.social_posts") == [(90,)]
