"""Polres resolution: names, aliases, handles, hashtags, and no false matches on near-misses."""

from __future__ import annotations

import json

import pytest

from pantau.transform.text.evaluate import POLRES_SET, evaluate_polres
from pantau.transform.text.polres import resolve, resolve_batch


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
