"""Which Polres a post is about: names, aliases, handles and hashtags from the reference seeds.

Rules, chosen so that near-misses do not match:

* A name or alias matches only as whole words (``polres jaksel``, ``mapolres metro jakarta
  selatan``); the longest alias at a position wins. ``kapolres``/``kapolresta``/``kapolrestabes``
  (the chief) and ``mapolres…`` (the headquarters) name the precinct they belong to.
* ``polres``, ``polresta`` and ``polrestabes`` are different words: "Polresta Bogor" never matches
  Polres Bogor and the other way round.
* A bare city name ("Bogor", "Surabaya") is ambiguous (the city, the regency, the Polresta and the
  Polres) and matches nothing; neither do Polda names ("Polda Metro Jaya") or Polsek.
* An alias followed by ``kota`` that does not continue into a longer alias ("polres bogor kota"
  when the seed only has "polresta bogor kota") is treated as ambiguous and matches nothing.
* ``@handle`` and ``#hashtag`` match exactly (case-insensitive) against the seeds' handles and
  hashtags; the same string without ``@``/``#`` matches when it starts with "polres" or "humas".

The result is the sorted list of distinct ``polres_id`` (empty when none).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pantau.contract.reference import SEEDS_DIR, load_polres
from pantau.transform.text.normalize import as_string_array

_TOKEN = re.compile(r"[@#][\w.]+|[a-z0-9]+")
_WORD = re.compile(r"[a-z0-9]+")
#: Words that name a precinct by its chief or headquarters -> the precinct word.
_PREFIXES = {"kapolres": "polres", "kapolresta": "polresta", "kapolrestabes": "polrestabes",
             "mapolres": "polres", "mapolresta": "polresta", "mapolrestabes": "polrestabes"}
_CANDIDATE = r"polres|@|#"


@dataclass(frozen=True)
class PolresIndex:
    """Lookup tables built from the seeds."""

    phrases: dict[tuple[str, ...], str]
    tags: dict[str, str]  # handle or hashtag without @/#, lower case -> polres_id
    max_words: int


def _words(text: str) -> tuple[str, ...]:
    return tuple(_PREFIXES.get(w, w) for w in _WORD.findall(text.lower()))


@cache
def load_index(seeds_dir: Path = SEEDS_DIR) -> PolresIndex:
    """Names, aliases, handles and hashtags of every precinct; a string naming two precincts is
    left out (it would be a guess)."""
    phrases: dict[tuple[str, ...], set[str]] = {}
    tags: dict[str, set[str]] = {}
    for polres in load_polres(seeds_dir):
        for name in (polres.name, *polres.aliases):
            phrases.setdefault(_words(name), set()).add(polres.polres_id)
        for tag in (*polres.hashtags, *polres.handles.values()):
            tags.setdefault(tag.lower().lstrip("@#"), set()).add(polres.polres_id)
    with (seeds_dir / "polres_aliases.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["alias_kind"] in ("hashtag", "handle"):
                tags.setdefault(row["alias"].lower().lstrip("@#"), set()).add(row["polres_id"])
    unique_phrases = {k: next(iter(v)) for k, v in phrases.items() if len(v) == 1 and len(k) >= 2}
    unique_tags = {k: next(iter(v)) for k, v in tags.items() if len(v) == 1}
    return PolresIndex(unique_phrases, unique_tags, max(len(k) for k in unique_phrases))


def resolve(text: str | None, index: PolresIndex | None = None) -> list[str]:
    """The precincts one post names (scalar path).

    >>> resolve("Makasih @polres_jaksel! beda sama polresta bogor kota, dan Polda Metro Jaya")
    ['polres_metro_jakarta_selatan', 'polresta_bogor_kota']
    """
    if not text:
        return []
    index = index or load_index()
    found: set[str] = set()
    words: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        if token[0] in "@#":
            tag = token[1:].rstrip(".")
            if tag in index.tags:
                found.add(index.tags[tag])
            continue
        if token.startswith(("polres", "humas")) and token in index.tags and token not in _PREFIXES:
            found.add(index.tags[token])
            continue
        words.append(_PREFIXES.get(token, token))
    i = 0
    while i < len(words):
        if not words[i].startswith("polres"):
            i += 1
            continue
        for length in range(min(index.max_words, len(words) - i), 1, -1):
            polres_id = index.phrases.get(tuple(words[i:i + length]))
            if polres_id is None:
                continue
            if i + length < len(words) and words[i + length] == "kota":
                break  # "polres bogor kota" is not an alias: ambiguous, no match
            found.add(polres_id)
            i += length - 1
            break
        i += 1
    return sorted(found)


def resolve_batch(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray) -> list[list[str]]:
    """The precincts each post names (vectorised path: Arrow picks the few posts that can name
    one, Python resolves those)."""
    array = as_string_array(texts)
    index = load_index()
    candidate = pc.match_substring_regex(pc.utf8_lower(array.fill_null("")), _CANDIDATE)
    rows = np.nonzero(np.asarray(candidate.to_numpy(zero_copy_only=False)))[0]
    out: list[list[str]] = [[] for _ in range(len(array))]
    if len(rows):
        for row, text in zip(rows, array.take(pa.array(rows)).to_pylist(), strict=True):
            out[row] = resolve(text, index)
    return out
