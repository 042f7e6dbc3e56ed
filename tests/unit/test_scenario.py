"""The scenario generator: valid, deterministic, realistic enough, and honest ground truth."""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pantau.contract import validate
from pantau.contract.reference import load_polres
from producers.scenario import Scenario, ScenarioConfig, Truth, TruthWriter, read_truth
from producers.scenario import cli as scenario_cli
from producers.scenario.texts import (
    AFTERMATH,
    CHATTER_THEMES,
    CITIZEN_THEMES,
    ENGLISH_THEMES,
    NEGATIVE_STORIES,
    NEWS_EVENT,
    NEWS_THEMES,
    OFFICIAL_RESPONSES,
    OFFICIAL_THEMES,
    POSITIVE_STORIES,
    REACTIONS,
    TWO_PRECINCT_THEMES,
    compile_template,
    entities,
)
from producers.scenario.vocabulary import PLATFORMS, SLOTS, precincts

END = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
NOW = END + timedelta(hours=1)
ROOT = Path(__file__).resolve().parents[2]


def _events(config: ScenarioConfig, truth: TruthWriter | None = None) -> list[dict[str, Any]]:
    return list(Scenario(config).generate(truth))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], Truth, Scenario]:
    """One mid-sized scenario with its ground truth, shared by the module's tests."""
    path = tmp_path_factory.mktemp("truth") / "truth.jsonl"
    scenario = Scenario(ScenarioConfig(count=6000, seed=11, end=END, events=6))
    events = list(scenario.generate(TruthWriter(path, scenario.run_record())))
    return events, read_truth(path), scenario


def _by_post(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    posts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        posts[f"{event['platform']}:{event['post_id']}"].append(event)
    return posts


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- determinism ----------------------------------------------------------------------------
def test_same_seed_gives_identical_events_ids_included() -> None:
    config = ScenarioConfig(count=400, seed=3, end=END)
    assert _events(config) == _events(config)


def test_different_seeds_give_disjoint_event_and_post_ids() -> None:
    first = _events(ScenarioConfig(count=400, seed=1, end=END))
    second = _events(ScenarioConfig(count=400, seed=2, end=END))
    assert not {e["event_id"] for e in first} & {e["event_id"] for e in second}
    assert not set(_by_post(first)) & set(_by_post(second))


def test_output_does_not_depend_on_the_process_hash_seed() -> None:
    code = ("import hashlib, json, sys; from datetime import datetime, UTC;"
            "from producers.scenario import Scenario, ScenarioConfig;"
            "s = Scenario(ScenarioConfig(count=300, seed=9, end=datetime(2025, 5, 1, tzinfo=UTC)));"
            "h = hashlib.sha256();"
            "[h.update(json.dumps(e, sort_keys=True).encode()) for e in s.generate()];"
            "print(h.hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, cwd=ROOT,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert len(digests) == 1


def test_event_ids_are_unique(run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    events, _, _ = run
    assert len({e["event_id"] for e in events}) == len(events)


# --- validity and coverage -------------------------------------------------------------------
def test_every_event_satisfies_the_contract(run: tuple[list[dict[str, Any]], Truth, Scenario]
                                            ) -> None:
    events, _, scenario = run
    for event in events:
        validate(event, now=NOW)
        assert scenario.start <= _ts(event["created_at"]) <= _ts(event["observed_at"]) <= END
        assert event["source"]["name"] == "pantau-scenario"


def test_every_platform_post_type_kind_and_sentiment_is_present(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    events, truth, _ = run
    assert {e["platform"] for e in events} == set(PLATFORMS)
    assert {e["post_type"] for e in events} == {"post", "reply", "repost", "quote", "comment"}
    for platform in PLATFORMS:
        types = {e["post_type"] for e in events if e["platform"] == platform}
        assert "post" in types and types & {"reply", "comment"}, platform
    assert {e["kind"] for e in truth.events} == {"positive_viral", "negative_issue"}
    assert {p["sentiment"] for p in truth.posts.values()} == {"positive", "neutral", "negative"}
    assert len({p["topic"] for p in truth.posts.values()}) == 8
    assert any(p["is_official"] for p in truth.posts.values())
    assert any(len(p["polres_ids"]) == 2 for p in truth.posts.values())
    assert any(not p["polres_ids"] for p in truth.posts.values())
    assert {e["lang"] for e in events} >= {"id", "en"}


def test_metrics_are_null_where_a_platform_has_none(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    events, _, _ = run
    for event in events:
        metrics = event["metrics"]
        if event["platform"] != "x":
            assert metrics["quotes"] is None, event
        if event["platform"] in ("instagram", "facebook", "news"):
            assert metrics["views"] is None, event
        if event["platform"] == "x":
            assert None not in metrics.values()


def test_mentions_and_hashtags_are_those_of_the_text(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    events, _, _ = run
    for event in events[:3000]:
        text = event["text"]
        assert all(f"@{m}" in text for m in event["mentions"])
        assert all(f"#{h}" in text for h in event["hashtags"])
        assert not any(m.startswith("@") for m in event["mentions"])
    assert entities("halo @polres_jaksel, cek #polresjaksel. @a.b.") == (
        ["polresjaksel"], ["polres_jaksel", "a.b"])


def test_scenario_names_over_60_precincts_across_15_polda(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    _, truth, _ = run
    named = {pid for p in truth.posts.values() for pid in p["polres_ids"]}
    polda = {p.polres_id: p.polda for p in load_polres()}
    assert len(named) >= 60
    assert len({polda[pid] for pid in named}) >= 15


# --- conversations and re-observation --------------------------------------------------------
def test_reobservations_keep_the_post_and_grow_its_metrics(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    events, _, _ = run
    stable = ("post_id", "created_at", "text", "author", "parent_post_id", "root_post_id", "url")
    repeated = 0
    for observations in _by_post(events).values():
        first = observations[0]
        for before, after in itertools.pairwise(observations):
            repeated += 1
            assert all(after[name] == first[name] for name in stable)
            assert after["event_id"] != before["event_id"]
            assert after["observed_at"] > before["observed_at"]
            for name, value in after["metrics"].items():
                old = before["metrics"][name]
                assert (value is None) == (old is None)
                assert value is None or value >= old
            likes = [o["metrics"]["likes"] for o in observations]
            if likes[0] is not None:
                assert likes == sorted(set(likes))  # strictly growing
    assert repeated > 1000
    assert max(len(o) for o in _by_post(events).values()) >= 4


def test_replies_quotes_and_reposts_point_to_earlier_posts_of_the_same_platform(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    events, _, _ = run
    created = {(e["platform"], e["post_id"]): e["created_at"] for e in events}
    for event in events:
        if event["post_type"] == "post":
            assert event["parent_post_id"] is None and event["root_post_id"] is None
            continue
        parent = (event["platform"], event["parent_post_id"])
        assert parent in created, event
        assert created[parent] <= event["created_at"]
        assert (event["platform"], event["root_post_id"]) in created
        if event["platform"] == "x" and event["post_type"] == "repost":
            assert event["text"].startswith("RT @")


def test_official_authors_use_their_precincts_real_seed_handles(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    events, truth, _ = run
    handles = {(platform, handle) for p in load_polres() for platform, handle in p.handles.items()}
    officials = [e for e in events if e["author"]["is_official"]]
    assert officials
    for event in officials:
        assert (event["platform"], event["author"]["handle"]) in handles
        assert truth.posts[f"{event['platform']}:{event['post_id']}"]["is_official"]


# --- ground truth ----------------------------------------------------------------------------
def test_ground_truth_lists_exactly_the_generated_posts(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    events, truth, scenario = run
    assert set(truth.posts) == set(_by_post(events))
    assert truth.summary == {"posts": 6000, "messages": len(events), "planted_events": 6,
                             "complete": True}
    assert truth.run["seed"] == 11 and truth.run["window_end"] == "2025-05-01T12:00:00Z"
    assert len(scenario.planted) == len(truth.events) == 6


def test_planted_precincts_are_named_in_text_mentions_or_hashtags(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    events, truth, _ = run
    forms = {p.polres_id: p for p in precincts()}
    seen: set[str] = set()
    for event in events:
        key = f"{event['platform']}:{event['post_id']}"
        if key in seen:
            continue
        seen.add(key)
        text = event["text"].lower()
        tags = {h.lower() for h in event["hashtags"]}
        mentions = {m.lower() for m in event["mentions"]}
        for polres_id in truth.posts[key]["polres_ids"]:
            precinct = forms[polres_id]
            assert (any(a in text for a in precinct.aliases)
                    or tags & {h.lower() for h in precinct.hashtags}
                    or mentions & {h.lower() for h in precinct.handles}), (polres_id, event)


def test_planted_events_rise_peak_and_end_inside_the_window(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    events, truth, scenario = run
    created = {f"{e['platform']}:{e['post_id']}": _ts(e["created_at"]) for e in events}
    for planted in truth.events:
        start, peak, end = (_ts(planted[k]) for k in ("start", "peak", "end"))
        assert scenario.start <= start <= peak <= end <= END
        assert len(planted["post_ids"]) == len(set(planted["post_ids"])) >= 8
        times = sorted(created[k] for k in planted["post_ids"])
        assert times[0] == start and times[-1] <= end
        for key in planted["post_ids"]:
            assert truth.posts[key]["event_key"] == planted["event_key"]
        # the curve rises then decays: more posts near the peak than in the last tenth
        span = (end - start) / 10
        near_peak = sum(abs(t - peak) <= span / 2 for t in times)
        last_tenth = sum(t >= end - span for t in times)
        assert near_peak >= last_tenth
        root = truth.posts[planted["post_ids"][0]]
        assert root["polres_ids"] == [planted["polres_id"]]
        expected = "positive" if planted["kind"] == "positive_viral" else "negative"
        sentiments = [truth.posts[k]["sentiment"] for k in planted["post_ids"]]
        assert sentiments.count(expected) > len(sentiments) / 2


def test_official_responses_come_after_the_planted_delay(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    events, truth, _ = run
    by_key = {f"{e['platform']}:{e['post_id']}": e for e in events}
    answered = [e for e in truth.events if e["official_response_post_id"]]
    assert answered
    for planted in truth.events:
        response = planted["official_response_post_id"]
        if response is None:
            assert planted["response_minutes"] is None
            continue
        post = by_key[response]
        assert post["author"]["is_official"]
        assert response in planted["post_ids"]
        delay = _ts(post["created_at"]) - _ts(planted["start"])
        assert delay == timedelta(minutes=planted["response_minutes"])
        low, high = truth.run["response_minutes"][planted["kind"]]
        assert low <= planted["response_minutes"] <= high
        assert _ts(post["created_at"]) <= END


def test_configured_delays_and_events_without_response() -> None:
    fixed = Scenario(ScenarioConfig(count=800, seed=4, end=END, events=3, no_response_share=0,
                                    response_minutes={"negative_issue": (90, 90),
                                                      "positive_viral": (30, 30)}))
    list(fixed.generate())
    for event in fixed.planted:
        assert event.response_minutes == (90 if event.kind == "negative_issue" else 30)
        assert event.response_post is not None
    silent = Scenario(ScenarioConfig(count=800, seed=4, end=END, events=3, no_response_share=1))
    events = list(silent.generate())
    assert all(e.response_post is None for e in silent.planted)
    assert not any(e["author"]["is_official"] for e in events
                   if any(f"{e['platform']}:{e['post_id']}" in p.post_ids
                          for p in silent.planted))


def test_an_interrupted_run_still_writes_its_planted_events(tmp_path: Path) -> None:
    scenario = Scenario(ScenarioConfig(count=500, seed=2, end=END))
    path = tmp_path / "truth.jsonl"
    stream = scenario.generate(TruthWriter(path, scenario.run_record()))
    for _ in range(100):
        next(stream)
    stream.close()
    truth = read_truth(path)
    assert truth.summary is not None and truth.summary["complete"] is False
    assert len(truth.events) == len(scenario.planted)
    assert 0 < len(truth.posts) < 500


# --- texts -------------------------------------------------------------------------------------
def test_texts_rarely_repeat() -> None:
    texts = {}
    for event in Scenario(ScenarioConfig(count=20_000, seed=21, end=END)).generate():
        texts[(event["platform"], event["post_id"])] = event["text"]
    share = len(set(texts.values())) / len(texts)
    assert share > 0.9, share


def test_every_template_slot_has_words() -> None:
    fixed = {"ref", "ref2", "name", "city", "summary"}
    templates = [t for theme in (*CITIZEN_THEMES, *TWO_PRECINCT_THEMES, *CHATTER_THEMES,
                                 *ENGLISH_THEMES, *OFFICIAL_THEMES, *NEWS_THEMES)
                 for t in theme.templates]
    templates += [t for story in (*NEGATIVE_STORIES, *POSITIVE_STORIES) for t in story.roots]
    templates += [compile_template(s.summary) for s in (*NEGATIVE_STORIES, *POSITIVE_STORIES)]
    for table in (REACTIONS, AFTERMATH, OFFICIAL_RESPONSES, NEWS_EVENT):
        templates += [t for group in table.values() for t in group]
    for template in templates:
        for _, slot in template:
            assert slot is None or slot in SLOTS or slot in fixed, slot


def test_texts_carry_slang_emoji_and_code_mixing(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    events, _, _ = run
    corpus = " ".join(e["text"].lower() for e in events[:5000])
    for marker in ("gak", "bgt", "yg", "wkwk", "no viral no justice", "damai di tempat",
                   "😡", "🙏", "respect", "pisan", "#", "@"):
        assert marker in corpus, marker


# --- options and properties -----------------------------------------------------------------
def test_invalid_options_are_refused_with_the_field_named() -> None:
    with pytest.raises(ValueError, match="event_share"):
        ScenarioConfig(event_share=1.5)
    with pytest.raises(ValueError, match="negative_issue"):
        ScenarioConfig(response_minutes={"negative_issue": (10, 5)})
    with pytest.raises(ValueError, match="days"):
        ScenarioConfig(days=0)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), count=st.integers(0, 250),
       days=st.floats(0.05, 10), events=st.one_of(st.none(), st.integers(0, 5)))
def test_any_small_scenario_is_valid_and_inside_its_window(seed: int, count: int, days: float,
                                                           events: int | None) -> None:
    scenario = Scenario(ScenarioConfig(count=count, seed=seed, days=days, end=END, events=events))
    produced = list(scenario.generate())
    posts = _by_post(produced)
    assert len(posts) == count
    for event in produced:
        validate(event, now=NOW)
        assert scenario.start <= _ts(event["created_at"]) <= _ts(event["observed_at"]) <= END
    for planted in scenario.planted:
        assert len(planted.post_ids) == planted.size
        assert planted.start <= planted.peak <= planted.end


def test_cli_options_build_the_config(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=None)
    scenario_cli.add_arguments(parser)
    args = parser.parse_args(["--scenario", "crisis", "--count", "500", "--seed", "7",
                              "--days", "2", "--end", "2025-05-01T12:00Z",
                              "--negative-response-minutes", "15-30",
                              "--no-response-share", "0.1", "--truth-dir", str(tmp_path)])
    config = scenario_cli.config_from_args(args)
    assert (config.count, config.seed, config.days, config.end) == (500, 7, 2.0, END)
    assert config.response_minutes["negative_issue"] == (15, 30)
    assert config.no_response_share == 0.1 and config.negative_share == 0.85
    path = scenario_cli.truth_path(tmp_path, Scenario(config))
    assert path.name == "scenario-20250501T1200Z-seed7-n500.jsonl"
    with pytest.raises(SystemExit):
        parser.parse_args(["--negative-response-minutes", "30-10"])
    assert parser.parse_args([]).scenario is None


def test_truth_lines_are_json_with_a_record_kind(tmp_path: Path) -> None:
    scenario = Scenario(ScenarioConfig(count=200, seed=1, end=END))
    path = tmp_path / "t.jsonl"
    list(scenario.generate(TruthWriter(path, scenario.run_record())))
    kinds = [json.loads(line)["record"] for line in path.read_text().splitlines()]
    assert kinds[0] == "run" and kinds[-1] == "summary"
    assert set(kinds) == {"run", "post", "event", "summary"}
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    again = tmp_path / "again.jsonl"
    list(Scenario(ScenarioConfig(count=200, seed=1, end=END)).generate(
        TruthWriter(again, scenario.run_record())))
    assert hashlib.sha256(again.read_bytes()).hexdigest() == digest


def test_serialised_events_are_what_json_dumps_writes(
        run: tuple[list[dict[str, Any]], Truth, Scenario]) -> None:
    from producers.publisher import serialize

    events, _, _ = run
    for event in events[:3000]:
        assert serialize(event) == json.dumps(
            event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tricky = {"a": ['"q"\\ \n\t\x00 é 😡 \u2028', 1.5, -0.0, None, True], "b": {"c": []}}
    assert serialize(tricky) == json.dumps(
        tricky, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with pytest.raises(TypeError):
        serialize({"x": object()})
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(RecursionError):
        serialize({"x": loop})
    assert serialize({"x": [1]}) == b'{"x":[1]}'  # nothing left over from the failures


def test_truth_post_lines_are_what_json_dumps_writes(tmp_path: Path) -> None:
    path = tmp_path / "truth.jsonl"
    posts = [
        dict(key="x:1", sentiment="negative", topic="lainnya", polres_ids=[], event_key=None,
             is_official=False, created_at="2025-05-01T00:00:00Z"),
        dict(key='news:a"1\\é', sentiment="positive", topic="bencana",
             polres_ids=["p1", "p😀2"], event_key="e\n1", is_official=True,
             created_at="2025-05-01T00:00:59Z"),
    ]
    with TruthWriter(path, {"seed": 1}) as writer:
        for post in posts:
            writer.post(**post)  # type: ignore[arg-type]
    lines = path.read_text(encoding="utf-8").splitlines()[1:3]
    for line, post in zip(lines, posts, strict=True):
        expected = {"record": "post", "post": post.pop("key"), **post}
        assert line == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))


def test_serialized_messages_are_the_generated_events_keyed_and_serialised(
        tmp_path: Path) -> None:
    from pantau.contract import message_key
    from producers.publisher import serialize

    config = ScenarioConfig(count=3000, seed=13, end=END, events=4)
    dicts, spliced = Scenario(config), Scenario(config)
    events = dicts.generate(TruthWriter(tmp_path / "a.jsonl", dicts.run_record()))
    messages = spliced.serialized(TruthWriter(tmp_path / "b.jsonl", spliced.run_record()))
    for event, (key, value) in zip(events, messages, strict=True):
        assert key == message_key(event)
        assert value == serialize(event)
    assert dicts.messages == spliced.messages > 3000
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


_json_text = st.text(st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=60, deadline=None)
@given(text=_json_text, handle=_json_text.filter(bool), url=st.one_of(st.none(), _json_text),
       parent=st.one_of(st.none(), _json_text), lang=st.one_of(st.none(), _json_text),
       tags=st.lists(_json_text, max_size=3),
       metrics=st.tuples(*[st.one_of(st.none(), st.integers(0, 10**12))] * 5))
def test_spliced_fragments_equal_json_dumps_for_any_strings(
        text: str, handle: str, url: str | None, parent: str | None, lang: str | None,
        tags: list[str], metrics: tuple[int | None, ...]) -> None:
    from producers.publisher import serialize
    from producers.scenario.generator import SOURCE
    from producers.scenario.wire import PostEncoder, observation

    author = {"id": "1", "handle": handle, "display_name": None, "followers": 3,
              "verified": False, "is_official": False}
    event = {"schema_version": 1, "event_id": "e-1", "platform": "x", "post_id": handle,
             "url": url, "post_type": "reply", "parent_post_id": parent, "root_post_id": parent,
             "author": author, "text": text, "lang": lang, "created_at": "2025-05-01T00:00:00Z",
             "observed_at": "2025-05-01T00:01:00Z",
             "metrics": dict(zip(("likes", "replies", "shares", "quotes", "views"), metrics,
                                 strict=True)),
             "hashtags": tags, "mentions": tags[::-1], "media_urls": [], "source": SOURCE}
    middle, tail = PostEncoder(SOURCE).fragments(
        "x", handle, url, "reply", parent, parent, author, text, lang, "2025-05-01T00:00:00Z",
        tags, tags[::-1], [])
    assert observation(middle, tail, "e-1", "2025-05-01T00:01:00Z", *metrics) == serialize(event)
