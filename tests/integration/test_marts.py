"""The marts on real data: a seeded scenario through Kafka, the loader and dbt.

* the viral posts and issue alerts the marts find are scored against the scenario's ground
  truth (precision and recall at least 0.9; response minutes within 5 of the planted delay);
* building in several incremental steps gives exactly the marts of one full refresh.
"""

from __future__ import annotations

import itertools
import json
import uuid
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
from tests.support import model_rows

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
    unit_results = [r for r in json.loads(
        (settings.state_dir / "dbt" / "target" / "run_results.json").read_text())["results"]
        if r["unique_id"].startswith("unit_test.")]  # not the project's on-run-start hooks
    assert {r["unique_id"].split(".")[2] for r in unit_results} >= {
        "int_issue_spikes_clustered", "int_issue_cluster_conversations",
        "int_issue_spikes_merged", "int_issue_summaries", "int_issue_origins_found",
        "int_issue_responses_matched",
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
        return model_rows(con)
    finally:
        con.close()


def _event(post_id: str, text: str, created_at: str, observed_at: str, likes: int, *,
           parent: str | None = None, hashtags: tuple[str, ...] = ()) -> dict:
    """One observation of a hand-made X post (a reply when it has a parent) by a member of
    the public, for the slices that stress the incremental aggregates' keys."""
    from producers import synthetic

    template = next(synthetic.generate(1, seed=12))
    return {**template, "event_id": str(uuid.uuid4()), "platform": "x", "post_id": post_id,
            "url": f"https://example.invalid/x/{post_id}",
            "post_type": "reply" if parent else "post",
            "parent_post_id": parent, "root_post_id": parent,
            "author": {**template["author"], "id": f"u-{post_id}", "handle": f"warga_{post_id}"},
            "text": text, "created_at": created_at, "observed_at": observed_at,
            "metrics": {**template["metrics"], "likes": likes}, "hashtags": list(hashtags)}


#: Hand-made posts added to the three slices of the incremental test, each stressing a key of
#: the incremental aggregates (days, hours, weeks):
#: * ``lone``: the only post of its day (and week, far before the scenario), with the only
#:   hashtag of that day; in slice 2 its text names another Polres and drops the hashtag, so
#:   the day's rows of the first Polres and of the hashtag must disappear;
#: * ``night1``/``night2``: two posts either side of midnight UTC arriving in reverse order
#:   (the later one in slice 1, the earlier in slice 2), and an observation of the first
#:   made after midnight in slice 3;
#: * ``reply``/``parent``: a reply naming no unit arrives before its parent; when the parent
#:   (naming a Polres) arrives in slice 2, the reply's Polres changes;
#: * ``old``: a post of the scenario's first day observed again in slice 3 (late observations
#:   change an old day), one of them older than the one already built (out of order);
#: * ``campaign groups`` (``int_campaign_components``, by group): in slice 1, a1 and a3 post
#:   one text and b1 and b2 another (similarity 0.6: two groups); in slice 2, a3's text changes
#:   (it loses its last pair) and a new post n1 is near both texts (0.78 each), so the groups of
#:   a1 and b1 become one, named after a1, and a3 has no group.
#: * ``issue`` (the issue models keyed by cluster and by issue): in slice 1, a thread of 10
#:   negative posts about Polres Kotawaringin Timur, 9 of them in one hour (a spike), grows
#:   from k0; in slice 2, an older thread of 6 (l0, 7 hours before the spike, inside the
#:   lookback) arrives: half the size, earlier, so it becomes the issue's origin and start,
#:   with no spike hour moved; in slice 3, one more reply in the spike hour changes only the
#:   issue's post count.
ISSUE_ROOT, ISSUE_OLDER_ROOT = "9000000000000000100", "9000000000000000200"
ISSUE_TEXTS = ("oknum polres kotim pungli di jalan, parah banget",
               "pungli lagi di polres kotim, no viral no justice",
               "oknum polres kotim kasar sama warga, memalukan")


def _issue_thread(root: str, root_hour: str | None, replies: range, reply_hour: str,
                  first_minute: int = 5) -> list[dict]:
    """Negative public posts about Polres Kotawaringin Timur on 2026-10-20: the thread's root
    at ``root_hour``:00 (none when None) and the replies numbered ``replies``, five minutes
    apart in ``reply_hour`` from ``first_minute`` on."""
    posts = [] if root_hour is None else [
        _event(root, "laporan ke polres kotim ga diurus, kecewa berat",
               f"2026-10-20T{root_hour}:00:00Z", "2026-10-21T00:00:00Z", 2)]
    for i, n in enumerate(replies):
        posts.append(_event(str(int(root) + n), ISSUE_TEXTS[n % 3],
                            f"2026-10-20T{reply_hour}:{first_minute + 5 * i:02d}:00Z",
                            "2026-10-21T00:00:00Z", 1, parent=root))
    return posts


CAMPAIGN_A = "antrean bikin sim online lama sekali tolong dibenahi"
CAMPAIGN_B = "antrean bikin sim online lama sekali petugas ramah"
CAMPAIGN_N = "antrean bikin sim online lama sekali tolong petugas"
STRESS_SLICES = (
    [_event("9000000000000000001", "pelayanan polres bireuen lambat banget #sepi",
            "2026-10-01T10:00:00Z", "2026-10-01T10:30:00Z", 3, hashtags=("sepi",)),
     _event("9000000000000000003", "polres parepare cepat tanggap, makasih pak",
            "2026-11-17T00:10:00Z", "2026-11-17T00:20:00Z", 4),
     _event("9000000000000000005", "setuju, parah banget ini",
            "2026-11-16T12:05:00Z", "2026-11-16T12:10:00Z", 1, parent="9000000000000000004"),
     _event("9000000000000000006", "ada razia di depan polres bireuen, siapin surat2",
            "2026-11-14T08:00:00Z", "2026-11-14T08:30:00Z", 5),
     _event("9000000000000000011", CAMPAIGN_A, "2026-10-05T10:00:00Z", "2026-10-05T10:30:00Z", 1),
     _event("9000000000000000012", CAMPAIGN_A, "2026-10-05T10:02:00Z", "2026-10-05T10:30:00Z", 1),
     _event("9000000000000000013", CAMPAIGN_B, "2026-10-05T10:04:00Z", "2026-10-05T10:30:00Z", 1),
     _event("9000000000000000014", CAMPAIGN_B, "2026-10-05T10:05:00Z", "2026-10-05T10:30:00Z", 1),
     *_issue_thread(ISSUE_ROOT, "09", range(1, 10), "10")],
    [_event("9000000000000000001", "pelayanan polres parepare lambat banget",
            "2026-10-01T10:00:00Z", "2026-10-02T09:00:00Z", 7),
     _event("9000000000000000002", "polres parepare lambat, laporan ga diurus",
            "2026-11-16T23:50:00Z", "2026-11-16T23:55:00Z", 2),
     _event("9000000000000000004", "oknum polres bireuen minta uang damai di jalan",
            "2026-11-16T12:00:00Z", "2026-11-16T12:30:00Z", 9),
     _event("9000000000000000012", "hari ini cuaca cerah enak buat jalan pagi keliling kota",
            "2026-10-05T10:02:00Z", "2026-10-05T11:00:00Z", 2),
     _event("9000000000000000015", CAMPAIGN_N, "2026-10-05T10:06:00Z", "2026-10-05T11:00:00Z", 1),
     *_issue_thread(ISSUE_OLDER_ROOT, "03", range(1, 6), "03")],
    [_event("9000000000000000006", "ada razia di depan polres bireuen, siapin surat2",
            "2026-11-14T08:00:00Z", "2026-11-14T20:00:00Z", 500),
     _event("9000000000000000006", "ada razia di depan polres bireuen, siapin surat2",
            "2026-11-14T08:00:00Z", "2026-11-14T08:15:00Z", 2),
     _event("9000000000000000002", "polres parepare lambat, laporan ga diurus",
            "2026-11-16T23:50:00Z", "2026-11-17T00:30:00Z", 6),
     *_issue_thread(ISSUE_ROOT, None, range(10, 11), "10", first_minute=50)],
)


def test_incremental_builds_in_steps_equal_a_full_refresh(settings: Settings) -> None:
    # with planted campaigns, so that the incremental pairs of near-identical posts are checked
    scenario = Scenario(ScenarioConfig(count=6_000, seed=9, events=6, end=END, campaigns=4))
    observations = scenario.generate()
    assert run_dbt(settings, "seed").returncode == 0
    # three slices of the message stream: later slices hold new posts and new observations of
    # posts already built, so every incremental model has both kinds of work; the hand-made
    # posts of STRESS_SLICES stress the periods the incremental aggregates rebuild
    for size, stress in zip((5_000, 2_500, None), STRESS_SLICES, strict=True):
        _publish(settings, itertools.chain(itertools.islice(observations, size), stress))
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
    assert len(stepwise["marts.fct_posts"]) == 6_000 + campaign_posts + 11 + 17
    assert len(stepwise["marts.mart_coordinated_campaigns"]) == 4

    # the stress cases did what they stress (in the incrementally built warehouse)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        lone_day = con.execute("""
            select list(distinct unit_id order by unit_id) from marts.mart_unit_engagement_daily
            where activity_date = '2026-10-01' and unit_level = 'polres'""").fetchone()
        lone_hashtags = con.execute("select count(*) from marts.mart_hashtags_daily "
                                    "where activity_date = '2026-10-01'").fetchone()
        reply = con.execute("select polres_id from marts.fct_posts "
                            "where post_key = 'x:9000000000000000005'").fetchone()
        old = con.execute("select likes, observation_count from marts.fct_posts "
                          "where post_key = 'x:9000000000000000006'").fetchone()
        issue = con.execute("""
            select origin_post_key, started_at, first_spike_hour_at, last_spike_hour_at,
                negative_post_count
            from intermediate.int_issue_origins_found
            where unit_id = 'polres_kotawaringin_timur'
                and first_spike_hour_at between '2026-10-20' and '2026-10-21'""").fetchall()
        groups = con.execute("select post_key, component_key "
                             "from intermediate.int_campaign_components "
                             "where post_key like 'x:90000000000000000%' order by post_key"
                             ).fetchall()
    finally:
        con.close()
    assert lone_day == (["polres_parepare"],)  # no longer polres_bireuen
    assert lone_hashtags == (0,)
    assert reply == ("polres_bireuen",)  # inherited from the parent that arrived later
    assert old == (500, 3)
    # the older thread became the origin and start; 11 + 6 posts from its start
    assert issue == [(f"x:{ISSUE_OLDER_ROOT}", datetime(2026, 10, 20, 3), datetime(2026, 10, 20, 10),
                      datetime(2026, 10, 20, 10), 17)], issue
    merged = "x:9000000000000000011"
    assert groups == [(merged, merged), ("x:9000000000000000013", merged),
                      ("x:9000000000000000014", merged), ("x:9000000000000000015", merged)]


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
