"""The near-duplicate functions of campaign detection on hostile copies: look-alike letters,
zero-width and direction characters, full-width forms, emoji, spacing, case, very long texts."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import duckdb

from pantau.transform.text.neardup import (
    BANDS,
    jaccard,
    lookalike_count,
    minhash_bands,
    skeleton,
    skeleton_words,
)
from producers.scenario import Scenario, ScenarioConfig
from producers.scenario.campaigns import variant

TEXT = ("terima kasih polres bogor atas pelayanan yang cepat, ramah dan humanis. polisi hadir "
        "di tengah masyarakat, kami warga merasa aman")
CYRILLIC = str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440",
                          "c": "\u0441", "i": "\u0456"})
GREEK = str.maketrans({"o": "\u03bf", "i": "\u03b9", "k": "\u03ba", "p": "\u03c1"})


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_hostile_copies_have_the_skeleton_of_the_original() -> None:
    plain = skeleton(TEXT)
    assert plain.startswith("terima kasih polres bogor atas pelayanan")
    copies = {
        "cyrillic": TEXT.translate(CYRILLIC),
        "greek": TEXT.translate(GREEK),
        "capital look-alikes": TEXT.upper().translate(str.maketrans(
            {"A": "\u0410", "O": "\u041e", "T": "\u0422", "K": "\u039a", "I": "\u0399"})),
        "full-width": _fullwidth(TEXT),
        "zero-width": "\u200b".join(TEXT[:40]) + "\u200d" + TEXT[40:].replace("a", "a\u2060"),
        "direction marks": "\u202e" + TEXT.replace(" ", " \u200f") + "\u202c\ufeff",
        "emoji and spacing": TEXT.replace(" ", "   ").replace(",", ",\n\n") + " 🙏🙏👏🏽🇮🇩",
        "casing": TEXT.title(),
        "accents": TEXT.replace("a", "\u00e1").replace("e", "e\u0301"),
        "mentions, hashtags, URLs": f"@buzzer_01 {TEXT} #PolriPresisi https://t.co/abc",
    }
    for name, copy in copies.items():
        assert skeleton(copy) == plain, name


def test_look_alikes_are_counted_and_plain_or_foreign_texts_are_not() -> None:
    assert lookalike_count(TEXT) == 0
    assert lookalike_count(TEXT.translate(CYRILLIC)) > 10
    assert lookalike_count("po\u200blisi") == 1
    assert lookalike_count(_fullwidth("polisi")) == 6
    # a text wholly in another script, and emoji, hide nothing
    assert lookalike_count("\u043f\u043e\u043b\u0438\u0446\u0438\u044f \u0445\u043e\u0440\u043e"
                           "\u0448\u043e 🙏") == 0
    assert lookalike_count(None) == lookalike_count("") == 0


def test_a_word_swapped_stays_similar_and_other_texts_do_not() -> None:
    words = skeleton_words(TEXT)
    swapped = skeleton_words(TEXT.replace("cepat", "gercep"))
    dropped = skeleton_words(TEXT.replace(" ramah", ""))
    other = skeleton_words("oknum polres bogor minta 50rb buat damai di tempat pas razia, "
                           "tolong viralin")
    assert jaccard(words, swapped) >= 0.85 and jaccard(words, dropped) >= 0.9
    assert jaccard(words, other) < 0.2
    assert len(minhash_bands(words)) == BANDS
    assert minhash_bands(words) == minhash_bands(skeleton_words(TEXT.translate(CYRILLIC)))
    shared = set(minhash_bands(words)) & set(minhash_bands(swapped))
    assert shared and not set(minhash_bands(words)) & set(minhash_bands(other))
    assert minhash_bands([]) == []


def test_empty_null_and_very_long_texts() -> None:
    assert skeleton(None) == skeleton("") == skeleton("🙏🙏 @a #b https://x.co") == ""
    long = ("polisi " * 200_000) + "\u200b" * 100_000
    assert skeleton_words(long) == ["polisi"]  # cut to the first characters, no error
    assert lookalike_count(long) == 0
    assert skeleton("mantulll bgt!!!") == "mantul bgt"


def test_the_scenario_variants_of_a_campaign_text_stay_near_identical() -> None:
    rng = random.Random(4)
    base = skeleton_words(TEXT)
    copies = [variant(rng, TEXT, "praise", "polres bogor", rng.random() < 0.5)
              for _ in range(200)]
    assert len(set(copies)) > 150  # copy-paste with variations, rarely byte-identical
    similar = [jaccard(base, skeleton_words(copy)) for copy in copies]
    assert min(similar) >= 0.75
    assert all("polres bogor" in copy for copy in copies)  # the reference is never altered


def test_sql_functions_give_the_same_answers() -> None:
    from pantau.transform.text.sql import register

    con = duckdb.connect()
    register(con)
    hostile = TEXT.translate(CYRILLIC)
    row = con.execute("select campaign_words(?), campaign_bands(campaign_words(?)), "
                      "lookalike_count(?), campaign_words(null)",
                      [hostile, hostile, hostile]).fetchone()
    assert row == (skeleton_words(TEXT), minhash_bands(skeleton_words(TEXT)),
                   lookalike_count(hostile), None)


def test_campaigns_are_an_option_with_ground_truth_and_dated_accounts() -> None:
    end = datetime(2025, 5, 1, 12, tzinfo=UTC)
    plain = list(Scenario(ScenarioConfig(count=400, seed=3, end=end)).generate())
    assert not any("created_at" in event["author"] for event in plain)
    scenario = Scenario(ScenarioConfig(count=400, seed=3, end=end, campaigns=4))
    events = list(scenario.generate())
    assert len({e["post_id"] for e in events}) > len({e["post_id"] for e in plain})
    for event in events:  # only the platforms that expose it give the account's age
        assert ("created_at" in event["author"]) == (event["platform"] in ("x", "youtube"))
    assert [c.direction for c in scenario.campaigns] == ["praise", "attack"] * 2
    by_key = {f"{e['platform']}:{e['post_id']}": e for e in events}
    for campaign in scenario.campaigns:
        copies = [by_key[key] for key in campaign.post_ids]
        assert len({e["author"]["id"] for e in copies}) == len(campaign.accounts) >= 6
        words = [skeleton_words(e["text"]) for e in copies]
        assert all(jaccard(words[0], other) >= 0.6 for other in words)
        if campaign.platform == "x":
            buzzers = [e for e in copies[1:]]
            assert all(e["author"]["followers"] <= 150 for e in buzzers)
            assert all(e["author"]["created_at"] > "2025-01" for e in buzzers)
