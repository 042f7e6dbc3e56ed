"""Replay of files users already have: every format, valid and broken rows, pacing, the CLI."""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pantau.contract import validate
from pantau.exceptions import ContractViolation, TerminalError
from producers.cli import register
from producers.connectors.mapping import event_id_for, is_official
from producers.publisher import PublishReport
from producers.replay import (
    TWEET_HARVEST_OLD_COLUMNS,
    Pacer,
    detect_format,
    read_rows,
    replay,
    split_old_harvest_line,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "replay"
OBSERVED = datetime(2024, 12, 1, 6, 0, tzinfo=UTC)


class FakePublisher:
    """Validates like the real publisher and records instead of sending."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.dead: list[tuple[str, str | None, object]] = []
        self.report = PublishReport()

    def publish(self, event: object) -> bool:
        try:
            validate(event)
        except ContractViolation as violation:
            self.dead_letter(violation.reason, violation.field, event)
            return False
        self.sent.append(event)  # type: ignore[arg-type]
        self.report.sent += 1
        return True

    def dead_letter(self, reason: str, field: str | None, original: object) -> None:
        self.dead.append((reason, field, original))
        self.report.dead_lettered += 1

    def publish_all(self, events) -> PublishReport:  # type: ignore[no-untyped-def]
        for event in events:
            self.publish(event)
        return self.report


def run(name: str, **options) -> FakePublisher:  # type: ignore[no-untyped-def]
    return run_path(FIXTURES / name, **options)


def run_path(path: Path, **options) -> FakePublisher:  # type: ignore[no-untyped-def]
    publisher = FakePublisher()
    replay(path, publisher, observed_at=OBSERVED, **options)
    return publisher


@pytest.mark.parametrize(("name", "expected"), [
    ("contract_events.jsonl", "jsonl"), ("tweet_harvest_2024.csv", "tweet-harvest"),
    ("tweet_harvest_2023_semicolon.csv", "tweet-harvest"),
    ("x_api_recent_search.json", "x-api"), ("plain_posts.csv", "csv")])
def test_format_is_detected_from_name_and_header(name, expected):
    assert detect_format(FIXTURES / name) == expected


def test_contract_jsonl_sends_valid_lines_as_is_and_dead_letters_broken_ones():
    publisher = run("contract_events.jsonl")
    originals = [json.loads(line) for line in (FIXTURES / "contract_events.jsonl").read_text(
        encoding="utf-8").splitlines() if line.startswith('{"schema_version": 1, "event_id": "')]
    valid = [e for e in originals if e["post_id"] != "bad-1"]
    assert publisher.sent == valid
    reasons = sorted(reason for reason, _, _ in publisher.dead)
    assert len(reasons) == 2
    assert reasons[0].startswith("contract_events.jsonl:4: line is not valid JSON")
    assert reasons[1].startswith("event_id must match pattern")


def test_tweet_harvest_comma_layout_maps_every_column_and_dead_letters_broken_rows():
    publisher = run("tweet_harvest_2024.csv")
    assert [e["post_id"] for e in publisher.sent] == [
        "1841837015611105391", "1841844102290432121", "1841851234567890123"]
    first, reply, multiline = publisher.sent
    assert first["author"] == {"id": "1504829376104263680", "handle": "budi_sant0so",
                               "display_name": None, "followers": None, "verified": False,
                               "is_official": False}
    assert first["metrics"] == {"likes": 152, "replies": 12, "shares": 40, "quotes": 3,
                                "views": None}
    assert first["lang"] == "id"  # X's deprecated "in"
    assert first["created_at"] == "2024-10-03T12:34:56Z"
    assert first["observed_at"] == "2024-12-01T06:00:00Z"
    assert first["hashtags"] == ["PolresJaksel"] and first["mentions"] == ["polres_jaksel"]
    assert first["media_urls"] == ["https://pbs.twimg.com/media/GZ1a2b3XcAA9x.jpg"]
    assert first["url"] == "https://x.com/budi_sant0so/status/1841837015611105391"
    assert reply["post_type"] == "reply" and reply["root_post_id"] == "1841837015611105391"
    assert reply["author"]["is_official"] is True
    assert reply["text"] == '@budi_sant0so Sama-sama, "Polri untuk masyarakat", salam presisi!'
    assert multiline["created_at"] == "2024-10-03T14:15:16Z"  # tweet-harvest 2.7 writes ISO
    assert multiline["text"].endswith("ditanggepin,\nno viral no justice 😡")
    assert [(reason, field) for reason, field, _ in publisher.dead] == [
        ("tweet_harvest_2024.csv:6: created_at is not a date: 'kemarin sore'", "created_at"),
        ("tweet_harvest_2024.csv:7: favorite_count is negative: -5", "favorite_count"),
        ("tweet_harvest_2024.csv:8: full_text is empty", "full_text")]
    assert publisher.dead[0][2]["created_at"] == "kemarin sore"  # the original row


def test_tweet_harvest_old_semicolon_layout_with_semicolons_and_quotes_in_the_text():
    publisher = run("tweet_harvest_2023_semicolon.csv")
    texts = [e["text"] for e in publisher.sent]
    assert texts == ["Mantap @humaspolresjakpus bagi sembako ke warga; salut!\nsemoga berkah",
                     'katanya "damai di tempat" aja, parah oknum polres',
                     "info jalan ditutup sementara"]
    first, second, _ = publisher.sent
    assert first["metrics"] == {"likes": 85, "replies": 2, "shares": 10, "quotes": 1, "views": None}
    assert second["metrics"]["likes"] == 120  # a row without the geo field
    assert first["author"]["handle"] == "1098765432109876543"  # no user name in this layout
    assert first["url"] == "https://x.com/i/web/status/1674968151232675841"
    assert first["media_urls"] == ["https://pbs.twimg.com/media/F0abcDEF.jpg"]
    assert [r for r, _, _ in publisher.dead] == [
        "tweet_harvest_2023_semicolon.csv:5: created_at is not a date: '31/06/2023 25:00'"]


def test_x_api_response_joins_users_and_media_and_dead_letters_incomplete_tweets():
    publisher = run("x_api_recent_search.json")
    reply, quote = publisher.sent
    assert reply["post_type"] == "reply"
    assert reply["parent_post_id"] == reply["root_post_id"] == "1852000000000000001"
    assert reply["author"]["handle"] == "wargasby_" and reply["author"]["followers"] == 310
    assert reply["author"]["created_at"] == "2019-07-01T02:03:04Z"
    assert "created_at" not in quote["author"]  # the user object does not say
    assert reply["metrics"]["views"] == 812 and reply["hashtags"] == ["Surabaya"]
    assert quote["post_type"] == "quote" and quote["parent_post_id"] == "1851999999999999999"
    assert quote["media_urls"] == ["https://pbs.twimg.com/media/GbQwErTy.jpg"]
    assert quote["author"]["verified"] is True
    assert [(r, f) for r, f, _ in publisher.dead] == [
        ("x_api_recent_search.json:response 1 tweet 3: created_at is missing", "created_at"),
        ("x_api_recent_search.json:response 1 tweet 4: text is missing", "text")]
    assert publisher.dead[0][2]["user"]["username"] == "polrestabes_sby"


def test_x_api_jsonl_with_twarc_retrieved_at_sets_observed_at(tmp_path):
    doc = json.loads((FIXTURES / "x_api_recent_search.json").read_text(encoding="utf-8"))
    doc["__twarc"] = {"retrieved_at": "2024-11-01T00:00:00+00:00"}
    path = tmp_path / "twarc.jsonl"
    path.write_text(json.dumps(doc) + "\n{broken\n", encoding="utf-8")
    publisher = FakePublisher()
    replay(path, publisher, fmt="x-api")
    assert {e["observed_at"] for e in publisher.sent} == {"2024-11-01T00:00:00Z"}
    assert publisher.dead[-1][0].startswith("twarc.jsonl:2: line is not valid JSON")


def test_plain_csv_needs_a_platform_and_maps_text_time_and_author():
    with pytest.raises(TerminalError, match="--platform"):
        run("plain_posts.csv")
    publisher = run("plain_posts.csv", platform="news", tz=__import__("zoneinfo").ZoneInfo(
        "Asia/Jakarta"))
    first, second = publisher.sent
    assert first["created_at"] == "2024-11-02T01:15:00Z"  # 08:15 WIB
    assert first["author"]["handle"] == "arekmalang" and first["hashtags"] == ["PolrestaMalangKota"]
    assert second["author"]["handle"] == "unknown" and second["platform"] == "news"
    assert first["post_id"].startswith("csv-")
    assert [(r, f) for r, f, _ in publisher.dead] == [
        ("plain_posts.csv:4: text is empty", "text"),
        ("plain_posts.csv:5: timestamp is not a date: 'tadi pagi'", "timestamp")]


def test_replaying_the_same_file_twice_gives_identical_event_ids(tmp_path):
    copy = tmp_path / "again.csv"
    shutil.copy2(FIXTURES / "tweet_harvest_2024.csv", copy)  # keeps the modification time
    first = [r.event for r in read_rows(copy) if r.error is None]
    again = [r.event for r in read_rows(copy) if r.error is None]
    assert [e["event_id"] for e in first] == [e["event_id"] for e in again]
    assert all(event_id_for(e) == e["event_id"] for e in first)
    later = [r.event for r in read_rows(copy, observed_at=OBSERVED + timedelta(days=1))]
    assert [e["event_id"] for e in later if e] == [e["event_id"] for e in first]
    changed = dict(first[0], metrics={**first[0]["metrics"], "likes": 999})
    assert event_id_for(changed) != first[0]["event_id"]


def test_speed_paces_by_created_at_with_an_injected_clock():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    publisher = FakePublisher()
    replay(FIXTURES / "tweet_harvest_2024.csv", publisher, observed_at=OBSERVED, speed=60,
           clock=lambda: now[0], sleep=sleep)
    # sorted by created_at: 12:34:56, 13:02:11 (+1635 s), 14:15:16 (+4385 s) -> /60
    assert [e["post_id"] for e in publisher.sent] == [
        "1841837015611105391", "1841844102290432121", "1841851234567890123"]
    assert now[0] == pytest.approx((4385 + 1635) / 60)
    assert max(slept) <= 1.0  # slices, so Ctrl-C is noticed
    assert len(publisher.dead) == 3  # unmappable rows are dead-lettered first


def test_pacer_does_not_wait_at_speed_zero_or_for_late_events():
    pacer = Pacer(0, clock=lambda: 0.0, sleep=lambda s: pytest.fail("slept"))
    pacer.wait(OBSERVED)
    pacer.wait(OBSERVED + timedelta(hours=1))
    fast = Pacer(10, clock=lambda: 100.0, sleep=lambda s: pytest.fail("slept"))
    fast.wait(OBSERVED)
    fast.wait(OBSERVED - timedelta(minutes=5))  # out of order: due already


def test_missing_file_and_unknown_format_are_clear_errors(tmp_path):
    with pytest.raises(TerminalError, match="does not exist"):
        detect_format(tmp_path / "nope.csv")
    odd = tmp_path / "notes.bin"
    odd.write_text("hello", encoding="utf-8")
    with pytest.raises(TerminalError, match="--format"):
        detect_format(odd)


@given(st.text(alphabet=st.characters(blacklist_characters="\r\n\x00",
                                      blacklist_categories=("Cs",)), min_size=1, max_size=80),
       st.booleans())
def test_old_layout_split_recovers_any_text_with_or_without_geo(text, with_geo):
    values = {"created_at": "Sat Jul 01 02:03:04 +0000 2023", "id": "1", "id_str": "1",
              "full_text": f'"{text}"', "quote_count": "1", "reply_count": "2",
              "retweet_count": "3", "favorite_count": "4", "geo": "", "lang": "in",
              "user_id_str": "9", "conversation_id": "1", "conversation_id_str": "1",
              "media_url_https": '""', "media_type": '""'}
    columns = [c for c in TWEET_HARVEST_OLD_COLUMNS if with_geo or c != "geo"]
    row = split_old_harvest_line(";".join(values[c] for c in columns),
                                 list(TWEET_HARVEST_OLD_COLUMNS))
    assert row["full_text"] == f'"{text}"'
    assert (row["favorite_count"], row["lang"], row["user_id_str"]) == ("4", "in", "9")


def test_official_handles_come_from_the_seeds():
    assert is_official("@polres_jaksel") and is_official("POLRESJAKSEL")
    assert not is_official("budi_sant0so") and not is_official(None)


def _produce_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pantau")
    commands = parser.add_subparsers(dest="command")
    produce = commands.add_parser("produce")
    register(produce.add_subparsers(dest="source", metavar="SOURCE"))
    return parser


@pytest.mark.parametrize("source", ["replay", "x", "youtube", "mastodon"])
def test_every_source_has_complete_help(source, capsys):
    with pytest.raises(SystemExit) as done:
        _produce_parser().parse_args(["produce", source, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: pantau produce {source}" in out and "Exit codes" in out


def test_replay_options_parse():
    args = _produce_parser().parse_args(
        ["produce", "replay", "f.csv", "--speed", "60", "--observed-at", "2024-01-01T00:00:00Z",
         "--format", "csv", "--platform", "news", "--timezone", "Asia/Jakarta"])
    assert args.speed == 60 and args.observed_at == datetime(2024, 1, 1, tzinfo=UTC)


def test_classic_retweets_of_exports_are_reposts_and_nothing_else_is(tmp_path):
    header = ('"conversation_id_str","created_at","favorite_count","full_text","id_str",'
              '"image_url","in_reply_to_screen_name","lang","location","quote_count",'
              '"reply_count","retweet_count","tweet_url","user_id_str","username"\n')
    texts = [
        "RT @wargakesal: laporan sy ke polres udah sebulan ga ditanggepin",  # a retweet
        "  RT @wargakesal: spasi di depan",  # exports keep leading spaces
        "rt @wargakesal: huruf kecil bukan retweet klasik",
        "Setuju! RT @wargakesal: ini kutipan manual",  # a quote typed by hand
        "RT @" + "a" * 16 + ": handle terlalu panjang",  # no X handle is this long
        "RT @wargakesal tanpa titik dua",
        "RT @\uff57\uff41\uff52\uff47\uff41: full-width handle",  # look-alike letters: no handle
    ]
    rows = "".join(
        f'"{1800 + n}","2024-10-03T14:{10 + n}:00.000Z","0","{text}","{1800 + n}","","",'
        f'"in","","0","0","3","","{900 + n}","akun{n}"\n' for n, text in enumerate(texts))
    path = tmp_path / "export.csv"
    path.write_text(header + rows, encoding="utf-8")
    publisher = run_path(path, fmt="tweet-harvest")
    assert [e["post_type"] for e in publisher.sent] == [
        "repost", "repost", "post", "post", "post", "post", "post"]

    plain = tmp_path / "plain.csv"
    plain.write_text("text\n" + "".join(f'"{t}"\n' for t in texts[:2]), encoding="utf-8")
    assert [e["post_type"] for e in run_path(plain, platform="x").sent] == ["repost", "repost"]
    # the convention is X's: on another platform the same words are the poster's own post
    assert [e["post_type"] for e in run_path(plain, platform="tiktok").sent] == ["post", "post"]
