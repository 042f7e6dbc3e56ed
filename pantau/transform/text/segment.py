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
the writer marked it. A token that is itself a known word is never split.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

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
    domain = set(lexicon.hashtag_words()) | set(lexicon.slang()) | _seed_words()
    for word in domain:
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


def split_word(token: str, *, affixes: bool = False) -> list[str]:
    """The words of one token of running text, the rule every text function shares.

    A known word, or a lower-case one shorter than :data:`MIN_SPLIT` letters, is one word (lower
    case); anything else, camel case or run together (``StopPungliPolisi``,
    ``percumalaporpolisi``), goes through :func:`segment`. A lower-case split that begins with a
    prefix or ends with a suffix (:data:`PREFIXES`, :data:`SUFFIXES`) is an affixed slang word,
    kept whole (``ketauan``, ``dimintain``), unless ``affixes`` is true: the unit resolution
    looks for names, which take affixes (``polisinya``, ``kapoldanya``).

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
    return pieces
