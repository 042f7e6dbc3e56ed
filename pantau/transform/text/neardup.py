"""Near-duplicate texts for coordinated-campaign detection: a look-alike-proof skeleton of a
post and MinHash signatures of its words.

Buzzer accounts post copy-paste variants of one text: emoji added or dropped, spacing and case
changed, a word swapped, and letters replaced by look-alikes (Cyrillic a, o and p, Greek
omicron and iota, full-width letters) or split by zero-width characters so that exact matching
misses them. :func:`skeleton` undoes all of that:

1. NFKC (full-width and mathematical letters, ligatures) and case folding;
2. format characters are dropped (zero-width spaces and joiners, RTL/LTR marks and overrides,
   the BOM), and so are accents (NFKD, combining marks removed);
3. every character the Unicode confusables table (the ``confusable_homoglyphs`` package) gives
   a single ASCII letter or digit for is replaced by it (Cyrillic er, U+0440, becomes ``p``,
   the letter it shows, not its transliteration ``r``);
4. URLs, @mentions and hashtags are dropped (buzzers shuffle their hashtags), everything that is not a letter
   or a digit (emoji, punctuation) separates words, and letters repeated three times or more
   are squeezed to one (``mantulll`` -> ``mantul``).

:func:`minhash_bands` hashes the skeleton's word set with MinHash (``BANDS`` bands of ``ROWS``
rows): two texts whose word sets have Jaccard similarity ``s`` share at least one band with
probability ``1 - (1 - s**ROWS)**BANDS`` (0.98 at s = 0.7, 0.01 at s = 0.2), so the candidate
pairs are found with an equi-join on the bands, and the exact similarity
(:func:`jaccard`, or DuckDB's list functions on :func:`skeleton_words`) decides.
:func:`lookalike_count` counts the hiding characters of a post, for the audit.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

import numpy as np
import pyarrow as pa

#: MinHash bands and rows per band (``BANDS * ROWS`` hash functions).
BANDS = 16
ROWS = 3
#: Texts longer than this are cut before hashing (spam can be megabytes; a campaign text is not).
MAX_CHARS = 5_000

_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"[@#]\w[\w.]*")
#: Look-alikes the confusables table lacks (it gives the Greek kappa to the letter kra).
_EXTRA = {"\u03ba": "k", "\u043a": "k", "\u0138": "k", "\u03f0": "k"}
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SQUEEZE = re.compile(r"([a-z])\1{2,}")
_MASK = (1 << 61) - 1  # the hash coefficients are drawn below this


@cache
def confusables() -> dict[str, str]:
    """Non-ASCII character -> the ASCII letter or digit it is confusable with (Unicode's
    confusables table as shipped by ``confusable_homoglyphs``)."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath(
        "confusables.json").read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for char, entries in data.items():
        if len(char) != 1 or char.isascii():
            continue
        for entry in entries:
            target = entry["c"]
            if len(target) == 1 and target.isascii() and target.isalnum():
                table[char] = target
                break
    return table


def _is_hiding(char: str) -> bool:
    """A character that shows nothing (zero-width, direction marks) inside a word."""
    return unicodedata.category(char) == "Cf"


@cache
def _latin(char: str) -> str:
    """The lower-case ASCII letter ``char`` draws, if any: its lower-case form's look-alike
    first (Greek capital iota is an ``i`` once lower-cased, though it looks like ``l``), then
    its own; else the lower-cased character."""
    if char.isascii():
        return char.lower()
    table = confusables()
    folded = char.casefold()
    if folded in _EXTRA:
        return _EXTRA[folded]
    if len(folded) == 1 and folded in table:
        return table[folded].lower()
    if char in table:
        return table[char].lower()
    return folded


class _Reading(dict[int, str | None]):
    """``str.translate`` table, filled on first sight of a code point: format characters
    (zero-width, direction marks) and combining marks (accents) read as nothing, every other
    character as :func:`_latin`."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        value = None if _is_hiding(char) or unicodedata.combining(char) else _latin(char)
        self[code] = value
        return value


_READING = _Reading()


def skeleton(text: str | None) -> str:
    """The words a reader sees in ``text``, whatever characters draw them: lower-case ASCII
    letters and digits separated by single spaces (see the module's docstring).

    >>> skeleton("\u0422\u0435rim\u0430 kasih  @polres_x!! 🙏🙏 #PolriPresisi https://t.co/x")
    'terima kasih'
    """
    if not text:
        return ""
    if len(text) > MAX_CHARS:  # cut at a space, so that no word is cut in two
        text = text[:MAX_CHARS + 1].rsplit(None, 1)[0]
    if not text.isascii():
        # NFKD: full-width and other compatibility forms, accents split off; then one C pass
        # drops what shows nothing and reads every other character as the letter it draws
        text = unicodedata.normalize("NFKD", text).translate(_READING)
    text = _MENTION.sub(" ", _URL.sub(" ", text.lower()))
    text = _NOT_WORD.sub(" ", text)
    return _SQUEEZE.sub(r"\1", text).strip()


def skeleton_words(text: str | None) -> list[str]:
    """The distinct words of the skeleton, sorted (what similarity is measured on)."""
    return sorted(set(skeleton(text).split()))


def jaccard(left: Iterable[str], right: Iterable[str]) -> float:
    """Jaccard similarity of two word sets (1.0 for two empty sets)."""
    a, b = set(left), set(right)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@cache
def _coefficients() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(18)
    n = BANDS * ROWS
    return (rng.integers(1, _MASK, n, dtype=np.uint64) | np.uint64(1),
            rng.integers(0, _MASK, n, dtype=np.uint64))


_WORD_HASHES: dict[str, int] = {}


def _word_hash(word: str) -> int:
    value = _WORD_HASHES.get(word)
    if value is None:
        if len(_WORD_HASHES) > 1_000_000:
            _WORD_HASHES.clear()
        value = _WORD_HASHES[word] = int.from_bytes(
            hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
    return value


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, element-wise (uint64, wrapping)."""
    values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    mixed: np.ndarray = values ^ (values >> np.uint64(31))
    return mixed


#: Words hashed at once by :func:`_signatures` (bounds its memory: 48 x 8 bytes per word).
_CHUNK_WORDS = 20_000


def _signatures(word_lists: list[list[str]]) -> list[list[int]]:
    """The band signatures of many word sets: MinHash with ``BANDS * ROWS`` multiply-add hash
    functions modulo 2**64, each band's rows mixed into one signed 64-bit value."""
    a, b = _coefficients()
    out: list[list[int]] = []
    with np.errstate(over="ignore"):
        band_salt = _mix(np.arange(1, BANDS + 1, dtype=np.uint64))[:, None]
        start = 0
        while start < len(word_lists):
            chunk: list[list[str]] = []
            words = 0
            while start < len(word_lists) and (not chunk or words < _CHUNK_WORDS):
                chunk.append(word_lists[start])
                words += len(word_lists[start])
                start += 1
            lengths = np.fromiter((len(w) for w in chunk), dtype=np.int64, count=len(chunk))
            hashes = np.fromiter((_word_hash(w) for ws in chunk for w in ws), dtype=np.uint64,
                                 count=int(lengths.sum()))
            filled = lengths > 0
            result: list[list[int]] = [[] for _ in chunk]
            if hashes.size:
                table = a[:, None] * hashes[None, :] + b[:, None]
                starts = (np.cumsum(lengths) - lengths)[filled]
                minima = np.minimum.reduceat(table, starts, axis=1)  # (functions, posts)
                rows = minima.reshape(BANDS, ROWS, -1)
                bands = band_salt
                for row in range(ROWS):
                    bands = _mix(bands ^ rows[:, row, :])
                signed = bands.view(np.int64).T.tolist()
                for index, values in zip(np.flatnonzero(filled), signed, strict=True):
                    result[index] = values
            out.extend(result)
    return out


def minhash_bands(words: Iterable[str]) -> list[int]:
    """``BANDS`` band signatures (signed 64-bit integers, the band's number mixed in) of a word
    set; an empty set has none."""
    return _signatures([sorted(set(words))])[0]


def lookalike_count(text: str | None) -> int:
    """How many characters of ``text`` hide a word's letters: zero-width and direction
    characters, full-width and other compatibility letters, and letters of another script
    confusable with Latin ones inside a word that also has Latin letters (polisi written with a
    Cyrillic o). A post written wholly in Cyrillic or Greek counts nothing."""
    if not text or text.isascii():
        return 0
    table = confusables()
    count = 0
    for word in text[:MAX_CHARS].split():
        latin = any("a" <= c.lower() <= "z" for c in word)
        for char in word:
            if _is_hiding(char):
                count += 1
            elif not char.isascii() and char.isalnum():
                folded = unicodedata.normalize("NFKC", char)
                if folded != char and folded.isascii():
                    count += 1
                elif latin and char in table:
                    count += 1
    return count


# --- vectorised (Arrow) forms for DuckDB ------------------------------------------------------
def skeleton_words_batch(texts: pa.ChunkedArray | pa.Array) -> pa.Array:
    seen: dict[str, list[str]] = {}  # copies and reposts repeat texts: read each once
    out: list[list[str] | None] = []
    for text in texts.to_pylist():
        if text is None:
            out.append(None)
            continue
        words = seen.get(text)
        if words is None:
            words = seen[text] = skeleton_words(text)
        out.append(words)
    return pa.array(out, type=pa.list_(pa.string()))


def minhash_bands_batch(words: pa.ChunkedArray | pa.Array) -> pa.Array:
    lists = words.to_pylist()
    signatures = _signatures([w or [] for w in lists])
    return pa.array([None if w is None else s for w, s in zip(lists, signatures, strict=True)],
                    type=pa.list_(pa.int64()))


def lookalike_count_batch(texts: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pa.array([None if t is None else lookalike_count(t) for t in texts.to_pylist()],
                    type=pa.int32())
