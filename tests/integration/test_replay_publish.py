"""Replay files and a live connector into real Kafka: what is read back equals what was sent,
the DLQ holds exactly the broken items with their reasons, a restart neither skips nor repeats."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from http_fakes import FakeApi, Reply
from http_fakes.shapes import rss_feed, rss_item, x_page, x_tweet

from pantau.contract import validate
from pantau.exceptions import ContractViolation
from pantau.settings import Settings
from producers import Publisher
from producers.connectors import PublisherSink
from producers.connectors.news import NewsFeed
from producers.connectors.x import SEARCH_PATH, XRecentSearch, x_client
from producers.replay import read_rows, replay
from tests.support import read_topic

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "replay"
OBSERVED = datetime(2024, 12, 1, 6, 0, tzinfo=UTC)


def _valid(event: object) -> bool:
    try:
        validate(event)
    except ContractViolation:
        return False
    return True


@pytest.mark.parametrize("name", ["tweet_harvest_2024.csv", "contract_events.jsonl"])
def test_replayed_file_is_read_back_exactly_and_the_dlq_holds_exactly_the_broken_rows(
        settings, name):
    path = FIXTURES / name
    rows = list(read_rows(path, observed_at=OBSERVED))
    expected = [r.event for r in rows if r.error is None and _valid(r.event)]
    with Publisher(settings, source="test-replay") as publisher:
        read = replay(path, publisher, observed_at=OBSERVED)
    report = publisher.report
    assert (report.sent, report.failed) == (len(expected), 0)
    assert read.rows == len(rows)

    sent_back = read_topic(settings, settings.topic_posts)
    by_id = {json.loads(m.value)["event_id"]: json.loads(m.value) for m in sent_back}
    assert len(sent_back) == len(by_id) == len(expected)
    assert by_id == {e["event_id"]: e for e in expected}
    for message in sent_back:
        event = json.loads(message.value)
        assert message.key == f"{event['platform']}:{event['post_id']}".encode()

    dead = [json.loads(m.value) for m in read_topic(settings, settings.topic_dlq)]
    broken = [r for r in rows if r.error is not None or not _valid(r.event)]
    assert len(dead) == len(broken) == report.dead_lettered
    unmappable = {f"{r.where}: {r.error.reason}": r.original for r in broken if r.error}
    assert {d["reason"]: d["original"] for d in dead if d["reason"] in unmappable} == unmappable
    invalid = [r.event for r in broken if r.error is None]
    assert [d["original"] for d in dead if d["reason"] not in unmappable] == invalid
    assert all(d["source"] == "test-replay" and d["reason"] for d in dead)


def test_x_connector_into_kafka_resumes_after_a_restart_without_gap_or_duplicate(settings,
                                                                                  tmp_path):
    broken = x_tweet(404)
    broken["text"] = ""
    with FakeApi() as api:
        conf = Settings.from_env(
            {**settings.environment(), "PANTAU_X_BEARER_TOKEN": "t", "PANTAU_X_API_URL": api.url,
             "PANTAU_HTTP_TIMEOUT_S": "2"})
        client = x_client(conf, sleep=lambda _s: None)
        api.script(SEARCH_PATH,
                   Reply(x_page([x_tweet(409, minute=9), x_tweet(408, minute=8)], next_token="a")),
                   Reply({"title": "Service Unavailable"}, status=503),
                   Reply(x_page([x_tweet(407, minute=7), broken], next_token="b")),
                   Reply(x_page([x_tweet(406, minute=6)])))

        with Publisher(settings, source="x") as publisher:  # first run stops after one page
            first = XRecentSearch("polres", settings=conf, client=client).run(
                PublisherSink(publisher), max_pages=1)
        assert first.pages == 1
        with Publisher(settings, source="x") as publisher:  # the restart
            second = XRecentSearch("polres", settings=conf, client=client).run(
                PublisherSink(publisher))
        assert (second.pages, second.published, second.unmappable) == (2, 2, 1)

        api.script(SEARCH_PATH, Reply(x_page([x_tweet(410, minute=10)])))
        with Publisher(settings, source="x") as publisher:  # the next poll
            XRecentSearch("polres", settings=conf, client=client).run(PublisherSink(publisher))
        asked = api.params(SEARCH_PATH)

    assert [(p.get("since_id"), p.get("next_token")) for p in asked] == [
        (None, None), (None, "a"), (None, "a"), (None, "b"), ("409", None)]
    posts = [json.loads(m.value) for m in read_topic(settings, settings.topic_posts)]
    assert sorted(p["post_id"] for p in posts) == ["406", "407", "408", "409", "410"]
    dead = [json.loads(m.value) for m in read_topic(settings, settings.topic_dlq)]
    assert [(d["reason"], d["field"], d["original"]["tweet"]["id"]) for d in dead] == [
        ("x: text is empty", "text", "404")]


def test_news_feed_into_kafka_sends_each_item_once_and_an_update_again(settings):
    """A feed read three times (a restart between): the topic holds every item once, the
    updated headline once more, and the item with no headline and no summary in the DLQ."""
    xml = {"Content-Type": "application/rss+xml; charset=utf-8"}
    empty = rss_item("kosong", "", link="https://portal.example.id/kosong")
    first = [rss_item("b1", "Polresta Sleman ungkap curanmor"),
             rss_item("b2", "Warga keluhkan layanan SKCK"), empty]
    with FakeApi() as api:
        conf = Settings.from_env({**settings.environment(), "PANTAU_HTTP_TIMEOUT_S": "2"})
        api.script("/rss", Reply(rss_feed(first), headers=xml),
                   Reply(rss_feed([rss_item("b3", "Polda DIY bagikan sembako"), *first]),
                         headers=xml),
                   Reply(rss_feed([rss_item("b3", "Polda DIY bagikan 1.000 paket sembako"),
                                   *first]), headers=xml))
        for _ in range(3):  # each run a new connector and publisher, as after a restart
            with Publisher(settings, source="news") as publisher:
                NewsFeed(f"{api.url}/rss", settings=conf).run(PublisherSink(publisher))

    posts = [json.loads(m.value) for m in read_topic(settings, settings.topic_posts)]
    assert sorted(p["post_id"] for p in posts) == ["b1", "b2", "b3", "b3"]
    assert all(p["platform"] == "news" and _valid(p) for p in posts)
    assert len({p["event_id"] for p in posts}) == 4
    dead = [json.loads(m.value) for m in read_topic(settings, settings.topic_dlq)]
    assert [(d["reason"], d["original"]["entry"]["id"]) for d in dead] == [
        ("news: the item has neither a title nor a summary", "kosong")]
