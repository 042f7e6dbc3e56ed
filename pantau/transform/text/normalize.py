"""Normalisation of colloquial Indonesian posts into plain lower-case words.

What it does, token by token (a token is what whitespace separates):

* URLs and @mentions are dropped (they carry no sentiment; Polres resolution reads the raw text).
* Hashtags are split into words: ``#PercumaLaporPolisi`` -> ``percuma lapor polisi`` (camel case),
  ``#percumalaporpolisi`` -> the same (:func:`pantau.transform.text.segment.segment`, the split
  the unit resolution uses too).
* Emoji become their meaning (``😡`` -> ``marah``); other punctuation is dropped.
* Elongations are squeezed (``bangeeettt`` -> ``banget``, ``mantappp`` -> ``mantap``).
* Reduplication with a digit is spelled out (``hati2`` -> ``hati hati``).
* Slang and abbreviations follow the reviewed dictionary (``gak`` -> ``tidak``, ``bgt`` -> ``banget``).
* ``-nya`` is split from a known sentiment word (``bagusnya`` -> ``bagus nya``).

The vectorised path (:func:`tokenize_batch`) splits on whitespace with Arrow, normalises each
*distinct* raw token once in Python (results are cached across batches), and maps the rest back
with Arrow kernels: the cost grows with the vocabulary, not the number of posts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pantau.transform.text import lexicon
from pantau.transform.text.segment import MAX_COMPOUND, is_camel_case, segment, split_word

_URL = re.compile(r"^(https?://|www\.)|\.(com|id|co|net|org|ly)(/|$)", re.IGNORECASE)
_ELONGATED = re.compile(r"(\w)\1{2,}")
_REDUPLICATED = re.compile(r"^([a-z]{2,})2$")
_STRIP = {"\ufe0f", "\ufe0e", "\u200d", "\u20e3"}
_MAX_CACHE = 500_000
#: Raw tokens are cut to this many characters: their character n-grams cost a step per
#: character, and a 100,000-character token is spam (EmoT's longest is 89).
MAX_RAW_TOKEN = 100


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So" or "\U0001f000" <= char <= "\U0001faff"


@cache
def _known_words() -> frozenset[str]:
    words = set(lexicon.hashtag_words())
    words.update(lexicon.slang())
    return frozenset(words)


def _squeeze(word: str) -> str:
    """``bangeeettt`` -> ``banget``; keeps a double letter when only that form is known."""
    if not _ELONGATED.search(word):
        return word
    single = _ELONGATED.sub(r"\1", word)
    double = _ELONGATED.sub(r"\1\1", word)
    known = _known_words()
    if single not in known and double in known:
        return double
    return single


def _word(word: str) -> str:
    """One alphanumeric word -> its normalised form (possibly several words): slang is
    replaced, and an unknown run-together or camel-case word is split (:func:`split_word`)."""
    if word.isalpha() and is_camel_case(word):
        return " ".join(_word(p) for p in segment(word))
    word = word.lower()
    match = _REDUPLICATED.match(word)
    if match:
        base = _word(match.group(1))
        return f"{base} {base}"
    word = _squeeze(word)
    slang = lexicon.slang()
    if word in slang:
        return slang[word]
    if word.isalpha() and len(word) <= MAX_COMPOUND:
        pieces = split_word(word)
        if len(pieces) > 1:
            return " ".join(slang.get(p, p) for p in pieces)
    if len(word) > 5 and word.endswith("nya") and word[:-3] in _sentiment_words():
        return f"{slang.get(word[:-3], word[:-3])} nya"
    return word


@cache
def _sentiment_words() -> frozenset[str]:
    return frozenset(t.text for t in lexicon.general_terms() + lexicon.police_terms()
                     if " " not in t.text) | frozenset(lexicon.slang())


def normalize_token(token: str) -> str:
    """Normalise one whitespace-separated raw token into zero or more words joined by spaces.

    Args:
        token: as written, e.g. ``"bgt!!!"``, ``"#PercumaLaporPolisi"``, ``"keren👏"``.

    Returns:
        e.g. ``"banget"``, ``"percuma lapor polisi"``, ``"keren salut"``; ``""`` for URLs,
        mentions and bare punctuation.
    """
    if not token.isascii():
        # Compatibility forms read as the letters they show: full-width letters, the
        # mathematical bold and italic letters that spam and emphasis use, ligatures.
        token = unicodedata.normalize("NFKC", token)
    if not token or token[0] == "@" or _URL.search(token):
        return ""
    if token[0] == "#" and len(token) > 1:
        body = re.sub(r"[^\w]", "", token[1:])
        return " ".join(_word(w) for w in segment(body)) if body else ""
    out: list[str] = []
    buffer: list[str] = []
    emoji = lexicon.emoji()
    for char in token:
        if char.isalnum() or (char == "_" and buffer):
            buffer.append(char)
            continue
        if buffer:
            out.append(_word("".join(buffer)))
            buffer = []
        if char in _STRIP or "\U0001f3fb" <= char <= "\U0001f3ff":
            continue
        if char in emoji:
            out.append(emoji[char])
        elif char == "-" or char == "/":
            continue
    if buffer:
        out.append(_word("".join(buffer)))
    return " ".join(w for w in out if w)


class _TokenCache:
    """Raw token -> normalised form, shared by every batch (bounded; cleared when full)."""

    def __init__(self) -> None:
        self.table: dict[str, str] = {}

    def map(self, tokens: Sequence[str]) -> list[str]:
        table = self.table
        if len(table) > _MAX_CACHE:
            table.clear()
        out = []
        for token in tokens:
            value = table.get(token)
            if value is None:
                value = table[token] = normalize_token(token)
            out.append(value)
        return out


_CACHE = _TokenCache()


def normalize(text: str | None) -> str:
    """Normalise one post (the scalar path): lower-case words separated by single spaces.

    >>> normalize("Gak bgt dah!!! #PercumaLaporPolisi 😡 https://t.co/x @polres_jaksel")
    'tidak banget sudah percuma lapor polisi marah'
    """
    if not text:
        return ""
    return " ".join(w for w in (normalize_token(t) for t in text.split()) if w)


def as_string_array(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray) -> pa.Array:
    """Any batch of texts as one Arrow string array (nulls kept)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    if not isinstance(texts, pa.Array):
        texts = pa.array(list(texts), type=pa.string())
    if pa.types.is_large_string(texts.type) or pa.types.is_string_view(texts.type):
        texts = texts.cast(pa.string())
    return texts


def normalize_batch(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray) -> pa.Array:
    """Normalise many posts at once (the vectorised path); nulls become ``""``.

    Returns:
        An Arrow string array of normalised texts, one per input post.
    """
    array = as_string_array(texts)
    raw = pc.utf8_split_whitespace(array.fill_null(""))
    flat = raw.flatten()
    uniques = pc.unique(flat)
    mapped = pa.array(_CACHE.map(uniques.to_pylist()), type=pa.string())
    normalised = mapped.take(pc.index_in(flat, value_set=uniques))
    lists = pa.ListArray.from_arrays(raw.offsets, normalised)
    joined = pc.binary_join(lists, " ")
    # Dropped tokens (URLs, mentions, punctuation) leave runs of spaces.
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(joined, " {2,}", " "))


def raw_tokens_batch(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray
                     ) -> tuple[pa.Array, np.ndarray]:
    """The lower-cased whitespace tokens of many posts as written (punctuation, emoticons,
    elongation and slang kept), less URLs and mentions, each cut to MAX_RAW_TOKEN characters:
    (flat tokens, offsets) like :func:`tokenize_batch`."""
    array = as_string_array(texts)
    raw = pc.utf8_split_whitespace(array.fill_null(""))
    flat = raw.flatten()
    dropped = pc.or_(pc.or_(pc.starts_with(flat, "@"), pc.equal(flat, "")),
                     pc.match_substring_regex(flat, _URL.pattern, ignore_case=True))
    kept = ~np.asarray(dropped.to_numpy(zero_copy_only=False), dtype=bool)
    offsets = np.asarray(raw.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
    offsets -= offsets[0]
    counted = np.concatenate([[0], np.cumsum(kept, dtype=np.int64)])
    tokens = pc.utf8_slice_codeunits(pc.utf8_lower(flat.filter(pa.array(kept))), 0, MAX_RAW_TOKEN)
    return tokens, counted[offsets]


def tokenize_batch(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray
                   ) -> tuple[pa.Array, np.ndarray]:
    """Normalised words of many posts: (flat words, offsets) with ``offsets[i]:offsets[i+1]``
    the words of post ``i``."""
    lists = pc.utf8_split_whitespace(normalize_batch(texts))
    offsets = np.asarray(lists.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
    return lists.flatten(), offsets - offsets[0]
