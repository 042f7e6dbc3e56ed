"""Which police units a post names: Polres, Polda, and the police as an institution (Polri).

One scan of the post finds all three (:func:`resolve_units`); :func:`resolve_polres`,
:func:`resolve_polda` and :func:`names_polri` are its parts. The reference data are the seeds
(``polres.csv``, ``polres_aliases.csv``, ``polda.csv``, ``polda_aliases.csv``,
``national_terms.csv``), which analysts edit.

Rules, chosen so that near-misses do not match:

* **Words.** A name, alias or term matches only as whole words; where several start at the same
  word the longest wins, so ``polisi tidur`` (a speed bump, a ``not_police`` term) beats
  ``polisi``. ``kapolres``/``mapolres`` (the chief, the headquarters) name their precinct and
  ``kapolda``/``mapolda``/``wakapolda`` their Polda.
* **Polres.** ``polres``, ``polresta`` and ``polrestabes`` are different words ("Polresta Bogor"
  never matches Polres Bogor). An alias followed by ``kota`` that does not continue into a longer
  alias ("polres bogor kota" when only "polresta bogor kota" exists) matches nothing.
* **Cities.** A bare city name ("Bogor", "Surabaya") is ambiguous (the city, the regency, the
  Polresta and the Polres) and names no unit; neither does a Polsek.
* **Polda.** By name or alias ("Polda Metro Jaya", "polda jatim"), hashtag or handle.
* **Polri.** A post names the police as an institution when it uses a term of
  ``national_terms.csv`` (``polri``, ``polisi``, ``aparat``, ``kapolri``, ``propam``, the complaint
  slogans…) outside its ``not_police`` phrases, or mentions a national account.
* **Handles** (``@name``) match only exactly (case-insensitive) against the seeds' handles: an
  unknown handle names nothing, it is never guessed or split.
* **Hashtags and run-together words.** A ``#hashtag`` that is a seed's hashtag names its unit. Any
  other hashtag, and any word that is not a known word (``percumalaporpolisi``,
  ``poldametrojaya``), is split by :func:`pantau.transform.text.segment.segment` and its words
  are read like the rest of the post.

Several units of one level may be named; each is listed (sorted). A post that names a Polda and a
Polres of another Polda lists both; the warehouse counts it for both Polda (docs/marts.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pantau.contract.reference import SEEDS_DIR, load_national_terms, load_polda, load_polres
from pantau.transform.text.normalize import as_string_array
from pantau.transform.text.segment import split_word

POLRES, POLDA, NATIONAL, NOT_POLICE = "polres", "polda", "national", "not_police"
#: The national unit's id: the posts about the police as an institution.
POLRI_ID = "polri"
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TOKEN = re.compile(r"@[\w.]+|#\w+|[^\W_]+")
_PIECE = re.compile(r"[a-z]+|\d+")
#: Words that name a unit by its chief or headquarters -> the unit word.
_PREFIXES = {"kapolres": "polres", "kapolresta": "polresta", "kapolrestabes": "polrestabes",
             "mapolres": "polres", "mapolresta": "polresta", "mapolrestabes": "polrestabes",
             "kapolda": "polda", "mapolda": "polda", "wakapolda": "polda",
             "wakapolres": "polres"}

Unit = tuple[str, str]  # (level, unit id); level NOT_POLICE has id ""


@dataclass(frozen=True)
class UnitIndex:
    """Lookup tables built from the seeds."""

    phrases: dict[tuple[str, ...], Unit]
    tags: dict[str, Unit]  # seed hashtag without '#', lower case -> unit
    handles: dict[str, Unit]  # seed handle without '@', lower case -> unit
    first_words: frozenset[str]
    max_words: int
    candidate: str  # a regex every post that can name a unit matches (lower case)


@dataclass(frozen=True)
class Units:
    """What one post names."""

    polres_ids: list[str]
    polda_ids: list[str]
    names_polri: bool


def _words(text: str) -> tuple[str, ...]:
    return tuple(_PREFIXES.get(w, w) for w in _PIECE.findall(text.lower()))


def _add(table: dict[Any, set[Unit]], key: object, unit: Unit) -> None:
    table.setdefault(key, set()).add(unit)


@cache
def load_index(seeds_dir: Path = SEEDS_DIR) -> UnitIndex:
    """Names, aliases, terms, handles and hashtags of every unit. A string that names two units
    is left out (it would be a guess); a Polres phrase needs two words or more."""
    phrases: dict[tuple[str, ...], set[Unit]] = {}
    tags: dict[str, set[Unit]] = {}
    handles: dict[str, set[Unit]] = {}
    named: list[tuple[Unit, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = [
        ((POLRES, p.polres_id), (p.name, *p.aliases), p.hashtags,
         (*p.handles.values(), *p.alias_handles)) for p in load_polres(seeds_dir)]
    named += [((POLDA, d.polda_id), (d.name, *d.aliases), d.hashtags, d.handles)
              for d in load_polda(seeds_dir)]
    for unit, names, unit_tags, unit_handles in named:
        for name in names:
            if len(_words(name)) >= 2:
                _add(phrases, _words(name), unit)
        for tag in unit_tags:
            _add(tags, tag.lower().lstrip("#"), unit)
        for handle in unit_handles:
            _add(handles, handle.lower().lstrip("@"), unit)
    for national in load_national_terms(seeds_dir):
        if national.kind == "handle":
            _add(handles, national.term.lstrip("@"), (NATIONAL, POLRI_ID))
        elif national.kind == NOT_POLICE:
            _add(phrases, _words(national.term), (NOT_POLICE, ""))
        else:
            _add(phrases, _words(national.term), (NATIONAL, POLRI_ID))
    unique_phrases = {k: next(iter(v)) for k, v in phrases.items() if len(v) == 1 and k}
    unique_tags = {k: next(iter(v)) for k, v in tags.items() if len(v) == 1}
    unique_handles = {k: next(iter(v)) for k, v in handles.items() if len(v) == 1}
    # Every phrase's longest word (or the words the prefixes stand for) appears in the lower-case
    # text of a post that names it, whole or inside a run-together word.
    needles = {max(p, key=len) for p in unique_phrases} | set(_PREFIXES.values())
    candidate = "|".join(sorted((re.escape(n) for n in needles), key=len, reverse=True))
    return UnitIndex(unique_phrases, unique_tags, unique_handles,
                     frozenset(p[0] for p in unique_phrases),
                     max(len(k) for k in unique_phrases), f"@|#|{candidate}")


def _read(token: str) -> list[str]:
    """The words of one token that is not a handle: split when it is run together."""
    lower = token.lower()
    if lower in _PREFIXES:
        return [_PREFIXES[lower]]
    return [_PREFIXES.get(w, w) for w in split_word(token, affixes=True)]


def resolve_units(text: str | None, index: UnitIndex | None = None) -> Units:
    """The units one post names (scalar path).

    >>> resolve_units("Makasih @polres_jaksel! beda sama #PercumaLaporPolisi, poldametrojaya")
    Units(polres_ids=['polres_metro_jakarta_selatan'], polda_ids=['polda_metro_jaya'], names_polri=True)
    """
    if not text:
        return Units([], [], False)
    index = index or load_index()
    found: set[Unit] = set()
    words: list[str] = []
    for token in _TOKEN.findall(_URL.sub(" ", text)):
        if token[0] == "@":
            unit = index.handles.get(token[1:].rstrip(".").lower())
            if unit is not None:
                found.add(unit)
            words.append("")  # a handle ends any phrase
            continue
        if token[0] == "#":
            unit = index.tags.get(token[1:].lower())
            if unit is not None:
                found.add(unit)
                words.append("")
                continue
            token = token[1:]
        words.extend(_read(token))
    i, n = 0, len(words)
    while i < n:
        if words[i] not in index.first_words:
            i += 1
            continue
        for length in range(min(index.max_words, n - i), 0, -1):
            unit = index.phrases.get(tuple(words[i:i + length]))
            if unit is None:
                continue
            if unit[0] == POLRES and i + length < n and words[i + length] == "kota":
                break  # "polres bogor kota" is not an alias: ambiguous, no match
            found.add(unit)
            i += length - 1
            break
        i += 1
    return Units(sorted(u for level, u in found if level == POLRES),
                 sorted(u for level, u in found if level == POLDA),
                 any(level == NATIONAL for level, _ in found))


def resolve_polres(text: str | None) -> list[str]:
    """The precincts one post names.

    >>> resolve_polres("Makasih @polres_jaksel! beda sama polresta bogor kota, dan Polda Metro Jaya")
    ['polres_metro_jakarta_selatan', 'polresta_bogor_kota']
    """
    return resolve_units(text).polres_ids


def resolve_polda(text: str | None) -> list[str]:
    """The Polda one post names directly (not the Polda of a Polres it names).

    >>> resolve_polda("@TMCPoldaMetro tolong, dan polda jatim juga")
    ['polda_jawa_timur', 'polda_metro_jaya']
    """
    return resolve_units(text).polda_ids


def names_polri(text: str | None) -> bool:
    """Whether one post names the police as an institution.

    >>> names_polri("#PercumaLaporPolisi"), names_polri("awas ada polisi tidur")
    (True, False)
    """
    return resolve_units(text).names_polri


def resolve_units_batch(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray) -> list[Units]:
    """The units each post names (vectorised path: Arrow picks the posts that can name one,
    Python resolves those)."""
    array = as_string_array(texts)
    index = load_index()
    candidate = pc.match_substring_regex(pc.utf8_lower(array.fill_null("")), index.candidate)
    rows = np.nonzero(np.asarray(candidate.to_numpy(zero_copy_only=False)))[0]
    none = Units([], [], False)
    out: list[Units] = [none] * len(array)
    if len(rows):
        for row, text in zip(rows, array.take(pa.array(rows)).to_pylist(), strict=True):
            out[row] = resolve_units(text, index)
    return out


def resolve_polres_batch(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray
                         ) -> list[list[str]]:
    """The precincts each post names."""
    return [u.polres_ids for u in resolve_units_batch(texts)]


def resolve_polda_batch(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray
                        ) -> list[list[str]]:
    """The Polda each post names directly."""
    return [u.polda_ids for u in resolve_units_batch(texts)]


def names_polri_batch(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray) -> list[bool]:
    """Whether each post names the police as an institution."""
    return [u.names_polri for u in resolve_units_batch(texts)]
