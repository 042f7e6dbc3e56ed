"""A national complaint wave, replayed the way a researcher would: replay -> ingest -> build on
the two exports Pantau wrote itself (tests/fixtures/replay/wave, see make_wave.py there).

The timestamped export (tweet-harvest) has a quiet week, then a wave of complaints about ignored
reports (#PercumaLaporPolisi, written with and without '#'), Polda and Polri handles, retweets
and exact duplicate rows. The plain one is text only, the shape of many research sets.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pantau.ingest import Loader
from pantau.orchestration.tasks import build_audit_publish
from pantau.publish.snapshot import snapshot_tables
from pantau.serve.queries import Filters, api_alerts, api_volume
from pantau.transform.dbt import dbt_build
from producers import Publisher
from producers.replay import replay
from tests.support import query

pytestmark = pytest.mark.integration

WAVE = Path(__file__).resolve().parent.parent / "fixtures" / "replay" / "wave"
EXPECTED = json.loads((WAVE / "wave_expected.json").read_text(encoding="utf-8"))
OBSERVED = datetime(2024, 5, 14, 6, 0, tzinfo=UTC)


def _at(key: str) -> datetime:
    """A time of the expectations file, as the marts hold times: UTC without an offset."""
    return datetime.fromisoformat(EXPECTED[key].replace("Z", "+00:00")).replace(tzinfo=None)


def _replay_ingest_build(settings, name: str, **options: str) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(rows read, events sent, rows dead-lettered) of the replay."""
    with Publisher(settings, source="pantau-replay-test") as publisher:
        read = replay(WAVE / name, publisher, observed_at=OBSERVED, **options)
    report = publisher.report
    assert report.failed == 0
    ingest = Loader(settings).run()
    assert ingest.loaded + ingest.duplicates == report.sent  # an exact duplicate loads once
    build_audit_publish(settings, say=lambda _m: None)  # publishes: an archive is not stale
    return read.rows, report.sent, report.dead_lettered


def _topic_shares(settings) -> tuple[float, dict[str, int]]:  # type: ignore[no-untyped-def]
    rows = query(settings, """
        select topic, count(*) from marts.fct_posts
        where is_national or cardinality(unit_ids) > 0 group by topic""")
    counts = {topic: n for topic, n in rows}
    return counts.get("lainnya", 0) / sum(counts.values()), counts


def test_the_timestamped_wave_publishes_attributes_and_alerts_at_the_national_level(settings):
    rows, sent, dead = _replay_ingest_build(settings, "wave_tweet_harvest.csv", fmt="tweet-harvest")
    assert (rows, sent, dead) == (EXPECTED["rows"], EXPECTED["rows"], 0)
    assert query(settings, "select count(*) from raw.social_posts")[0][0] == (
        EXPECTED["rows"] - EXPECTED["exact_duplicate_rows"])

    # nothing lost, nothing doubled: the duplicate rows are one post each
    posts = snapshot_tables(settings.published_path)["fct_posts"]
    assert posts == EXPECTED["distinct_tweet_ids"]

    # Polda attributions, the Polda the wave names most, and its topics
    by_polda = dict(query(settings, """
        select t.named, count(*) from marts.fct_posts, unnest(polda_ids) as t(named)
        group by t.named"""))
    assert len(by_polda) >= 10
    assert max(by_polda, key=lambda k: by_polda[k]) == EXPECTED["most_named_polda"]
    other, topics = _topic_shares(settings)
    assert other < 0.30, topics
    assert max(topics, key=lambda k: topics[k]) == "laporan_diabaikan", topics

    # the national alert opens within hours of the wave's start, naming the Polda and Polres
    wave_start = _at("wave_start")
    national = query(settings, """
        select started_at, top_polda_id, top_polres_id, first_response_at, response_minutes,
               negative_post_count
        from marts.mart_issue_alerts where unit_level = 'national' order by started_at""")
    opened = [row for row in national if wave_start <= row[0] <= wave_start + timedelta(hours=6)]
    assert opened, national
    started_at, top_polda, top_polres, response_at, minutes, negatives = opened[0]
    assert (top_polda, top_polres) == (EXPECTED["most_named_polda"], EXPECTED["most_named_polres"])
    assert negatives >= 50

    # the response counted is the national account's (Divisi Humas Polri), not a user's
    assert response_at == _at("first_official_response_at")
    assert minutes == pytest.approx((response_at - started_at).total_seconds() / 60, abs=1)
    responder = query(settings, f"""
        select author_label, official_unit_id from marts.fct_posts
        where created_at = timestamp '{response_at.isoformat()}'
          and official_unit_id = 'polri'""")
    assert responder and responder[0][0].lower() == "@divhumas_polri", responder

    # the dashboard's national view shows the wave: its busiest day is a wave day, and its alert
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        national_view = Filters(level="national")
        volume = api_volume(con, national_view)
        alerts = api_alerts(con, national_view)["alerts"]
    (polri,) = volume["series"]
    busiest = volume["labels"][polri["data"].index(max(d or 0 for d in polri["data"]))]
    assert str(busiest) >= EXPECTED["wave_start"][:10]
    assert [a["unit_id"] for a in alerts] == ["polri"] * len(alerts) and alerts
    assert alerts[-1]["top_polda_name"] and alerts[-1]["negative_post_count"] >= 50

    # the first national spike hour is within hours of the wave's start
    first_spike = query(settings, """
        select min(hour_at) from intermediate.int_unit_negative_hours
        where unit_id = 'polri' and is_spike""")[0][0]
    assert wave_start <= first_spike <= wave_start + timedelta(hours=6)

    # no alert, at any level, opens in the quiet baseline week: no spike hour before the wave
    # (an alert's conversation may begin the night before, with its first negative post)
    quiet = query(settings, f"""
        select unit_id, hour_at from intermediate.int_unit_negative_hours
        where is_spike and hour_at < timestamp '{wave_start.isoformat()}'""")
    assert quiet == []
    assert query(settings, f"""
        select count(*) from marts.mart_issue_alerts
        where peak_at < timestamp '{wave_start.isoformat()}'""")[0][0] == 0

    # the wave's hashtag war: its tag, in any case, leads the national issue, against the police
    war = query(settings, f"""
        select w.hashtag, w.stance, w.share from marts.mart_issue_hashtag_war as w
        inner join marts.mart_issue_alerts as a on a.alert_id = w.alert_id
        where a.unit_level = 'national' and a.started_at = timestamp '{started_at.isoformat()}'
        order by w.hashtag_rank""")
    assert war[0][:2] == ("percumalaporpolisi", "contra"), war[:5]
    assert ("noviralnojustice", "contra") in [row[:2] for row in war[:3]], war[:5]

    # picked up by the news: two portals write about Polri while the national issue runs (one
    # twice), a third wrote before it; the alert counts the two and their three items
    assert _news_on_the_alert(settings, started_at) == (2, 3)


def _news_on_the_alert(settings, started_at: datetime) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Send news items about Polri around the national issue starting at ``started_at``, load
    and build; (news_site_count, news_item_count) of that issue after the build."""
    from producers.connectors.mapping import build_event

    start = started_at.replace(tzinfo=UTC)
    items = [("portal-a.example.id", "a1", "Polri tanggapi ramainya tagar soal laporan warga", 1),
             ("portal-a.example.id", "a2", "Kadiv Humas Polri: laporan warga akan ditindaklanjuti",
              2),
             ("portal-b.example.id", "b1", "Polri bentuk tim evaluasi layanan pengaduan", 3),
             ("portal-c.example.id", "c1", "Polri gelar apel kesiapan pengamanan", -48)]
    with Publisher(settings, source="pantau-news-test") as publisher:
        for site, post_id, text, hours in items:
            publisher.publish(build_event(
                platform="news", post_id=post_id, url=f"https://{site}/{post_id}",
                post_type="post", author_id=site, handle=site, display_name=site, text=text,
                lang="id", created_at=start + timedelta(hours=hours), observed_at=OBSERVED,
                metrics={"likes": None, "replies": None, "shares": None, "quotes": None,
                         "views": None}, source_name="pantau-replay-news"))  # an archive's clock
    assert publisher.report.failed == 0
    Loader(settings).run()
    dbt_build(settings)  # the warehouse's marts are what is read
    ((sites, news_items),) = query(settings, f"""
        select news_site_count, news_item_count from marts.mart_issue_alerts
        where unit_level = 'national' and started_at = timestamp '{started_at.isoformat()}'""")
    return sites, news_items


def test_the_text_only_export_publishes_with_polda_attributions_and_topics(settings):
    rows, sent, dead = _replay_ingest_build(settings, "wave_plain_text.csv", fmt="csv",
                                            platform="x")
    assert rows == sent + dead == EXPECTED["plain_rows"]
    posts = snapshot_tables(settings.published_path)["fct_posts"]
    assert 0 < posts <= sent

    polda = query(settings, """
        select count(distinct t.named), count(*) from marts.fct_posts,
        unnest(polda_ids) as t(named)""")[0]
    assert polda[0] >= 10 and polda[1] >= 50
    national = query(settings, "select count(*) from marts.fct_posts where is_national")[0][0]
    assert national >= 100
    other, topics = _topic_shares(settings)
    assert other < 0.30, topics
    assert topics.get("laporan_diabaikan", 0) >= 50, topics
