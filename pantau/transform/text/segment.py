"""Splitting run-together words: hashtags and handles written as one token.

``percumalaporpolisi`` -> ``percuma lapor polisi``, ``PoldaMetroJaya`` -> ``polda metro jaya``,
``jumatberkah2024`` -> ``jumat berkah 2024``.

The rule is general, not a list of compounds: the most probable split under a unigram model of
words (Norvig's segmentation, a dynamic programme over every split point). The model's words and
how common each is come from

* ``lexicon/word_counts.tsv``: how often each word occurs in the training texts of the shipped
  sentiment sets (SmSA, NusaX-Senti; written by ``scripts/train_text_models.py --only words``);
* every word of the reviewed lexicons (slang, sentiment, police terms, modifiers, ``words.tsv``);
* every word of the reference seeds: unit names and aliases (Polres, Polda, the national terms),
  cities, and the topic taxonomy.

A word found only in the lexicons or seeds counts as if seen :data:`PRIOR_COUNT` times (they are
the words this domain is about). A piece that is no known word costs more the longer it is, so an
unknown stretch is kept whole rather than chopped into rare short words; a run of digits is one
piece. Camel case (``TolakPungli``) is split at the case changes only: each part is a word as
the writer marked it. A token that is itself a known word is never split, and in running text
neither is a word in its own right that the counts never saw: an Indonesian root word or a root
with affixes (Sastrawi's dictionary and stemmer), a police word, or a spoken form of a known word
(:func:`is_word`).
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from pantau.contract.reference import load_national_terms, load_polda, load_polres
from pantau.transform.text import lexicon
from pantau.transform.text.settings import LEXICON_DIR, TAXONOMY_PATH

WORD_COUNTS_PATH = LEXICON_DIR / "word_counts.tsv"
#: How often a word of the lexicons or seeds counts when the training texts never saw it.
PRIOR_COUNT = 20
#: Words rarer than this in the training texts are left out of ``word_counts.tsv`` (typos).
MIN_COUNT = 2
#: A lower-case word shorter than this is read as written, never split (:func:`split_word`).
MIN_SPLIT = 6
#: A piece of a lower-case split in running text shorter than this must be a lexicon or seed
#: word or seen :data:`COMMON_COUNT` times (:func:`split_word`).
MIN_PIECE = 4
COMMON_COUNT = 100
#: The longest word the segmentation considers.
MAX_WORD = 24
#: A run of letters longer than this is no hashtag people type: it is kept whole, never split
#: or cached (a hostile post of one 10,000-letter word costs nothing and holds no memory).
MAX_COMPOUND = 80
#: Indonesian affixes (and their colloquial forms): a split that starts with a prefix or ends with a
#: suffix is the word's morphology, not a compound (``ketauan`` is not ``ke tau an``).
PREFIXES = frozenset({"ke", "se", "di", "me", "mem", "men", "meng", "nge", "ng", "ne", "pe", "pen",
                      "peng", "ber", "ter", "per"})
SUFFIXES = frozenset({"an", "kan", "in", "i", "nya", "lah", "kah", "pun"})
#: Spoken Indonesian: the prefixes of colloquial words and the letters they stand for
#: (``ngurangin`` is ``kurangin``, ``nyangka`` ``sangka``, ``nilang`` ``tilang``), for
#: :func:`is_word`.
_SPOKEN_PREFIXES = (("nge", ("",)), ("ng", ("k", "")), ("ny", ("s", "c")), ("n", ("t",)),
                    ("m", ("p",)), ("di", ("",)), ("ke", ("",)), ("ter", ("",)), ("ber", ("",)),
                    ("", ("",)))
_SPOKEN_SUFFIXES = ("in", "an", "kan", "nya", "")
_NASALS = frozenset({"nge", "ng", "ny", "n", "m"})
_VOWELS = frozenset("aiueo")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_ALPHA_WORD = re.compile(r"[a-z]+")
_PIECES = re.compile(r"[a-z]+|\d+")


def count_words(texts: Iterable[str]) -> Counter[str]:
    """How often each alphabetic word of two or more letters occurs in ``texts`` (lower-cased)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w for w in _ALPHA_WORD.findall(text.lower()) if len(w) >= 2)
    return counts


def write_word_counts(counts: Counter[str], path: str | None = None) -> int:
    """Write ``word_counts.tsv`` (words seen at least :data:`MIN_COUNT` times, most common
    first, ties by word); returns the number of words written."""
    rows = sorted(((w, c) for w, c in counts.items() if c >= MIN_COUNT),
                  key=lambda wc: (-wc[1], wc[0]))
    target = path or WORD_COUNTS_PATH
    with open(target, "w", encoding="utf-8", newline="\n") as handle:
        handle.write("# word<TAB>count in the training texts of the shipped sentiment sets "
                     "(scripts/train_text_models.py --only words); used to split compounds.\n")
        for word, count in rows:
            handle.write(f"{word}\t{count}\n")
    return len(rows)


def _seed_words() -> set[str]:
    """Every word of the reference seeds that names something: units, places, topics. Handles
    and hashtags are compounds themselves, not words."""
    names: list[str] = []
    for polres in load_polres():
        names += [polres.name, polres.city, polres.polda, *polres.aliases]
    for polda in load_polda():
        names += [polda.name, polda.province, *polda.aliases]
    names += [t.term for t in load_national_terms() if t.kind != "handle"]
    with TAXONOMY_PATH.open(encoding="utf-8", newline="") as stream:
        names += [row["term"] for row in csv.DictReader(stream)]
    return {w for name in names for w in _ALPHA_WORD.findall(name.lower())}


@cache
def domain_vocabulary() -> frozenset[str]:
    """The words of the reviewed lexicons (hashtag words, slang, sentiment and police terms,
    modifiers, police-domain words) and of the reference seeds."""
    words = set(lexicon.hashtag_words()) | set(lexicon.slang()) | set(lexicon.domain_words())
    return frozenset(words | _seed_words())


@dataclass(frozen=True)
class WordModel:
    """Cost (negative log probability) of each known word."""

    costs: dict[str, float]
    unknown_base: float  # cost of an unknown piece before its length is counted

    def cost(self, piece: str) -> float:
        known = self.costs.get(piece)
        if known is not None:
            return known
        # Norvig's unknown-word estimate: ten times less likely for every extra letter.
        return self.unknown_base + len(piece) * math.log(10)


@cache
def word_model() -> WordModel:
    """The unigram model over the training texts' counts, the lexicons and the seeds."""
    counts: Counter[str] = Counter()
    if WORD_COUNTS_PATH.is_file():
        with WORD_COUNTS_PATH.open(encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("#") or not line.strip():
                    continue
                word, count = line.rstrip("\n").split("\t")
                counts[word] = int(count)
    for word in domain_vocabulary():
        if len(word) >= 2 and word.isalpha():
            counts[word] = max(counts[word], PRIOR_COUNT)
    total = sum(counts.values()) or 1
    costs = {w: math.log(total / c) for w, c in counts.items() if len(w) >= 2}
    return WordModel(costs, math.log(total))


def is_known(word: str) -> bool:
    """Whether ``word`` (lower case) is a word of the model."""
    return word in word_model().costs


@lru_cache(maxsize=200_000)
def _segment_lower(body: str) -> tuple[str, ...]:
    """The cheapest split of a lower-case alphabetic string."""
    model = word_model()
    if body in model.costs:
        return (body,)
    n = len(body)
    best_cost = [0.0] + [math.inf] * n
    best_start = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(max(0, end - MAX_WORD), end):
            cost = best_cost[start] + model.cost(body[start:end])
            if cost < best_cost[end]:
                best_cost[end], best_start[end] = cost, start
    pieces: list[str] = []
    end = n
    while end > 0:
        start = best_start[end]
        pieces.append(body[start:end])
        end = start
    return tuple(reversed(pieces))


def is_camel_case(token: str) -> bool:
    """Whether the writer marked the words of ``token`` by case (``TolakPungli``; not ``POLRI``,
    ``Polri`` or ``polri``)."""
    return any(c.isupper() for c in token[1:]) and any(c.islower() for c in token)


def segment(token: str) -> list[str]:
    """The words of one run-together token (a hashtag or handle body, without ``#``/``@``).

    >>> segment("PercumaLaporPolisi"), segment("poldametrojaya"), segment("stopbegal2024")
    (['percuma', 'lapor', 'polisi'], ['polda', 'metro', 'jaya'], ['stop', 'begal', '2024'])
    """
    token = token.strip("_.-")
    if not token:
        return []
    words: list[str] = []
    for chunk in re.split(r"[_.\-]+", token):
        if is_camel_case(chunk):
            # the writer marked the words: each camel-case part is one word
            words.extend(p.lower() for p in _CAMEL.findall(chunk))
            continue
        for part in _PIECES.findall(chunk.lower()):
            splittable = part.isalpha() and len(part) <= MAX_COMPOUND
            words.extend(_segment_lower(part) if splittable else (part,))
    return words


@cache
def _roots() -> frozenset[str]:
    """Sastrawi's dictionary of Indonesian root words (about 30,000; MIT licence)."""
    from importlib.resources import files

    text = files("Sastrawi.Stemmer").joinpath("data/kata-dasar.txt").read_text(encoding="utf-8")
    return frozenset(text.split())


@cache
def _stemmer() -> Any:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


def _base_known(base: str) -> bool:
    """Whether ``base`` is a root word or a word of the model, also with the colloquial final
    ``e`` for ``a`` (``tangkep``, ``pantes``)."""
    if len(base) < 3:
        return False
    roots, costs = _roots(), word_model().costs
    if base in roots or base in costs:
        return True
    spoken = base.rfind("e")
    if spoken > 0 and spoken >= len(base) - 2:
        formal = f"{base[:spoken]}a{base[spoken + 1:]}"
        return formal in roots or formal in costs
    return False


@lru_cache(maxsize=100_000)
def is_word(word: str) -> bool:
    """Whether a lower-case token is a word in its own right, not run-together words: a word of
    the model, an Indonesian root word or a root with its affixes (Sastrawi's dictionary and
    stemmer: ``penangkapan``, ``pembunuh``, ``syukuran``), or a colloquial form of a known word:
    the spoken nasal prefixes ``ng-``/``nge-``/``ny-``/``n-``/``m-`` standing for a dropped ``k``,
    ``s``/``c``, ``t`` or ``p``, the ``di-``/``ke-``/``ter-``/``ber-`` prefixes, the suffixes
    ``-in``/``-an``/``-kan``/``-nya``, a final ``e`` for ``a`` (``ngurangin``, ``nyangka``,
    ``nenangin``, ``ditemuin``, ``tangkep``)."""
    if word in word_model().costs or word in _roots():
        return True
    if len(word) > MAX_WORD:
        return False
    if _stemmer().stem(word) in _roots():
        return True
    for suffix in _SPOKEN_SUFFIXES:
        if suffix and not word.endswith(suffix):
            continue
        stem = word[: len(word) - len(suffix)]
        for prefix, restored in _SPOKEN_PREFIXES:
            if not stem.startswith(prefix):
                continue
            rest = stem[len(prefix):]
            if prefix in _NASALS and rest[:1] not in _VOWELS and prefix != "nge":
                continue
            if any(_base_known(f"{first}{rest}") for first in restored):
                return True
    return False


def split_word(token: str, *, affixes: bool = False) -> list[str]:
    """The words of one token of running text, the rule every text function shares.

    A known word, or a lower-case one shorter than :data:`MIN_SPLIT` letters, is one word (lower
    case); anything else, camel case or run together (``StopPungliPolisi``,
    ``percumalaporpolisi``), goes through :func:`segment`. A lower-case split that begins with a
    prefix or ends with a suffix (:data:`PREFIXES`, :data:`SUFFIXES`) is an affixed slang word,
    kept whole (``ketauan``, ``dimintain``), unless ``affixes`` is true: the unit resolution
    looks for names, which take affixes (``polisinya``, ``kapoldanya``). Without ``affixes``, a
    lower-case token also stays whole when it is a word in its own right (:func:`is_word`:
    ``penangkapan``, ``nyangka``) or when a piece of its split is not a confident word
    (:func:`_confident`: not ``nyang`` + ``ka``).

    >>> split_word("Polisi"), split_word("StopPungliPolisi"), split_word("noviralnojustice")
    (['polisi'], ['stop', 'pungli', 'polisi'], ['no', 'viral', 'no', 'justice'])
    """
    lower = token.lower()
    mixed_case = is_camel_case(token)
    if not mixed_case and lower.isalpha() and (len(lower) < MIN_SPLIT or is_known(lower)):
        return [lower]
    pieces = segment(token)
    affixed = len(pieces) > 1 and (pieces[0] in PREFIXES or pieces[-1] in SUFFIXES)
    if affixed and not affixes and not mixed_case:
        return [lower]
    if not affixes and not mixed_case and len(pieces) > 1 and (
            is_word(lower) or not all(_confident(p) for p in pieces)):
        return [lower]
    return pieces


def _confident(piece: str) -> bool:
    """Whether a piece of a lower-case split is a word a run-together hashtag is made of: a word
    of the lexicons or seeds, a common word, or a known word of :data:`MIN_PIECE` letters or
    more (not ``nyang`` + ``ka``, ``rela`` + ``wan``)."""
    if not piece.isalpha() or piece in domain_vocabulary():
        return True
    cost = word_model().costs.get(piece)
    if cost is None:
        return False
    return len(piece) >= MIN_PIECE or cost <= word_model().unknown_base - math.log(COMMON_COUNT)
