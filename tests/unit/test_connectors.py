"""Live connectors against local fake APIs: paging, cursors, retries, rate limits, bad answers."""

from __future__ import annotations

import email.utils
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from http_fakes import FakeSink, Reply
from http_fakes.shapes import (
    mastodon_status,
    x_page,
    x_tweet,
    youtube_channel,
    youtube_channels,
    youtube_error,
    youtube_page,
    youtube_reply,
    youtube_thread,
)

import pantau
from pantau.contract import validate
from pantau.exceptions import TerminalError, TransientError
from pantau.settings import Settings
from producers.connectors import (
    ApiAuthError,
    ApiError,
    ApiUnavailableError,
    CursorStore,
    QuotaExceededError,
    RateLimitedError,
)
from producers.connectors.http import USER_AGENT, HttpClient, parse_link_header
from producers.connectors.mastodon import MASTODON_PLATFORM, MastodonHashtag, map_status
from producers.connectors.x import SEARCH_PATH, XRecentSearch, x_client
from producers.connectors.youtube import (
    CHANNELS_PATH,
    THREADS_PATH,
    YouTubeComments,
    youtube_client,
)

NOW = datetime(2024, 12, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def conf(api, tmp_path) -> Settings:
    return Settings.from_env(
        {"PANTAU_STATE_DIR": str(tmp_path),
         "PANTAU_X_BEARER_TOKEN": "test-token", "PANTAU_YOUTUBE_API_KEY": "test-key",
         "PANTAU_X_API_URL": api.url, "PANTAU_YOUTUBE_API_URL": api.url,
         "PANTAU_MASTODON_URL": api.url, "PANTAU_HTTP_TIMEOUT_S": "0.3",
         "PANTAU_HTTP_RETRIES": "3"})


class Sleeper:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


# the HTTP client -------------------------------------------------------------------------------
def test_5xx_then_ok_is_retried_with_bounded_jittered_backoff(api, conf):
    api.script("/v", Reply({"error": "boom"}, status=500), Reply({"error": "x"}, status=503),
               Reply({"ok": True}))
    sleeper = Sleeper()
    client = HttpClient(service="Test API", base_url=api.url, settings=conf, sleep=sleeper)
    assert client.get_json("/v").data == {"ok": True}
    assert len(sleeper.calls) == 2
    assert 0.5 <= sleeper.calls[0] <= 1.0 and 1.0 <= sleeper.calls[1] <= 2.0


def test_a_slow_answer_times_out_and_the_retry_succeeds(api, conf):
    api.script("/v", Reply({"late": True}, delay_s=1.0), Reply({"ok": True}))
    sleeper = Sleeper()
    client = HttpClient(service="Test API", base_url=api.url, settings=conf, sleep=sleeper)
    assert client.get_json("/v").data == {"ok": True}
    assert len(sleeper.calls) == 1


def test_malformed_json_is_retried_then_given_up_with_a_clear_message(api, conf):
    api.script("/v", *[Reply(b'{"data": [', status=200)] * 4)
    client = HttpClient(service="Test API", base_url=api.url, settings=conf, sleep=Sleeper())
    sleeper = Sleeper()
    client.sleep = sleeper
    with pytest.raises(ApiUnavailableError) as error:
        client.get_json("/v")
    assert error.value.attempts == 4 and len(api.requests) == 4 and len(sleeper.calls) == 3
    assert "malformed JSON" in str(error.value) and "try again later" in str(error.value)


def test_malformed_json_then_ok_is_retried(api, conf):
    api.script("/v", Reply(b"<html>gateway</html>", status=200), Reply({"ok": True}))
    client = HttpClient(service="Test API", base_url=api.url, settings=conf, sleep=Sleeper())
    assert client.get_json("/v").data == {"ok": True} and len(api.requests) == 2


def test_401_is_terminal_and_names_the_variable(api, conf):
    api.script(SEARCH_PATH, Reply({"title": "Unauthorized", "type": "about:blank",
                                   "status": 401, "detail": "Unauthorized"}, status=401))
    with pytest.raises(ApiAuthError) as error:
        x_client(conf, sleep=Sleeper()).get_json(SEARCH_PATH, {"query": "polres"})
    assert "X API rejected the credentials (401)" in str(error.value)
    assert "PANTAU_X_BEARER_TOKEN" in str(error.value)
    assert len(api.requests) == 1  # not retried
    assert api.requests[0].headers["Authorization"] == "Bearer test-token"


def test_other_4xx_is_terminal_with_the_api_message(api, conf):
    api.script(SEARCH_PATH, Reply({"errors": [{"parameters": {"since_id": ["1"]},
                                               "message": "Invalid 'since_id'"}],
                                   "title": "Invalid Request",
                                   "detail": "One or more parameters to your request was invalid."},
                                  status=400))
    with pytest.raises(ApiError, match=r"\(400\): Invalid Request: One or more parameters"):
        x_client(conf, sleep=Sleeper()).get_json(SEARCH_PATH)


def test_429_waits_until_x_rate_limit_reset(api, conf):
    api.script(SEARCH_PATH, Reply({"title": "Too Many Requests"}, status=429,
                                  headers={"x-rate-limit-reset": "1700000100",
                                           "x-rate-limit-remaining": "0"}),
               Reply(x_page([])))
    sleeper = Sleeper()
    client = x_client(conf, sleep=sleeper, clock=lambda: 1700000040.0)
    assert client.get_json(SEARCH_PATH).data == {"meta": {"result_count": 0}}
    assert sleeper.calls == [61.0]  # 60 s to the reset, plus one for clock skew


def test_429_beyond_the_longest_wait_stops_with_a_temporary_error(api, conf):
    api.script("/v", Reply({}, status=429, headers={"Retry-After": "3600"}))
    client = HttpClient(service="Test API", base_url=api.url, settings=conf, sleep=Sleeper())
    with pytest.raises(RateLimitedError, match="rate-limited for another 3600s"):
        client.get_json("/v")


def test_500_then_200_is_retried_in_one_connection_pool_with_pantaus_user_agent(api, conf):
    api.script("/v", Reply({"error": "boom"}, status=500), Reply({"ok": True}))
    sleeper = Sleeper()
    client = HttpClient(service="Test API", base_url=api.url, settings=conf, sleep=sleeper)
    assert client.get_json("/v").data == {"ok": True}
    assert len(api.requests) == 2 and len(sleeper.calls) == 1 and 0.5 <= sleeper.calls[0] <= 1.0
    assert USER_AGENT == f"pantau-connector/{pantau.__version__}"
    assert all(r.headers["User-Agent"] == USER_AGENT for r in api.requests)


def test_backoff_doubles_with_jitter_and_stops_at_the_longest_delay(api, conf):
    conf = conf.replace(http_retries=6, http_backoff_max_s=5.0)
    api.script("/v", *[Reply({"error": "down"}, status=503)] * 7)
    sleeper = Sleeper()
    client = HttpClient(service="Test API", base_url=api.url, settings=conf, sleep=sleeper)
    with pytest.raises(ApiUnavailableError, match=r"failed 7 times in a row \(last: 503 down\)"):
        client.get_json("/v")
    ceilings = [1, 2, 4, 5, 5, 5]
    assert len(sleeper.calls) == 6
    assert all(c / 2 <= wait <= c for wait, c in zip(sleeper.calls, ceilings, strict=True))


def test_429_waits_until_a_retry_after_http_date(api, conf):
    now = 1700000040.0
    when = email.utils.formatdate(now + 120, usegmt=True)  # "Tue, 14 Nov 2023 22:16:00 GMT"
    api.script("/v", Reply({}, status=429, headers={"Retry-After": when}), Reply({"ok": True}))
    sleeper = Sleeper()
    client = HttpClient(service="Test API", base_url=api.url, settings=conf, sleep=sleeper,
                        clock=lambda: now)
    assert client.get_json("/v").data == {"ok": True}
    assert sleeper.calls == [120.0]


def test_429_with_retry_after_in_seconds_or_unreadable_falls_back_sensibly(api, conf):
    api.script("/v", Reply({}, status=429, headers={"Retry-After": "7"}),
               Reply({}, status=429, headers={"Retry-After": "soon-ish"}), Reply({"ok": True}))
    sleeper = Sleeper()
    client = HttpClient(service="Test API", base_url=api.url, settings=conf, sleep=sleeper)
    assert client.get_json("/v").data == {"ok": True}
    assert sleeper.calls[0] == 7.0 and 1.0 <= sleeper.calls[1] <= 2.0  # second: plain backoff


def test_x_rate_limit_reset_beyond_the_longest_wait_names_the_setting(api, conf):
    api.script(SEARCH_PATH, Reply({"title": "Too Many Requests"}, status=429,
                                  headers={"x-rate-limit-reset": "1700003640",
                                           "x-rate-limit-remaining": "0"}))
    sleeper = Sleeper()
    with pytest.raises(RateLimitedError) as error:
        x_client(conf, sleep=sleeper, clock=lambda: 1700000040.0).get_json(SEARCH_PATH)
    assert isinstance(error.value, TransientError) and sleeper.calls == [] and len(api.requests) == 1
    assert "X API is rate-limited for another 3601s" in str(error.value)
    assert "PANTAU_RATE_LIMIT_MAX_WAIT_S=900" in str(error.value)
    assert "test-token" not in str(error.value)


def test_a_connector_run_uses_one_http_client(api, conf, monkeypatch):
    opened = []
    original = HttpClient._new_client

    def counting(self):  # type: ignore[no-untyped-def]
        opened.append(self)
        return original(self)

    monkeypatch.setattr(HttpClient, "_new_client", counting)
    api.script(SEARCH_PATH, Reply(x_page([x_tweet(2)], next_token="n")), Reply(x_page([x_tweet(1)])))
    report = XRecentSearch("polres", settings=conf, client=x_client(conf, sleep=Sleeper())).run(FakeSink())
    assert report.pages == 2 and len(api.requests) == 2 and len(opened) == 1


def test_link_header_parsing():
    header = ('<https://m.example/api/v1/timelines/tag/polri?max_id=10>; rel="next", '
              '<https://m.example/api/v1/timelines/tag/polri?min_id=20>; rel="prev"')
    assert parse_link_header(header) == {
        "next": "https://m.example/api/v1/timelines/tag/polri?max_id=10",
        "prev": "https://m.example/api/v1/timelines/tag/polri?min_id=20"}


def test_cursor_store_writes_atomically_and_refuses_a_corrupt_file(tmp_path):
    store = CursorStore(tmp_path / "c" / "x.json")
    assert store.load() == {}
    store.save({"since_id": "5"})
    assert store.load()["since_id"] == "5"
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["x.json"]  # no temp files left
    store.path.write_text("{half", encoding="utf-8")
    with pytest.raises(TerminalError, match="delete it to start over"):
        store.load()


# X ---------------------------------------------------------------------------------------------
def test_x_pages_with_next_token_then_resumes_with_since_id(api, conf):
    api.script(SEARCH_PATH, Reply(x_page([x_tweet(105, minute=5), x_tweet(104, minute=4)],
                                         next_token="tok2")),
               Reply(x_page([x_tweet(103, minute=3)])))
    sink = FakeSink()
    connector = XRecentSearch("polres lang:id", settings=conf, client=x_client(conf, sleep=Sleeper()),
                              now=lambda: NOW)
    report = connector.run(sink)
    assert (report.pages, report.items, report.published) == (2, 3, 3)
    assert [e["post_id"] for e in sink.events] == ["105", "104", "103"]
    for event in sink.events:
        validate(event, now=NOW)
    assert sink.events[0]["author"]["handle"] == "wargajaksel"
    assert sink.events[0]["author"]["created_at"] == "2021-08-17T03:45:00Z"
    assert sink.events[0]["mentions"] == ["polres_jaksel"]
    first, second = api.params(SEARCH_PATH)
    assert "created_at" in first["user.fields"].split(",")
    assert first["query"] == "polres lang:id" and "since_id" not in first
    assert "author_id" in first["expansions"] and "public_metrics" in first["tweet.fields"]
    assert second["next_token"] == "tok2" and "since_id" not in second
    assert connector.cursor.load()["since_id"] == "105"

    api.script(SEARCH_PATH, Reply(x_page([x_tweet(106, minute=6)])))
    connector.run(sink)
    assert api.params(SEARCH_PATH)[2]["since_id"] == "105"
    assert "next_token" not in api.params(SEARCH_PATH)[2]
    assert [e["post_id"] for e in sink.events] == ["105", "104", "103", "106"]


def test_x_restart_after_an_unacknowledged_page_has_no_gap_and_no_duplicate(api, conf):
    client = x_client(conf, sleep=Sleeper())
    api.script(SEARCH_PATH, Reply(x_page([x_tweet(110), x_tweet(109)], next_token="t2")),
               Reply(x_page([x_tweet(108)], next_token="t3")))
    crashing = FakeSink(fail_on_commit=2)
    with pytest.raises(TransientError):
        XRecentSearch("polres", settings=conf, client=client).run(crashing)
    assert [e["post_id"] for e in crashing.events] == ["110", "109"]
    state = CursorStore(XRecentSearch("polres", settings=conf, client=client).cursor.path).load()
    assert (state["next_token"], state["pending_newest_id"], state["since_id"]) == ("t2", "110", None)

    api.script(SEARCH_PATH, Reply(x_page([x_tweet(108)], next_token="t3")),
               Reply(x_page([x_tweet(107)])))
    restarted = FakeSink()
    XRecentSearch("polres", settings=conf, client=client).run(restarted)
    assert [e["post_id"] for e in restarted.events] == ["108", "107"]
    assert api.params(SEARCH_PATH)[2]["next_token"] == "t2"
    assert XRecentSearch("polres", settings=conf, client=client).cursor.load()["since_id"] == "110"


def test_x_unmappable_tweets_go_to_the_dead_letter_sink(api, conf):
    broken = x_tweet(201)
    del broken["created_at"]
    negative = x_tweet(202)
    negative["public_metrics"]["like_count"] = -1
    api.script(SEARCH_PATH, Reply(x_page([x_tweet(203), broken, negative])))
    sink = FakeSink()
    report = XRecentSearch("polres", settings=conf, client=x_client(conf, sleep=Sleeper())).run(sink)
    assert [e["post_id"] for e in sink.events] == ["203"]
    assert [(r, f) for r, f, _ in sink.dead] == [
        ("x: created_at is missing", "created_at"),
        ("x: public_metrics.like_count is negative: -1", "public_metrics.like_count")]
    assert sink.dead[0][2]["tweet"]["id"] == "201" and report.unmappable == 2


def test_x_max_pages_leaves_the_cursor_on_the_next_page(api, conf):
    api.script(SEARCH_PATH, Reply(x_page([x_tweet(300)], next_token="n1")))
    connector = XRecentSearch("polres", settings=conf, client=x_client(conf, sleep=Sleeper()))
    assert connector.run(FakeSink(), max_pages=1).pages == 1
    assert connector.cursor.load()["next_token"] == "n1"


# Mastodon --------------------------------------------------------------------------------------
def test_mastodon_status_maps_html_counts_tags_and_media():
    event = map_status(mastodon_status(111), NOW)
    assert event["text"] == "Polisi sigap & ramah di #polri\n\nbaris kedua"
    assert event["platform"] == MASTODON_PLATFORM
    assert event["metrics"] == {"likes": 3, "replies": 1, "shares": 2, "quotes": None, "views": None}
    assert event["hashtags"] == ["polri"]
    assert event["media_urls"] == ["https://files.mastodon.example/a.jpg"]
    assert event["author"]["handle"] == "warga@mastodon.example"
    validate({**event, "platform": "x"}, now=NOW)  # valid but for the platform value


def test_mastodon_is_a_contract_platform():
    from producers.connectors import mastodon

    assert mastodon.MASTODON_PLATFORM in mastodon.contract_platforms()


def test_mastodon_refuses_to_run_against_a_contract_without_its_platform(conf, monkeypatch):
    from producers.connectors import mastodon

    monkeypatch.setattr(mastodon, "contract_platforms", lambda: ["x", "news"])
    connector = MastodonHashtag("polri", settings=conf)
    with pytest.raises(TerminalError, match="no platform 'mastodon'"):
        connector.run(FakeSink())


def test_mastodon_pages_forward_with_min_id_from_the_link_header(api, conf):
    path = "/api/v1/timelines/tag/polri"
    api.script(path, Reply([mastodon_status(i) for i in (12, 11)], headers={
        "Link": f'<{api.url}{path}?max_id=11>; rel="next", <{api.url}{path}?min_id=12>; rel="prev"'}))
    sink = FakeSink()
    connector = MastodonHashtag("#polri", settings=conf, now=lambda: NOW,
                                client=HttpClient(service="Mastodon", base_url=api.url,
                                                  settings=conf, sleep=Sleeper()))
    connector.run(sink)  # first run: the newest page only
    assert connector.cursor.load()["min_id"] == "12"
    full = [mastodon_status(i) for i in range(52, 12, -1)]  # 40 newer statuses
    api.script(path, Reply(full, headers={"Link": f'<{api.url}{path}?min_id=52>; rel="prev"'}),
               Reply([mastodon_status(53)]))
    connector.run(sink)
    assert [p.get("min_id") for p in api.params(path)] == [None, "12", "52"]
    assert all(p["limit"] == "40" for p in api.params(path))
    assert [e["post_id"] for e in sink.events] == ["12", "11", *[str(i) for i in range(52, 12, -1)],
                                                   "53"]
    assert connector.cursor.load()["min_id"] == "53"


def test_mastodon_bad_status_is_dead_lettered(api, conf):
    path = "/api/v1/timelines/tag/polri"
    no_account = mastodon_status(5)
    no_account["account"] = None
    api.script(path, Reply([mastodon_status(6), no_account]))
    sink = FakeSink()
    MastodonHashtag("polri", settings=conf, platform="x").run(sink)
    assert [e["post_id"] for e in sink.events] == ["6"]
    assert sink.dead[0][:2] == ("mastodon: account is missing", "account")


# YouTube ---------------------------------------------------------------------------------------
def test_youtube_threads_and_replies_page_with_page_token_and_stop_at_the_high_water_mark(api, conf):
    client = youtube_client(conf, sleep=Sleeper())
    api.script(THREADS_PATH,
               Reply(youtube_page([youtube_thread("c3", second=30, replies=[
                   youtube_reply("r1", "c3")]), youtube_thread("c2", second=20)], next_token="p2")),
               Reply(youtube_page([youtube_thread("c1", second=10)])))
    # the commenters' channels, looked up once per run: the police channel hides its count
    api.script(CHANNELS_PATH, Reply(youtube_channels([
        youtube_channel("UCauthor123"),
        youtube_channel("UCpolres", subscribers=None, published="2012-02-03T04:05:06Z")])))
    sink = FakeSink()
    connector = YouTubeComments(settings=conf, video_id="dQw4w9WgXcQ", client=client,
                                now=lambda: NOW)
    connector.run(sink)
    assert [e["post_id"] for e in sink.events] == ["c3", "c3.r1", "c2", "c1"]
    top, reply = sink.events[0], sink.events[1]
    for event in sink.events:
        validate(event, now=NOW)
    assert (top["post_type"], top["parent_post_id"], top["metrics"]["replies"]) == (
        "comment", "dQw4w9WgXcQ", 1)
    assert top["url"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=c3"
    assert (reply["parent_post_id"], reply["root_post_id"]) == ("c3", "dQw4w9WgXcQ")
    assert reply["author"]["is_official"] is True  # @polresmetrojakartaselatan
    first, second = api.params(THREADS_PATH)
    assert first["videoId"] == "dQw4w9WgXcQ" and first["part"] == "snippet,replies"
    assert first["key"] == "test-key" and "pageToken" not in first
    assert second["pageToken"] == "p2"
    assert connector.cursor.load()["high_water"] == "2024-11-01T10:00:30Z"
    (lookup,) = api.params(CHANNELS_PATH)
    assert (lookup["id"], lookup["part"], lookup["key"]) == (
        "UCauthor123,UCpolres", "snippet,statistics", "test-key")
    assert (top["author"]["followers"], top["author"]["created_at"]) == (
        1520, "2015-06-01T08:00:00Z")
    assert (reply["author"]["followers"], reply["author"]["created_at"]) == (
        None, "2012-02-03T04:05:06Z")

    api.script(THREADS_PATH, Reply(youtube_page([
        youtube_thread("c5", second=50), youtube_thread("c4", second=40),
        youtube_thread("c3", second=30), youtube_thread("c2", second=20)], next_token="never")))
    connector.run(sink)
    assert [e["post_id"] for e in sink.events][-2:] == ["c5", "c4"]
    assert len(api.params(THREADS_PATH)) == 3  # stopped at the mark, did not follow "never"


def test_youtube_channel_threads_and_broken_items(api, conf):
    api.script(THREADS_PATH, Reply(youtube_page([youtube_thread("ok", second=5),
                                                 youtube_thread("notext", second=4, text=None)
                                                 | {"snippet": {"videoId": "v"}}])))
    api.script(CHANNELS_PATH, Reply(youtube_channels([])))  # a deleted channel: not returned
    sink = FakeSink()
    YouTubeComments(settings=conf, channel_id="UCchan", client=youtube_client(conf)).run(sink)
    assert api.params(THREADS_PATH)[0]["allThreadsRelatedToChannelId"] == "UCchan"
    assert [e["post_id"] for e in sink.events] == ["ok"]
    assert sink.dead[0][:2] == ("youtube: comment thread has no topLevelComment",
                                "snippet.topLevelComment")
    author = sink.events[0]["author"]
    assert author["followers"] is None and "created_at" not in author


@pytest.mark.parametrize(("channel", "followers", "created"), [
    # unreadable or impossible details describe the author, not the comment: left empty
    ({"kind": "youtube#channel", "id": "UCauthor123", "statistics": {"subscriberCount": "-3"},
      "snippet": {"publishedAt": "kemarin sore"}}, None, None),
    ({"kind": "youtube#channel", "id": "UCauthor123", "statistics": "hidden", "snippet": None},
     None, None),
    # a channel "created" after the comment (a platform or file error) is not an account age
    (youtube_channel("UCauthor123", subscribers="9", published="2030-01-01T00:00:00Z"), 9, None),
    (youtube_channel("UCauthor123", subscribers="0", published="2024-11-01T10:00:05Z"), 0,
     "2024-11-01T10:00:05Z"),
])
def test_youtube_channel_details_that_make_no_sense_are_left_empty(api, conf, channel, followers,
                                                                   created):
    api.script(THREADS_PATH, Reply(youtube_page([youtube_thread("c1", second=5)])))
    api.script(CHANNELS_PATH, Reply(youtube_channels([channel, "not a channel"])))
    sink = FakeSink()
    YouTubeComments(settings=conf, video_id="v", client=youtube_client(conf),
                    now=lambda: NOW).run(sink)
    (event,) = sink.events
    validate(event, now=NOW)
    assert (event["author"]["followers"], event["author"].get("created_at")) == (followers, created)


def test_youtube_channel_details_can_be_switched_off_to_save_quota(api, conf):
    api.script(THREADS_PATH, Reply(youtube_page([youtube_thread("c1", second=5)])))
    sink = FakeSink()
    frugal = conf.replace(youtube_channel_details=False)
    YouTubeComments(settings=frugal, video_id="v", client=youtube_client(frugal)).run(sink)
    assert len(sink.events) == 1 and api.params(CHANNELS_PATH) == []


def test_youtube_quota_exceeded_is_temporary_and_not_retried_and_a_bad_key_is_terminal(api, conf):
    api.script(THREADS_PATH, Reply(youtube_error(403, "quotaExceeded", "The request cannot be "
                                   "completed because you have exceeded your quota."), status=403))
    sleeper = Sleeper()
    with pytest.raises(ApiUnavailableError, match="quotaExceeded") as quota:
        youtube_client(conf, sleep=sleeper).get_json(THREADS_PATH, {"key": "test-key"})
    assert isinstance(quota.value, QuotaExceededError) and isinstance(quota.value, TransientError)
    assert "not retried" in str(quota.value) and "the cursor was kept" in str(quota.value)
    assert len(api.requests) == 1 and sleeper.calls == []
    assert "test-key" not in str(quota.value)
    api.script(THREADS_PATH, Reply(youtube_error(400, "keyInvalid", "API key not valid. Please "
                                                 "pass a valid API key."), status=400))
    with pytest.raises(ApiAuthError, match="PANTAU_YOUTUBE_API_KEY"):
        youtube_client(conf, sleep=Sleeper()).get_json(THREADS_PATH)
    api.script(THREADS_PATH, Reply(youtube_error(403, "commentsDisabled", "The video has "
                                                 "disabled comments."), status=403))
    with pytest.raises(ApiError, match=r"\(403\): The video has disabled comments") as error:
        youtube_client(conf, sleep=Sleeper()).get_json(THREADS_PATH)
    assert not isinstance(error.value, ApiAuthError)


def test_youtube_short_rate_limit_403_is_retried(api, conf):
    api.script(THREADS_PATH, Reply(youtube_error(403, "rateLimitExceeded", "Slow down."), status=403),
               Reply(youtube_page([])))
    sleeper = Sleeper()
    assert youtube_client(conf, sleep=sleeper).get_json(THREADS_PATH).data["items"] == []
    assert len(sleeper.calls) == 1 and len(api.requests) == 2


def test_the_youtube_key_is_redacted_from_urls_logs_and_errors(api, conf, caplog):
    caplog.set_level(logging.DEBUG)
    api.script(THREADS_PATH, *[Reply(b"<html>oops", status=502)] * 4)
    client = youtube_client(conf, sleep=Sleeper())
    with pytest.raises(ApiUnavailableError) as error:
        client.get_json(THREADS_PATH, {"videoId": "v1", "key": "test-key"})
    assert api.params(THREADS_PATH)[0]["key"] == "test-key"  # sent, never shown
    assert all("key=***" in url and "test-key" not in url for url in client.requests)
    assert "test-key" not in str(error.value)
    assert any("key=***" in r.getMessage() for r in caplog.records)  # httpx logs the URL
    assert not any("test-key" in r.getMessage() for r in caplog.records)


def test_settings_come_from_the_environment_with_defaults(tmp_path):
    conf = Settings.from_env({"PANTAU_STATE_DIR": str(tmp_path)})
    assert conf.x_api_url == "https://api.x.com" and conf.cursor_dir == (tmp_path / "cursors")
    assert conf.x_bearer_token == "" and conf.http_retries == 5 and conf.http_timeout_s == 20.0
    with pytest.raises(TerminalError, match="PANTAU_HTTP_TIMEOUT_S"):
        Settings.from_env({"PANTAU_HTTP_TIMEOUT_S": "soon"})
    assert json.dumps(str(Path(conf.cursor_dir)))


def test_reports_name_the_three_commonest_unmappable_reasons():
    from producers.connectors import ConnectorReport, UnmappableError
    from producers.replay import ReplayReport

    connector, replay = ConnectorReport(unmappable=6), ReplayReport(unmappable=6)
    for reason in ["no text", "bad time", "bad time", "no id", "no time " + "x" * 100, "bad time"]:
        connector.reasons.add(UnmappableError(reason))
        replay.reasons.add(UnmappableError(reason))
    assert connector.summary().endswith("(dead-lettered) (3 x bad time; 1 x no text; 1 x no id)")
    assert replay.summary().endswith("6 unmappable (3 x bad time; 1 x no text; 1 x no id)")
    assert max(map(len, replay.reasons)) == 80
    assert "(" not in ReplayReport(rows=2, mapped=2).summary()
