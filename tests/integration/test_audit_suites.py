"""Every GX suite passes on good data and fails on a corrupted table (real DuckDB, dbt and GX).

The warehouse is loaded from real Kafka and built by real dbt once per module; each test works on
its own copy. The marts suites are also run on contract-shaped marts made here (the tables and
columns of the marts, docs/marts.md), so each suite is proven on a table it can corrupt at will.
"""

from __future__ import annotations

import json
import shutil

import pytest

from expectations import SUITES
from pantau.connections import warehouse
from pantau.exceptions import BuildFailedError
from pantau.ingest import Loader
from pantau.quality.audit import audit
from pantau.settings import Settings
from pantau.transform.dbt import dbt_build
from producers import Publisher, synthetic
from tests.support import CORRUPT_RAW_ROWS, isolated_settings

pytestmark = pytest.mark.integration

RAW = [t for t in SUITES if t.layer == "raw"]
STAGING = [t for t in SUITES if t.layer == "staging"]
MARTS = [t for t in SUITES if t.layer == "marts"]


@pytest.fixture(scope="module")
def built(kafka_broker: Settings, postgres_server, tmp_path_factory) -> Settings:
    settings = isolated_settings(kafka_broker, tmp_path_factory.mktemp("suites") / "state")
    with Publisher(settings, source="test") as publisher:
        publisher.publish_all(synthetic.generate(300, seed=5))
    Loader(settings).run()
    dbt_build(settings)
    return settings


def copy_of(settings: Settings, tmp_path) -> Settings:
    target = tmp_path / "state"
    target.mkdir()
    shutil.copy(settings.warehouse_path, target / "warehouse.duckdb")
    return settings.replace(state_dir=target, warehouse_path=target / "warehouse.duckdb",
                            published_path=target / "published.duckdb")


def execute(settings: Settings, sql: str) -> None:
    con = warehouse.connect(settings.warehouse_path)
    try:
        con.execute(sql)
    finally:
        con.close()


def by_suite(results) -> dict:
    return {r.suite_name: r for r in results}


def test_raw_suites_pass_on_loaded_data_and_fail_on_a_corrupted_raw_table(built, tmp_path):
    settings = copy_of(built, tmp_path)
    assert all(r.success for r in audit(settings, targets=RAW + STAGING, data_docs=False))

    execute(settings, CORRUPT_RAW_ROWS)
    execute(settings, "insert into raw.social_posts select * from raw.social_posts limit 1")
    results = by_suite(audit(settings, targets=RAW, raise_on_failure=False, data_docs=False))
    rows, invariants = results["raw.social_posts"], results["raw.social_posts.invariants"]
    assert not rows.success and not invariants.success
    failed = " ".join(rows.failed)
    for expected in ("expect_column_values_to_be_unique(event_id)",
                     "expect_column_values_to_be_between(likes)",
                     "expect_column_pair_values_a_to_be_greater_than_b(observed_at,created_at)"):
        assert expected in failed
    assert {f.split(":")[0] for f in invariants.failed} == {
        "expect_column_values_to_be_between(duplicate_event_ids)",
        "expect_column_values_to_be_between(negative_metrics)",
        "expect_column_values_to_be_between(created_after_observed)"}


def test_staging_suites_fail_on_a_corrupted_staging_table(built, tmp_path):
    settings = copy_of(built, tmp_path)
    execute(settings, """
        create table staging.stg_corrupted as
        select * from staging.stg_social_posts
        union all
        (select * replace (-7 as engagement) from staging.stg_social_posts limit 2);
        drop table staging.stg_social_posts;
        alter table staging.stg_corrupted rename to stg_social_posts;
    """)
    results = by_suite(audit(settings, targets=STAGING, raise_on_failure=False, data_docs=False))
    assert not results["staging.stg_social_posts"].success
    assert "expect_column_values_to_be_between(engagement)" in " ".join(
        results["staging.stg_social_posts"].failed)
    invariants = {f.split(":")[0] for f in results["staging.stg_social_posts.invariants"].failed}
    assert {"expect_column_values_to_be_between(duplicate_post_keys)",
            "expect_column_values_to_be_between(negative_engagement)",
            "expect_column_values_to_be_between(posts_not_in_raw_count)"} <= invariants


#: Marts shaped like the contract, made from staging and the seed (not the lead's models).
CONTRACT_MARTS = """
create schema if not exists marts;
create or replace table marts.dim_polres as
    select polres_id, polres_name, polres_type, polda_name, province, city, latitude, longitude
    from reference.polres;
create or replace table marts.fct_posts as
    select post_key, platform, post_id, post_type,
        (select min(polres_id) from reference.polres) as polres_id,
        'neutral' as sentiment_label, 0.0 as sentiment_score, likes, replies, shares, quotes,
        coalesce(views, 0) as views, engagement, created_at, observed_at as last_observed_at,
        parent_post_key, 'author-' || author_id as author_key, author_followers,
        author_created_at
    from staging.stg_social_posts;
create or replace table marts.fct_post_metrics_hourly as
    select post_key, date_trunc('hour', observed_at) as hour_at, likes, replies, shares, quotes,
        views, engagement, 0 as engagement_gain
    from staging.stg_social_posts;
create or replace table marts.mart_polres_sentiment_daily as
    select polres_id, 'pelayanan publik' as topic, current_date as activity_date, 3 as post_count,
        1 as positive_count, 1 as neutral_count, 1 as negative_count,
        1 / 3 as positive_share, 1 / 3 as neutral_share, 1 / 3 as negative_share,
        0.0 as net_sentiment
    from reference.polres;
create or replace table marts.mart_viral_posts as
    select post_key, (select min(polres_id) from reference.polres) as polres_id, platform,
        engagement, 1.0 as virality_score, row_number() over (order by post_key) as viral_rank
    from (select * from staging.stg_social_posts order by post_key limit 5);
create or replace table marts.mart_issue_alerts as
    select 'a' || polres_id as alert_id, polres_id as unit_id, 'polres' as unit_level, polres_id,
        'pelanggaran anggota' as topic,
        timestamp '2026-01-01 10:00' as started_at, timestamp '2026-01-01 12:00' as peak_at,
        null::timestamp as ended_at, 4 as negative_post_count, 12.5 as response_minutes,
        true as is_responded, true as is_open
    from (select polres_id from reference.polres order by polres_id limit 3);
create or replace table marts.mart_polres_scorecard as
    select polres_id, date '2026-01-05' as week_start_date, 10 as post_count, 0.1 as net_sentiment,
        0.5 as response_rate, row_number() over (order by polres_id) as reputation_rank
    from reference.polres;
create or replace table marts.dim_police_units as
    select 'polri' as unit_id, 'national' as unit_level
    union all select polda_id, 'polda' from reference.polda
    union all select polres_id, 'polres' from reference.polres;
create or replace table marts.mart_unit_engagement_daily as
    select unit_id, unit_level, 'x' as platform, current_date as activity_date, 4 as post_count,
        9 as engagement
    from marts.dim_police_units;
create or replace table marts.mart_unit_sentiment_daily as
    select unit_id, unit_level, 'pelayanan_publik' as topic, current_date as activity_date,
        2 as post_count, 0.5 as positive_share, 0.5 as neutral_share, 0.0 as negative_share
    from marts.dim_police_units;
create or replace table marts.mart_unit_scorecard as
    select unit_id, unit_level, date '2026-01-05' as week_start_date, 0.1 as net_sentiment,
        0.5 as response_rate, row_number() over (order by unit_id) as reputation_rank
    from marts.dim_police_units;
create or replace table marts.mart_top_authors as
    select 'author' || i as author_key, 3 as post_count, 10 as engagement, 0.25 as negative_share
    from range(5) as t(i);
create or replace table marts.mart_hashtags_daily as
    select 'tag' || i as hashtag, current_date as activity_date, 2 as post_count,
        0.0 as net_sentiment
    from range(5) as t(i);
create or replace table marts.mart_coordinated_campaigns as
    select 'cmp-a' as campaign_id, 'praise' as direction, 0.8 as coordination_score,
        0.25 as share_of_issue;
create or replace table marts.mart_campaign_posts as
    select 'cmp-a' as campaign_id, post_key
    from (select post_key from staging.stg_social_posts order by post_key limit 5);
create or replace table marts.mart_polda_share_of_voice as
    select d.polda_id, r.polres_id, 'week' as period_type, date '2026-01-05' as period_start,
        2 as mention_count, 1 as positive_count, 0 as negative_count, 0.5 as net_sentiment,
        2 / sum(2) over (partition by d.polda_id) as share_of_voice,
        row_number() over (partition by d.polda_id order by r.polres_id) as voice_rank
    from reference.polres as r
    inner join reference.polda as d on d.polda_name = r.polda_name;
create or replace table marts.mart_issue_hashtag_war as
    select a.alert_id, 'tag' || i as hashtag, 'contra' as stance, 2 as post_count,
        2 as author_count, 5 as engagement, -1.0 as net_sentiment, 0.5 as share,
        i + 1 as hashtag_rank
    from marts.mart_issue_alerts as a, range(3) as t(i);
create or replace table marts.mart_network_edges as
    select 'issue' as scope_type, 'a1' as scope_id, 'u1' as source_author_key,
        'u2' as target_author_key, 'reply' as edge_type, 1 as post_count;
create or replace table marts.mart_issue_amplifiers as
    select 'issue' as scope_type, 'a1' as scope_id, 'u' || i as author_key,
        'c1' as community_id
    from range(1, 3) as t(i);
create or replace table marts.mart_network_communities as
    select 'issue' as scope_type, 'a1' as scope_id, 'c1' as community_id, 'pro' as stance,
        2 as account_count, 0.5 as net_sentiment;
"""

#: One corruption per marts suite, and an expectation it must break.
CORRUPTIONS = {
    "marts.dim_polres": ("insert into marts.dim_polres (polres_id) values ('polres_atlantis')",
                         "expect_column_values_to_be_in_set(polres_id)"),
    "marts.fct_posts": ("insert into marts.fct_posts select * from marts.fct_posts limit 1",
                        "expect_column_pair_values_to_be_equal(fct_posts_rows,raw_posts)"),
    "marts.fct_post_metrics_hourly": (
        "update marts.fct_post_metrics_hourly set likes = -1 where post_key in "
        "(select min(post_key) from marts.fct_post_metrics_hourly)",
        "expect_column_values_to_be_between(negative_metrics)"),
    "marts.mart_polres_engagement_daily": (
        "update marts.mart_polres_engagement_daily set polres_id = 'polres_atlantis' "
        "where polres_id = (select min(polres_id) from marts.mart_polres_engagement_daily)",
        "expect_column_values_to_be_in_set(polres_id)"),
    "marts.mart_polres_sentiment_daily": (
        "update marts.mart_polres_sentiment_daily set positive_share = 0.9 "
        "where polres_id = (select min(polres_id) from reference.polres)",
        "expect_column_values_to_be_between(share_sum_error)"),
    "marts.mart_viral_posts": (
        "insert into marts.mart_viral_posts select * from marts.mart_viral_posts limit 1",
        "expect_column_values_to_be_unique(post_key)"),
    "marts.mart_issue_alerts": (
        "update marts.mart_issue_alerts set peak_at = started_at - interval 1 hour",
        "expect_column_pair_values_a_to_be_greater_than_b(peak_at,started_at)"),
    "marts.mart_polres_scorecard": ("update marts.mart_polres_scorecard set response_rate = 1.5",
                                    "expect_column_values_to_be_between(response_rate)"),
    "marts.dim_police_units": (
        "insert into marts.dim_police_units values ('polda_atlantis', 'polda')",
        "expect_column_values_to_be_in_set(unit_id)"),
    "marts.mart_unit_engagement_daily": (
        "update marts.mart_unit_engagement_daily set post_count = -1 where unit_id = 'polri'",
        "expect_column_values_to_be_between(post_count)"),
    "marts.mart_unit_sentiment_daily": (
        "update marts.mart_unit_sentiment_daily set positive_share = 0.9 where unit_id = 'polri'",
        "expect_column_values_to_be_between(share_sum_error)"),
    "marts.mart_unit_scorecard": ("update marts.mart_unit_scorecard set reputation_rank = 0",
                                  "expect_column_values_to_be_between(reputation_rank)"),
    "marts.mart_top_authors": ("update marts.mart_top_authors set negative_share = -0.5",
                               "expect_column_values_to_be_between(negative_share)"),
    "marts.mart_coordinated_campaigns": (
        "insert into marts.mart_coordinated_campaigns values ('cmp-b', 'sideways', 1.5, null)",
        "expect_column_values_to_be_in_set(direction)"),
    "marts.mart_hashtags_daily": (
        "insert into marts.mart_hashtags_daily select * from marts.mart_hashtags_daily limit 1",
        "expect_compound_columns_to_be_unique(['hashtag', 'activity_date'])"),
    "marts.mart_polda_share_of_voice": (  # one Polres' share too big: its Polda's sum is not 1
        "update marts.mart_polda_share_of_voice set share_of_voice = 0.9 "
        "where polres_id = (select min(polres_id) from reference.polres)",
        "expect_column_values_to_be_between(share_sum_error)"),
    "marts.network.input": (  # a reply of an account to itself reached the edges
        "insert into marts.mart_network_edges values ('issue', 'a1', 'u3', 'u3', 'reply', 1)",
        "expect_column_values_to_be_between(self_loop_edges)"),
    "marts.mart_network_communities": (
        "update marts.mart_network_communities set stance = 'buzzer'",
        "expect_column_values_to_be_in_set(stance)"),
    "marts.mart_issue_hashtag_war": (
        "update marts.mart_issue_hashtag_war set stance = 'buzzer' where hashtag = 'tag0'",
        "expect_column_values_to_be_in_set(stance)"),
}


@pytest.fixture(scope="module")
def marts_audits(built, tmp_path_factory) -> tuple[dict, dict]:
    """Audit results of contract-shaped marts, before and after one corruption per mart."""
    settings = copy_of(built, tmp_path_factory.mktemp("marts"))
    execute(settings, CONTRACT_MARTS)
    good = by_suite(audit(settings, targets=MARTS, raise_on_failure=False, data_docs=False))
    for sql, _ in CORRUPTIONS.values():
        execute(settings, sql)
    bad = by_suite(audit(settings, targets=MARTS, raise_on_failure=False, data_docs=False))
    return good, bad


def test_every_marts_suite_has_a_corruption_test():
    assert set(CORRUPTIONS) == {t.suite_name for t in MARTS}


@pytest.mark.parametrize("suite", sorted(CORRUPTIONS))
def test_marts_suite_passes_on_contract_marts_and_fails_on_its_corrupted_table(marts_audits,
                                                                              suite):
    good, bad = marts_audits
    assert good[suite].success, good[suite].failed
    assert not bad[suite].success
    expected = CORRUPTIONS[suite][1]
    assert any(f.startswith(expected) for f in bad[suite].failed), bad[suite].failed


def test_a_mart_the_dbt_project_builds_but_the_warehouse_lacks_fails_the_audit(built, tmp_path):
    settings = copy_of(built, tmp_path)
    execute(settings, "drop table marts.mart_polres_engagement_daily")
    with pytest.raises(BuildFailedError) as raised:
        audit(settings)
    assert "marts.mart_polres_engagement_daily could not be read" in str(raised.value)
    assert "run `pantau build`" in str(raised.value)
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    recorded = con.execute("""select success, failures from audit.validation_results
                              where suite_name = 'marts.mart_polres_engagement_daily'""").fetchall()
    con.close()
    assert recorded[0][0] is False and "could not be read" in json.loads(recorded[0][1])[0]
    assert (settings.state_dir / "gx" / "data_docs" / "index.html").exists()
