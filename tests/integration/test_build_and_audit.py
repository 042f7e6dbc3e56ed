"""Real dbt build and real GX validation on a warehouse loaded from real Kafka."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from pantau.connections import warehouse
from pantau.contract.reference import load_polres
from pantau.exceptions import BuildFailedError
from pantau.ingest import Loader
from pantau.quality.audit import audit
from pantau.transform.dbt import (
    dbt_build,
    dbt_environment,
    observations_missing_from_raw,
    run_dbt,
)
from producers import Publisher, synthetic

pytestmark = pytest.mark.integration


def planted_polres(events: list[dict]) -> Counter:
    by_tag = {}
    for p in load_polres():
        by_tag.update({h.lower(): p.polres_id for h in p.handles.values()})
        by_tag.update({t.lower(): p.polres_id for t in p.hashtags})
    return Counter(by_tag[(e["mentions"] or e["hashtags"])[0].lower()] for e in events)


def test_marts_count_exactly_the_posts_produced_and_the_audit_guards_them(settings, monkeypatch):
    events = list(synthetic.generate(400, seed=21))
    with Publisher(settings, source="test") as publisher:
        publisher.publish_all(events)
    Loader(settings).run()

    result = dbt_build(settings)
    assert result.failed == 0 and result.passed > 10
    # dbt's own debug log file is written only when asked for (it costs every build time)
    debug_log = settings.state_dir / "dbt" / "logs" / "dbt.log"
    assert not debug_log.exists()

    # dbt's DuckDB connection takes its memory limit and spill folder from the settings (the
    # folder is DuckDB's own, beside the warehouse, unless set)
    assert dbt_environment(settings)["PANTAU_DBT_TEMP_DIRECTORY"] == f"{settings.warehouse_path}.tmp"
    monkeypatch.setenv("PANTAU_DBT_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("PANTAU_DBT_TEMP_DIRECTORY", str(settings.state_dir / "spill"))
    monkeypatch.setenv("PANTAU_DBT_LOG_LEVEL_FILE", "Debug")
    shown = run_dbt(settings, "show", "--output", "json", "--inline",
                    "select current_setting('memory_limit') as memory_limit, "
                    "current_setting('temp_directory') as temp_directory")
    output = (settings.state_dir / "dbt" / "show.log").read_text()
    assert shown.returncode == 0, output
    assert json.loads(output[output.index("{"):output.rindex("}") + 1])["show"] == [
        {"memory_limit": "953.6 MiB", "temp_directory": str(settings.state_dir / "spill")}]
    assert "current_setting('memory_limit')" in debug_log.read_text()

    con = warehouse.connect(settings.warehouse_path, read_only=True)
    per_polres = dict(con.execute("""
        select polres_id, sum(post_count)::bigint from marts.mart_polres_engagement_daily
        group by polres_id""").fetchall())
    con.close()
    assert per_polres == dict(planted_polres(events))

    results = audit(settings, run_id="good")
    assert all(r.success for r in results)

    con = warehouse.connect(settings.warehouse_path)
    # A table rewritten outside dbt (a manual fix) keeps none of the contract's constraints:
    # the audit is what still guards it.
    con.execute("""create or replace table marts.mart_polres_engagement_daily as
        select * from marts.mart_polres_engagement_daily""")
    con.execute("""insert into marts.mart_polres_engagement_daily (polres_id, platform,
        activity_date, post_count, likes) values ('polres_atlantis', 'myspace', current_date, 1, -5)""")
    con.close()
    with pytest.raises(BuildFailedError) as raised:
        audit(settings, run_id="bad")
    message = str(raised.value)
    assert "expect_column_values_to_be_in_set(polres_id)" in message
    assert "expect_column_values_to_be_in_set(platform)" in message
    assert "expect_column_values_to_be_between(likes)" in message

    con = warehouse.connect(settings.warehouse_path, read_only=True)
    recorded = con.execute("""select run_id, success, failed_expectations, failures
        from audit.validation_results
        where suite_name = 'marts.mart_polres_engagement_daily'
        order by validated_at""").fetchall()
    others = con.execute("""select bool_and(success) from audit.validation_results
        where suite_name <> 'marts.mart_polres_engagement_daily'""").fetchall()
    con.close()
    assert [(r[0], r[1]) for r in recorded] == [("good", True), ("bad", False)]
    assert recorded[1][2] == 3 and len(json.loads(recorded[1][3])) == 3
    assert others == [(True,)]  # one result per suite and run; only the corrupted mart failed


def test_dbt_tests_fail_the_build_on_bad_raw_data(settings):
    with Publisher(settings, source="test") as publisher:
        publisher.publish_all(synthetic.generate(20, seed=2))
    Loader(settings).run()
    con = warehouse.connect(settings.warehouse_path)
    con.execute("update raw.social_posts set likes = -1 where event_id in "
                "(select event_id from raw.social_posts limit 1)")
    con.close()
    with pytest.raises(BuildFailedError, match=r"stg_post_observations: error \(.*CHECK constraint"):
        dbt_build(settings)


def test_a_build_after_raw_lost_rows_is_a_full_refresh_even_if_rows_arrived_since(settings):
    with Publisher(settings, source="test") as publisher:
        publisher.publish_all(synthetic.generate(40, seed=3))
    Loader(settings).run()
    dbt_build(settings)
    con = warehouse.connect(settings.warehouse_path)
    con.execute("delete from raw.social_posts where event_id in "
                "(select event_id from raw.social_posts order by event_id limit 5)")
    con.close()
    # more rows arrive after the loss: a count of all of raw would no longer show it
    with Publisher(settings, source="test") as publisher:
        publisher.publish_all(synthetic.generate(20, seed=4))
    Loader(settings).run()
    assert observations_missing_from_raw(settings) == 5

    dbt_build(settings)

    assert observations_missing_from_raw(settings) == 0
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    staged, raw = (con.execute(f"select list(event_id order by event_id) from {table}").fetchone()
                   for table in ("staging.stg_post_observations", "raw.social_posts"))
    con.close()
    assert staged == raw

