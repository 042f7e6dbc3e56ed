"""Unit resolution (Polres, Polda, Polri): names, aliases, handles, hashtags, run-together words,
and no false matches on near-misses."""

from __future__ import annotations

import json

import pytest

from pantau.transform.text.evaluate import POLRES_SET, evaluate_polres
from pantau.transform.text.units import (
    Units,
    load_index,
    names_polri,
    resolve_polda,
    resolve_units,
    resolve_units_batch,
)
from pantau.transform.text.units import resolve_polres as resolve
from pantau.transform.text.units import resolve_polres_batch as resolve_batch


@pytest.mark.parametrize(("text", "expected"), [
    ("Makasih @polres_jaksel!", ["polres_metro_jakarta_selatan"]),
    ("#PolresJaksel mantap", ["polres_metro_jakarta_selatan"]),
    ("POLRES METRO JAKARTA SELATAN gercep", ["polres_metro_jakarta_selatan"]),
    ("kapolres garut turun langsung", ["polres_garut"]),
    ("mapolresta bandara soekarno-hatta dijaga", ["polresta_bandara_soekarno_hatta"]),
    ("Polrestabes Surabaya & Polres Gresik", ["polres_gresik", "polrestabes_surabaya"]),
])
def test_names_aliases_handles_and_hashtags_resolve(text: str, expected: list[str]) -> None:
    assert resolve(text) == expected


@pytest.mark.parametrize("text", [
    "Polda Metro Jaya turun tangan",  # a Polda is not a Polres
    "warga bogor resah",  # a bare city is ambiguous
    "macet di surabaya",
    "anggota polsek tambora sigap",  # a Polsek is not a Polres
    "Polres Sleman",  # only Polresta Sleman exists
    "polres bogor kota?",  # not an alias: Polres Bogor or Polresta Bogor Kota?
    "@polres_jaksel_fake akun palsu",
    "pernah lapor ke polres, ga ditanggepin",
])
def test_near_misses_do_not_match(text: str) -> None:
    assert resolve(text) == []


def test_polres_and_polresta_of_the_same_city_stay_apart() -> None:
    assert resolve("Polresta Bogor") == ["polresta_bogor_kota"]
    assert resolve("Polres Bogor") == ["polres_bogor"]
    assert resolve("Polrestabes Bandung dan Polresta Bandung") == ["polresta_bandung", "polrestabes_bandung"]


def test_batch_matches_scalar_and_handles_nulls() -> None:
    texts = ["@polres_jaksel", None, "", "warga bogor", "polres gresik"]
    assert resolve_batch(texts) == [resolve(t) for t in texts]


def test_labelled_set_is_large_varied_and_meets_precision_and_recall() -> None:
    rows = [json.loads(line) for line in POLRES_SET.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 300
    cases = {row["case"] for row in rows}
    assert {"one", "two", "none", "near_miss_polda", "near_miss_city", "polres_vs_polresta"} <= cases
    assert sum(1 for row in rows if not row["polres_ids"]) >= 60
    report = evaluate_polres()
    assert report.precision >= 0.98, report.render()
    assert report.recall >= 0.95, report.render()


@pytest.mark.parametrize(("text", "polda"), [
    ("Polda Metro Jaya turun tangan", ["polda_metro_jaya"]),
    ("@TMCPoldaMetro macet parah di tol", ["polda_metro_jaya"]),
    ("POLDAMETROJAYA tolong usut", ["polda_metro_jaya"]),
    ("kapolda jatim wajib turun", ["polda_jawa_timur"]),
    ("#PoldaSumut lambat", ["polda_sumatera_utara"]),
    ("polda jabar & polda jateng kompak", ["polda_jawa_barat", "polda_jawa_tengah"]),
    ("Polda DIY, polda jogja sama aja", ["polda_di_yogyakarta"]),
])
def test_polda_by_name_alias_handle_hashtag_and_run_together(text: str, polda: list[str]) -> None:
    assert resolve_polda(text) == polda


@pytest.mark.parametrize("text", [
    "@poldajatim_fans lucu bgt",  # an unknown handle is never guessed
    "@infopolda_metro katanya",
    "kapan ke jakarta lagi",  # a province or city alone names no Polda
    "di polda aja lapornya",  # the word alone names no Polda
])
def test_polda_near_misses_and_unknown_handles_name_nothing(text: str) -> None:
    assert resolve_polda(text) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("#PercumaLaporPolisi", True),
    ("percumalaporpolisi", True),
    ("NOVIRALNOJUSTICE", True),
    ("no viral no justice emang", True),
    ("polisi jaman skrg gitu", True),
    ("aparat represif lagi", True),
    ("RT @DivHumas_Polri: klarifikasi", True),
    ("kapolri harus tegas", True),
    ("polisinya galak", True),
    ("awas ada polisi tidur", False),
    ("satpol pp alias polisi pamong praja", False),
    ("polisi hutan tangkap pembalak", False),
    ("aparat desa nyebelin", False),
    ("polisi jepang sopan banget", False),
    ("makan siang dulu", False),
])
def test_the_police_as_an_institution(text: str, expected: bool) -> None:
    assert names_polri(text) is expected


def test_a_polda_and_an_unrelated_polres_are_both_listed() -> None:
    found = resolve_units("Polda Metro Jaya & Polres Gresik sama aja")
    assert found == Units(["polres_gresik"], ["polda_metro_jaya"], False)


def test_urls_name_nothing() -> None:
    assert resolve_units("cek https://x.com/poldametrojaya/status/1 dan www.polri.go.id") == Units(
        [], [], False)


def test_units_batch_matches_scalar() -> None:
    texts = ["@TMCPoldaMetro", None, "", "polisi tidur", "polres gresik & kapolri",
             "#PoldaJatim #PolresJaksel #PercumaLaporPolisi"]
    assert resolve_units_batch(texts) == [resolve_units(t) for t in texts]


def test_every_phrase_is_a_candidate_of_the_vectorised_filter() -> None:
    import re

    index = load_index()
    candidate = re.compile(index.candidate)
    for phrase in index.phrases:
        assert candidate.search(" ".join(phrase)), phrase
