"""Normalisation of colloquial Indonesian: slang, elongation, hashtags, emoji, URLs, mentions."""

from __future__ import annotations

import pytest

from pantau.transform.text import lexicon
from pantau.transform.text.normalize import normalize, normalize_batch, normalize_token


@pytest.mark.parametrize(("raw", "expected"), [
    ("gak", "tidak"), ("ga", "tidak"), ("nggak", "tidak"), ("enggak", "tidak"), ("tdk", "tidak"),
    ("bgt", "banget"), ("yg", "yang"), ("udh", "sudah"), ("krn", "karena"), ("makasih", "terima kasih"),
    ("gapapa", "tidak apa apa"), ("ditanggepin", "ditanggapi"),
])
def test_slang_dictionary_maps_colloquial_forms(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_slang_dictionary_has_no_duplicate_or_identity_entries() -> None:
    keys = [line.split("\t")[0] for line in
            (lexicon.LEXICON_DIR / "slang.tsv").read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    assert len(keys) == len(set(keys))
    assert all(key != value for key, value in lexicon.slang().items())


@pytest.mark.parametrize(("raw", "expected"), [
    ("bangeeettt", "banget"), ("mantappp", "mantap"), ("kerennnn", "keren"), ("gaaakkk", "tidak"),
    ("maaf", "maaf"),  # a real double letter stays
])
def test_elongated_words_are_squeezed(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("#PercumaLaporPolisi", "percuma lapor polisi"),
    ("#percumalaporpolisi", "percuma lapor polisi"),
    ("#SaveWargaBogor", "save warga bogor"),
    ("#xyzqwv", "xyzqwv"),  # no split possible: kept whole
])
def test_hashtags_are_split_into_words(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_emoji_become_words_and_modifiers_are_ignored() -> None:
    assert normalize("😡") == "marah"
    assert normalize("keren👏🏽") == "keren salut"
    assert normalize("❤️❤️") == "cinta cinta"


def test_urls_mentions_and_punctuation_are_dropped() -> None:
    text = "Cek https://t.co/abc www.polri.go.id @polres_jaksel!!! (info) ..."
    assert normalize(text) == "cek info"


def test_reduplication_and_nya_are_spelled_out() -> None:
    assert normalize("hati2") == "hati hati"
    assert normalize("bagusnya") == "bagus nya"
    assert normalize("hanya") == "hanya"  # not a known word + nya


def test_mixed_indonesian_english_is_mapped() -> None:
    assert normalize("Thanks pak, very helpful") == "terima kasih bapak sangat membantu"


def test_batch_and_scalar_paths_agree_and_keep_nulls_as_empty() -> None:
    texts = ["Gak bgt dah!!! #PercumaLaporPolisi 😡 https://t.co/x", None, "", "  spasi   banyak  "]
    assert normalize_batch(texts).to_pylist() == [normalize(t) for t in texts]
    assert normalize_token("@someone") == ""
