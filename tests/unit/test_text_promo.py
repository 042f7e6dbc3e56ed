"""Ads and spam riding a police hashtag are neutral and `lainnya` (guideline rule 3), in the batch
and the scalar paths and through SQL; police news about gambling, loans or scams is not an ad."""

from __future__ import annotations

import duckdb
import pytest

from pantau.transform.text import lexicon
from pantau.transform.text.features import Words
from pantau.transform.text.normalize import normalize, tokenize_batch
from pantau.transform.text.promo import promo_posts
from pantau.transform.text.sentiment import sentiment, sentiment_batch
from pantau.transform.text.sql import register
from pantau.transform.text.topic import topic_batch

# written for this test in the way such posts read; none is copied from a real export
ADS = [
    "GIVEAWAY 🎁 500rb buat 3 orang! follow + RT + tag temen #PercumaLaporPolisi #NoViralNoJustice",
    "SLOT GACOR malam ini, maxwin terus 🔥🔥 daftar lewat link di bio #PolisiPunyaSiapa",
    "Biro jasa SIM & SKCK kilat area Depok, dijamin beres sehari 📲 #PolresMetroDepok",
    "pinjol cair 10 menit tanpa BI checking, limit 15 juta 💸 #PoldaMetroJaya #UsutTuntas",
    "Ready stock kaos polisi anak2 lucu bgt, bisa COD 📦 #HUTBhayangkara",
    "follback ya kak, aku follow for follow 🥰 #percumalaporpolisi",
]
NOT_ADS = [
    "Polda Metro Jaya tangkap selebgram yang promosikan judi online, terancam 10 tahun",
    "Polres Bogor ungkap investasi bodong, kerugian korban capai 3 miliar",
    "udah 3 bulan laporan gak ada kabar percumalaporpolisi",
    "hati2 akun palsu ngaku polisi minta transfer, jangan klik link sembarangan",
    "Polri blokir 2.000 situs judi slot sepanjang bulan ini",
]


def test_a_review_with_a_discount_is_not_an_ad() -> None:
    """Only a post about the police can be an ad riding a police hashtag."""
    review = "makanan enak, harga murah meriah, ada diskon buat pelajar"
    assert _promo([review]) == [False]
    assert sentiment(review).label == "positive"


def _promo(texts: list[str]) -> list[bool]:
    return promo_posts(Words(*tokenize_batch(texts))).tolist()


def test_ads_and_spam_are_found_and_police_news_about_them_is_not() -> None:
    assert _promo(ADS) == [True] * len(ADS)
    assert _promo(NOT_ADS) == [False] * len(NOT_ADS)


def test_an_ad_is_neutral_with_score_zero_whatever_its_hashtag() -> None:
    batch = sentiment_batch(ADS)
    assert batch.labels == ["neutral"] * len(ADS)
    assert batch.scores.tolist() == [0.0] * len(ADS)
    # the same complaint without the ad is still negative: the rule is the ad, not the hashtag
    assert sentiment_batch(["#PercumaLaporPolisi laporan 3 bulan ga ada kabar"]).labels == ["negative"]


def test_the_scalar_path_agrees_and_names_the_term() -> None:
    one = sentiment(ADS[0])
    assert (one.label, one.score) == ("neutral", 0.0)
    assert [(c.term, c.source) for c in one.explanation] == [("giveaway", "promo")]


def test_an_ad_is_lainnya() -> None:
    assert topic_batch(ADS) == ["lainnya"] * len(ADS)
    assert "lainnya" not in topic_batch(NOT_ADS[:2])  # police news about gambling and scams


def test_every_term_is_at_most_four_normalised_words() -> None:
    for term in lexicon.promo_terms():
        assert 1 <= len(normalize(term).split()) <= 4, term


@pytest.mark.parametrize(("text", "is_ad"), [
    ("giveaway polisi " * 12_000, True),  # 192,000 characters
    ("promo\x00\x00 #PercumaLaporPolisi", True),
    ("\u202egiveaway\u202c slot gacor #polri", True),
    ("\uff47\uff49\uff56\uff45\uff41\uff57\uff41\uff59 #PoldaJabar", True),  # full-width
    ("\U0001d42c\U0001d425\U0001d428\U0001d42d \U0001d420\U0001d41a\U0001d41c\U0001d428"
     "\U0001d42b #polri", True),  # mathematical bold "slot gacor"
    ("'; drop table posts; -- giveaway #PoldaJabar", True),
    ("'; drop table posts; -- giveaway", False),  # no police word: not riding a police hashtag
])
def test_hostile_texts_do_not_break_the_rule_through_sql(text: str, is_ad: bool) -> None:
    con = duckdb.connect()
    register(con)
    label, score, found = con.execute(
        "select sentiment_label(t), sentiment_score(t), topic(t) from (select ? as t)",
        [text]).fetchone()  # type: ignore[misc]
    assert label in ("positive", "neutral", "negative") and -1.0 <= score <= 1.0
    assert isinstance(found, str)
    assert _promo([text]) == [is_ad]
    if is_ad:
        assert (label, score, found) == ("neutral", 0.0, "lainnya")
