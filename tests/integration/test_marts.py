"""The marts on real data: a seeded scenario through Kafka, the loader and dbt.

* the viral posts and issue alerts the marts find are scored against the scenario's ground
  truth (precision and recall at least 0.9; response minutes within 5 of the planted delay);
* building in several incremental steps gives exactly the marts of one full refresh.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pantau.ingest import Loader
from pantau.settings import Settings
from pantau.transform.dbt import dbt_build, run_dbt
from producers import Publisher
from producers.scenario import Scenario, ScenarioConfig
from producers.scenario.scoring import score_marts
from producers.scenario.truth import TruthWriter

END = datetime(2026, 11, 20, tzinfo=UTC)


def _publish(settings: Settings, events: object) -> None:
    with Publisher(settings, source="scenario") as publisher:
        report = publisher.publish_all(events)  # type: ignore[arg-type]
    assert report.ok, report.summary()


def test_marts_find_the_planted_viral_posts_and_issues_with_their_response_times(
        settings: Settings, tmp_path: Path) -> None:
    scenario = Scenario(ScenarioConfig(count=30_000, seed=5, events=24, end=END))
    truth_path = tmp_path / "truth.jsonl"
    with TruthWriter(truth_path, scenario.run_record()) as truth:
        _publish(settings, scenario.generate(truth))
    assert Loader(settings).run().rejected == 0
    dbt_build(settings)

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        score = score_marts(con, truth_path)
        raw_posts = con.execute(
            "select count(distinct platform || ':' || post_id) from raw.social_posts").fetchone()
        fct_posts = con.execute("select count(*) from marts.fct_posts").fetchone()
    finally:
        con.close()
    print(score.summary())
    assert raw_posts == fct_posts == (30_000,)
    assert score.viral_planted == 24 and score.issues_planted >= 10
    assert score.viral_precision >= 0.9 and score.viral_recall >= 0.9, score.false_viral
    assert score.issue_precision >= 0.9 and score.issue_recall >= 0.9, (
        score.missed_issues, score.false_alerts)
    assert score.response_errors and score.max_response_error <= 5, score.response_errors

    # the dbt unit tests (the logic of the models on fixed rows; `pantau build` leaves them out):
    # every model whose logic they pin has them, and all pass
    assert run_dbt(settings, "test", "--select", "test_type:unit").returncode == 0, (
        settings.state_dir / "dbt" / "test.log").read_text()[-3000:]
    unit_results = json.loads(
        (settings.state_dir / "dbt" / "target" / "run_results.json").read_text())["results"]
    assert {r["unique_id"].split(".")[2] for r in unit_results} >= {
        "int_issue_spikes_clustered", "int_issue_origins_found", "int_issue_responses_matched",
        "int_unit_negative_hours", "int_post_velocity", "mart_viral_posts",
        "mart_unit_scorecard", "mart_polda_share_of_voice", "mart_issue_hashtag_war",
        "int_network_interactions", "mart_issue_amplifiers"}
    assert all(r["status"] == "pass" for r in unit_results) and len(unit_results) >= 10

    # the documentation: `dbt docs generate` works and every column of every model is described
    assert run_dbt(settings, "docs", "generate").returncode == 0
    target = settings.state_dir / "dbt" / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    models = [uid for uid in catalog["nodes"] if uid.startswith("model.")]
    assert len(models) >= 18
    for uid in models:
        node = manifest["nodes"][uid]
        described = {name.lower() for name, column in node["columns"].items()
                     if column.get("description")}
        assert node["description"], f"{uid} has no description"
        assert set(map(str.lower, catalog["nodes"][uid]["columns"])) <= described, uid


def _model_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [f"{schema}.{table}" for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('staging', 'intermediate', 'marts') "
            "order by all").fetchall()]
        return {table: sorted(con.execute(f"select * from {table}").fetchall(), key=repr)
                for table in tables}
    finally:
        con.close()


def test_incremental_builds_in_steps_equal_a_full_refresh(settings: Settings) -> None:
    # with planted campaigns, so that the incremental pairs of near-identical posts are checked
    scenario = Scenario(ScenarioConfig(count=6_000, seed=9, events=6, end=END, campaigns=4))
    observations = scenario.generate()
    assert run_dbt(settings, "seed").returncode == 0
    # three slices of the message stream: later slices hold new posts and new observations of
    # posts already built, so every incremental model has both kinds of work
    for size in (5_000, 2_500, None):
        _publish(settings, itertools.islice(observations, size))
        assert Loader(settings).run().loaded > 0
        process = run_dbt(settings, "run")  # the first test runs dbt's data tests
        assert process.returncode == 0, (settings.state_dir / "dbt" / "run.log").read_text()[-3000:]
    stepwise = _model_rows(settings.warehouse_path)

    process = run_dbt(settings, "run", "--full-refresh")
    assert process.returncode == 0, (settings.state_dir / "dbt" / "run.log").read_text()[-3000:]
    refreshed = _model_rows(settings.warehouse_path)

    assert stepwise.keys() == refreshed.keys() and "marts.fct_post_metrics_hourly" in stepwise
    for table in stepwise:  # every model, not only the marts
        assert stepwise[table] == refreshed[table], f"{table} differs after a full refresh"
    campaign_posts = sum(len(c.post_ids) + len(c.network_post_ids) for c in scenario.campaigns)
    assert len(stepwise["marts.fct_posts"]) == 6_000 + campaign_posts
    assert len(stepwise["marts.mart_coordinated_campaigns"]) == 4


def test_an_observation_arriving_out_of_order_keeps_the_latest_and_counts(
        settings: Settings) -> None:
    from producers import synthetic

    post = next(synthetic.generate(1, seed=12))
    observed = datetime(2026, 11, 19, 12, tzinfo=UTC)

    def observation(event_id: str, hours: int, likes: int) -> dict:
        at = observed.replace(hour=12 + hours)
        return {**post, "event_id": event_id,
                "created_at": "2026-11-19T09:00:00Z",
                "observed_at": at.isoformat().replace("+00:00", "Z"),
                "metrics": {**post["metrics"], "likes": likes}}

    def build_and_read() -> tuple:
        _publish(settings, batch)
        Loader(settings).run()
        assert run_dbt(settings, "run", "--select", "stg_social_posts").returncode == 0
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            return con.execute("select likes, observation_count, first_observed_at, observed_at "
                               "from staging.stg_social_posts").fetchall()
        finally:
            con.close()

    noon, eleven, one = (datetime(2026, 11, 19, h) for h in (12, 11, 13))
    batch = [observation("00000000-0000-4000-8000-000000000001", 0, 10)]
    assert build_and_read() == [(10, 1, noon, noon)]
    # an older reading that arrives later counts, but the row keeps the newer one
    batch = [observation("00000000-0000-4000-8000-000000000002", -1, 5)]
    assert build_and_read() == [(10, 2, eleven, noon)]
    batch = [observation("00000000-0000-4000-8000-000000000003", 1, 20)]
    assert build_and_read() == [(20, 3, eleven, one)]
