"""The news connector against a local feed server: RSS and Atom, repeated and updated items, a
restart, feeds without dates, other encodings, malformed and hostile XML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from http_fakes import FakeSink, Reply
from http_fakes.shapes import atom_feed, rss_feed, rss_item

from pantau.contract import validate
from pantau.exceptions import TerminalError, TransientError
from pantau.settings import Settings
from producers.connectors.errors import AnswerTooLargeError, ApiUnavailableError
from producers.connectors.news import MAX_TEXT, NEWS_PLATFORM, NewsFeed

NOW = datetime(2024, 12, 1, 6, 0, tzinfo=UTC)
PATH = "/rss/hukum"
XML = {"Content-Type": "application/rss+xml"}


@pytest.fixture
def conf(api, tmp_path) -> Settings:
    return Settings.from_env({"PANTAU_STATE_DIR": str(tmp_path), "PANTAU_HTTP_TIMEOUT_S": "0.5",
                              "PANTAU_HTTP_RETRIES": "1", "PANTAU_HTTP_BACKOFF_S": "0.01"})


def feed(api, conf, now=NOW) -> NewsFeed:  # type: ignore[no-untyped-def]
    return NewsFeed(f"{api.url}{PATH}", settings=conf, now=lambda: now)


def read_once(api, conf, body: bytes, headers=XML) -> FakeSink:  # type: ignore[no-untyped-def]
    """Serve ``body`` as the feed, read it once; the sink holds what was sent."""
    api.script(PATH, Reply(body, headers=headers))
    sink = FakeSink()
    feed(api, conf).run(sink)
    return sink


def test_rss_items_map_to_valid_news_events(api, conf):
    api.script(PATH, Reply(rss_feed([
        rss_item("berita-1", "Polres Bogor tangkap pelaku begal",
                 description="<p>Pelaku <b>ditangkap</b> di Cibinong.</p>",
                 link="https://news.example.co.id/berita-1"),
        rss_item("berita-2", "Kapolda Jatim: laporan warga diproses",
                 link="javascript:alert(1)")]), headers=XML))
    sink = FakeSink()
    report = feed(api, conf).run(sink)
    assert report.published == 2 and not sink.dead
    first, second = sink.events
    for event in sink.events:
        validate(event)
        assert event["platform"] == NEWS_PLATFORM and event["post_type"] == "post"
        assert event["author"]["id"] == "127.0.0.1" and event["lang"] == "id"
        assert event["author"]["display_name"] == "Kabar Polri Terkini"
        assert set(event["metrics"].values()) == {None}
    assert first["text"] == "Polres Bogor tangkap pelaku begal\n\nPelaku ditangkap di Cibinong."
    assert first["url"] == "https://news.example.co.id/berita-1"
    assert first["created_at"] == "2024-11-30T22:30:00Z"
    assert second["url"] is None  # a javascript: link is no link


def test_atom_entries_map_too(api, conf):
    api.script(PATH, Reply(atom_feed([("tag:portal:77", "Polisi evakuasi warga banjir",
                                       "&lt;p&gt;Ratusan warga dievakuasi&lt;/p&gt;",
                                       "2024-12-01T01:02:03Z")]),
                           headers={"Content-Type": "application/atom+xml"}))
    sink = FakeSink()
    feed(api, conf).run(sink)
    (event,) = sink.events
    validate(event)
    assert event["post_id"] == "tag:portal:77"
    assert event["text"] == "Polisi evakuasi warga banjir\n\nRatusan warga dievakuasi"
    assert event["url"] == "https://portal.example.id/77"
    assert event["created_at"] == "2024-12-01T01:02:03Z"


def test_repeated_items_are_sent_once_and_an_updated_item_again(api, conf):
    items = [rss_item("a", "Judul A"), rss_item("b", "Judul B")]
    api.script(PATH, Reply(rss_feed(items), headers=XML),
               Reply(rss_feed([rss_item("c", "Judul C"), *items]), headers=XML),
               Reply(rss_feed([rss_item("c", "Judul C"), rss_item("a", "Judul A (ralat)"),
                               items[1]]), headers=XML))
    sink = FakeSink()
    connector = feed(api, conf)
    for _ in range(3):
        connector.run(sink)
    assert [e["post_id"] for e in sink.events] == ["a", "b", "c", "a"]
    assert sink.events[-1]["text"] == "Judul A (ralat)"
    assert len({e["event_id"] for e in sink.events}) == 4  # the update is a new observation


def test_a_restart_after_an_unacknowledged_read_has_no_gap_and_no_duplicate(api, conf):
    body = rss_feed([rss_item("a", "Judul A"), rss_item("b", "Judul B")])
    api.script(PATH, Reply(body, headers=XML), Reply(body, headers=XML),
               Reply(body, headers=XML))
    crashed = FakeSink(fail_on_commit=1)
    with pytest.raises(TransientError):
        feed(api, conf).run(crashed)
    assert crashed.events == [] and feed(api, conf).cursor.load() == {}
    sink = FakeSink()
    feed(api, conf).run(sink)  # a new process: reads the cursor from its file
    feed(api, conf).run(sink)
    assert [e["post_id"] for e in sink.events] == ["a", "b"]


def test_items_without_a_date_keep_the_time_they_were_first_seen(api, conf):
    body = rss_feed([rss_item("tanpa-tanggal", "Tanpa tanggal", pub_date=None)])
    later = rss_feed([rss_item("tanpa-tanggal", "Tanpa tanggal (diperbarui)", pub_date=None)])
    sink = read_once(api, conf, body)
    api.script(PATH, Reply(later, headers=XML))
    feed(api, conf, now=NOW + timedelta(hours=5)).run(sink)
    first, update = sink.events
    assert first["created_at"] == update["created_at"] == "2024-12-01T06:00:00Z"
    assert update["observed_at"] == "2024-12-01T11:00:00Z"


@pytest.mark.parametrize(("encoding", "declare", "header"), [
    ("iso-8859-1", True, "application/rss+xml"),
    ("windows-1252", True, "application/rss+xml"),
    ("windows-1252", False, "application/rss+xml; charset=windows-1252"),
    ("utf-16", True, "application/rss+xml"),
])
def test_feeds_in_other_encodings_are_read_as_written(api, conf, encoding, declare, header):
    title = "Kapolres: “kafe” ilegal ditutup" if encoding != "iso-8859-1" else "Kafé ilegal ditutup"
    api.script(PATH, Reply(rss_feed([rss_item("x1", title)], encoding=encoding, declare=declare),
                           headers={"Content-Type": header}))
    sink = FakeSink()
    feed(api, conf).run(sink)
    assert [e["text"] for e in sink.events] == [title]


def test_malformed_xml_is_read_leniently_and_a_bad_item_is_dead_lettered(api, conf):
    broken = (b'<rss version="2.0"><channel><title>Portal & Co</title>'
              b"<item><title>Judul <b>rusak</title><guid>r1</guid></item>"
              b"<item><guid>kosong</guid><title>   </title></item>"
              b"<item><title>Judul kedua</title><guid>r2</guid>")  # never closed
    api.script(PATH, Reply(broken, headers=XML))
    sink = FakeSink()
    report = feed(api, conf).run(sink)
    assert [e["post_id"] for e in sink.events] == ["r1", "r2"]
    assert report.unmappable == 1
    assert sink.dead[0][:2] == ("news: the item has neither a title nor a summary", "title")


def test_an_answer_that_is_no_feed_keeps_the_cursor(api, conf):
    api.script(PATH, Reply(b"\x00\x01 not xml at all \xff", headers=XML),
               Reply(b"\x00\x01 not xml at all \xff", headers=XML))
    connector = feed(api, conf)
    with pytest.raises(ApiUnavailableError, match="not a feed"):
        connector.run(FakeSink())
    assert connector.cursor.load() == {}


def test_a_5xx_is_retried_then_the_feed_is_read(api, conf):
    api.script(PATH, Reply({"error": "overloaded"}, status=503),
               Reply(rss_feed([rss_item("z", "Judul Z")]), headers=XML))
    sink = FakeSink()
    feed(api, conf).run(sink)
    assert [e["post_id"] for e in sink.events] == ["z"]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://x/rss",
                                 "not a url", "http://"])
def test_only_http_feed_urls_are_accepted(conf, url):
    with pytest.raises(TerminalError, match="not an http"):
        NewsFeed(url, settings=conf)


def test_external_entities_are_never_resolved(api, conf, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("RAHASIA-123")
    body = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<rss version="2.0"><channel><title>t</title><item><title>judul &x;</title>'
            "<guid>e1</guid></item></channel></rss>").encode()
    sink = read_once(api, conf, body)
    assert all("RAHASIA" not in e["text"] for e in sink.events)
    assert all("RAHASIA" not in str(d) for d in sink.dead)


def test_an_entity_expansion_bomb_is_refused_not_expanded(api, conf):
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{entities}]>'
            '<rss version="2.0"><channel><item><title>&l9;</title><guid>b1</guid></item>'
            "</channel></rss>").encode()
    sink = read_once(api, conf, body)
    assert all(len(e["text"]) < 1_000 for e in sink.events)  # 10^9 "lol"s, had it expanded


def test_hostile_items_keep_within_the_contract(api, conf):
    huge = "polisi " * 40_000  # 280,000 characters
    long_guid = "g" * 500
    api.script(PATH, Reply(rss_feed([rss_item(long_guid, "Judul\x00 panjang", description=huge,
                                              link="https://x.id/" + "a" * 3_000)]),
                           headers=XML))
    sink = FakeSink()
    feed(api, conf).run(sink)
    (event,) = sink.events
    validate(event)
    assert len(event["text"]) == MAX_TEXT and "\x00" not in event["text"]
    assert event["post_id"].startswith("sha256:") and event["url"] is None


def test_a_feed_larger_than_the_setting_is_refused_unread(api, tmp_path):
    small = Settings.from_env({"PANTAU_STATE_DIR": str(tmp_path),
                               "PANTAU_NEWS_MAX_FEED_BYTES": "5000"})
    body = rss_feed([rss_item(f"i{n}", "Polisi " * 50) for n in range(40)])  # about 15 kB
    assert len(body) > 5_000
    api.script(PATH, Reply(body, headers=XML))
    connector = NewsFeed(f"{api.url}{PATH}", settings=small, now=lambda: NOW)
    sink = FakeSink()
    with pytest.raises(AnswerTooLargeError, match="PANTAU_NEWS_MAX_FEED_BYTES"):
        connector.run(sink)
    assert sink.events == [] and connector.cursor.load() == {}
