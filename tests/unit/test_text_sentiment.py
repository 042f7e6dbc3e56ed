"""Sentiment: the hard cases of the issue, the police lexicon, and the batch/scalar contract."""

from __future__ import annotations

import numpy as np
import pytest

from pantau.transform.text import lexicon
from pantau.transform.text.features import Words, find_terms
from pantau.transform.text.normalize import tokenize_batch
from pantau.transform.text.sentiment import sentiment, sentiment_batch, sentiment_label, sentiment_score


def _term_values(text: str) -> dict[str, float]:
    hits = find_terms(Words(*tokenize_batch([text])))
    return dict(zip(hits.term, hits.value.tolist(), strict=True))


def test_negation_flips_a_term_and_halves_a_flipped_negative() -> None:
    assert _term_values("tidak bagus")["bagus"] < 0
    assert 0 < _term_values("tidak buruk")["buruk"] < 2.5
    assert _term_values("gak jelek kok")["jelek"] > 0  # slang negator


def test_bukan_main_is_an_intensifier_not_a_negation() -> None:
    assert _term_values("bukan main bagusnya")["bagus"] > _term_values("bagusnya")["bagus"] > 0


def test_intensifiers_before_and_after_strengthen_a_term() -> None:
    plain = _term_values("bagus")["bagus"]
    assert _term_values("sangat bagus")["bagus"] > plain
    assert _term_values("bagus bgt")["bagus"] > plain
    assert _term_values("agak bagus")["bagus"] < plain


def test_phrases_win_over_their_words() -> None:
    values = _term_values("oknum minta damai di tempat")
    assert "damai di tempat" in values and "damai" not in values


@pytest.mark.parametrize("text", ["tidak buruk", "bukan main bagusnya", "bagus banget", "mantul pak 👍"])
def test_hard_positive_cases(text: str) -> None:
    result = sentiment(text)
    assert result.label == "positive", result
    assert result.score > 0


@pytest.mark.parametrize("text", ["tidak bagus", "sangat buruk", "pelayanannya lelet bgt, kecewa",
                                  "😡😡😡", "worst service ever, petugasnya jutek"])
def test_hard_negative_cases(text: str) -> None:
    result = sentiment(text)
    assert result.label == "negative", result
    assert result.score < 0


def test_intensifier_moves_the_score_further() -> None:
    assert sentiment_score("sangat bagus") > sentiment_score("agak bagus")


@pytest.mark.parametrize(("text", "label"), [
    ("👏👏🙏", "positive"), ("❤️", "positive"), ("😡", "negative"), ("😭😭", "negative"),
])
def test_emoji_only_posts(text: str, label: str) -> None:
    assert sentiment_label(text) == label


@pytest.mark.parametrize(("text", "label"), [
    ("oknum polisi minta damai di tempat pas tilang", "negative"),
    ("laporan diabaikan, no viral no justice", "negative"),
    ("percuma lapor, kasus sy mangkrak #PercumaLaporPolisi", "negative"),
    ("ada pungli di pos depan", "negative"),
    ("polres sigap dan humanis, salut", "positive"),
    ("bakti sosial polres bagi sembako ke warga, mantap", "positive"),
    ("ada razia di depan polres pagi ini", "neutral"),
])
def test_police_domain_posts(text: str, label: str) -> None:
    assert sentiment_label(text) == label, sentiment(text)


def test_police_lexicon_file_is_reviewed_and_well_formed() -> None:
    terms = {t.text: t for t in lexicon.police_terms()}
    for required in ("tilang", "pungli", "damai di tempat", "laporan diabaikan", "sigap", "humanis",
                     "bakti sosial", "viral", "no viral no justice"):
        assert required in terms, required
    assert all(-3 <= t.weight <= 3 and t.note for t in terms.values())
    assert terms["viral"].weight == 0  # spreading is not a judgement by itself
    assert terms["pungli"].weight < 0 < terms["humanis"].weight


SARCASM = "mantap pak, laporan saya diabaikan 3 bulan 👏"


def test_sarcasm_explanation_shows_both_the_praise_and_the_complaint() -> None:
    terms = {c.term for c in sentiment(SARCASM).explanation}
    assert {"mantap", "diabaikan"} <= terms


#: sarcasm with no complaint word at all: only the world knowledge that a year is too long
SARCASM_LITERAL = ("hebat sekali pak polisi, motor saya yang hilang ketemu lima tahun kemudian. "
                   "terima kasih banyak")


def test_sarcasm_with_a_complaint_word_reads_negative() -> None:
    """The police posts taught the model that praise around "diabaikan" is a complaint."""
    assert sentiment_label(SARCASM) == "negative"


@pytest.mark.xfail(strict=True, reason="known limit: sarcasm is often read literally (docs/text.md)")
def test_sarcasm_is_a_known_limit() -> None:
    """A human reads this as negative; the praise words win. Strict: fixing it flags this test."""
    assert sentiment_label(SARCASM_LITERAL) == "negative"


def test_explanation_lists_the_terms_that_moved_the_score() -> None:
    result = sentiment("pelayanan lambat dan petugasnya kasar")
    assert result.explanation
    effects = {c.term: c.effect for c in result.explanation}
    assert any(effect < 0 for effect in effects.values())
    assert all(isinstance(c.effect, float) for c in result.explanation)
    assert abs(sum(result.probabilities.values()) - 1) < 1e-3


def test_empty_and_unknown_posts_are_neutral_with_zero_score() -> None:
    batch = sentiment_batch([None, "", "https://t.co/x @polres_jaksel"])
    assert batch.labels == ["neutral"] * 3
    assert np.all(batch.scores == 0)


def test_batch_and_scalar_agree_and_scores_stay_in_range() -> None:
    texts = ["tidak buruk", "parah bgt", "info jalan ditutup", "keren 👏", None] * 20
    batch = sentiment_batch(texts)
    assert batch.labels[:5] == [sentiment_label(t) for t in texts[:5]]
    assert np.allclose(batch.scores[:5], [sentiment_score(t) for t in texts[:5]])
    assert np.all((batch.scores >= -1) & (batch.scores <= 1))


@pytest.mark.parametrize(("text", "term", "label"), [
    ("noviralnojustice", "tidak viral tidak justice", "negative"),
    ("#NoViralNoJustice", "tidak viral tidak justice", "negative"),
    ("percumalaporpolisi", "percuma lapor polisi", "negative"),
    ("terimakasih pak polisi", "terima kasih bapak polisi", "positive"),
])
def test_a_lexicon_term_written_with_slang_matches_its_normalised_post(text, term, label) -> None:  # type: ignore[no-untyped-def]
    # the lexicon is written as people write ("no viral no justice", "pak polisi"); posts are
    # matched after normalisation, so the terms are normalised too
    found = sentiment(text)
    assert term in [c.term for c in found.explanation if c.source == "police"]
    assert found.label == label
