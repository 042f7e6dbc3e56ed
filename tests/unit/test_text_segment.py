"""Splitting run-together hashtags and words: a general rule, measured on compounds that appear
nowhere in the code, lexicons or seeds (tests/fixtures/text/compounds.tsv, written by hand)."""

from __future__ import annotations

import csv

import pytest

from pantau.settings import PROJECT_DIR
from pantau.transform.text.normalize import normalize
from pantau.transform.text.segment import is_word, segment, split_word

COMPOUNDS = PROJECT_DIR / "tests" / "fixtures" / "text" / "compounds.tsv"
#: Where the rule's vocabulary could hide a compound: code, lexicons, word counts and seeds.
SEARCHED = ("pantau", "producers", "dbt_project", "expectations", "dags")


def _compounds() -> list[dict[str, str]]:
    with COMPOUNDS.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream, delimiter="\t"))


def test_the_compounds_appear_nowhere_in_the_code_lexicons_or_seeds() -> None:
    rows = _compounds()
    assert len(rows) >= 50
    texts = []
    for folder in SEARCHED:
        for path in (PROJECT_DIR / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".tsv", ".csv", ".sql", ".yml", ".jsonl",
                                                  ".json", ".md", ".txt"}:
                texts.append(path.read_text(encoding="utf-8", errors="replace").lower())
    corpus = "\n".join(texts)
    found = [row["compound"] for row in rows if row["compound"].lower() in corpus]
    assert not found, f"these compounds are written in the code or data the rule reads: {found}"


def test_at_least_nine_in_ten_unseen_compounds_segment_correctly() -> None:
    rows = _compounds()
    wrong = [(row["compound"], " ".join(segment(row["compound"])), row["segmented"])
             for row in rows if " ".join(segment(row["compound"])) != row["segmented"]]
    share = 1 - len(wrong) / len(rows)
    print(f"segmentation: {len(rows) - len(wrong)}/{len(rows)} = {share:.3f}; wrong: {wrong}")
    assert share >= 0.9, wrong


@pytest.mark.parametrize(("token", "words"), [
    ("percumalaporpolisi", ["percuma", "lapor", "polisi"]),
    ("NoViralNoJustice", ["no", "viral", "no", "justice"]),
    ("POLDAMETROJAYA", ["polda", "metro", "jaya"]),
    ("stop_pungli_2024", ["stop", "pungli", "2024"]),
    ("polisi", ["polisi"]),  # a known word is never split
    ("", []),
])
def test_examples(token: str, words: list[str]) -> None:
    assert segment(token) == words


def test_normalisation_splits_hashtags_the_same_way() -> None:
    # then slang applies word by word ("no" reads as "tidak")
    assert normalize("#percumalaporpolisi #NoViralNoJustice") == \
        "percuma lapor polisi tidak viral tidak justice"


def test_a_run_longer_than_any_hashtag_is_kept_whole_and_not_cached() -> None:
    from pantau.transform.text.segment import MAX_COMPOUND, _segment_lower

    before = _segment_lower.cache_info().currsize
    long = "percumalaporpolisi" * 20
    assert len(long) > MAX_COMPOUND and segment(long) == [long]
    assert _segment_lower.cache_info().currsize == before


@pytest.mark.parametrize("token", ["a" * 5000, "🙂" * 50, "__--..", "x1y2z3" * 100])
def test_hostile_tokens_do_not_break_it(token: str) -> None:
    words = segment(token)
    assert "".join(words) == "".join(c for c in token.lower() if c.isascii() and c.isalnum())


@pytest.mark.parametrize("word", [
    # formal derived words, known through their root (the word counts never saw them)
    "penangkapan", "pembunuhan", "transparansi", "investigasi", "relawan", "syukuran",
    # police words of the domain list
    "kapolsek", "satreskrim",
    # spoken forms: nasal prefixes, -in, a final e for a
    "ngurangin", "nyangka", "nenangin", "ditemuin", "tangkep", "nilang", "pantes",
])
def test_a_word_in_its_own_right_is_not_split_in_running_text(word: str) -> None:
    assert is_word(word)
    assert split_word(word) == [word]
    assert normalize(f"makasih pak, {word} ya").split().count(word) == 1


@pytest.mark.parametrize(("token", "words"), [
    ("percumalaporpolisi", ["percuma", "lapor", "polisi"]),
    ("poldametrojaya", ["polda", "metro", "jaya"]),
    ("usuttuntas", ["usut", "tuntas"]),
])
def test_run_together_words_of_known_pieces_are_still_split(token: str, words: list[str]) -> None:
    assert not is_word(token)
    assert split_word(token) == words


@pytest.mark.parametrize("token", ["nya" * 30, "ng" + "a" * 200, "di" + "kan" * 40, "m" * 25])
def test_hostile_tokens_are_answered_quickly_and_whole(token: str) -> None:
    assert split_word(token) == [token]
