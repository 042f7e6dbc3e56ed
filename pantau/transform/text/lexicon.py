"""The reviewed word lists of ``pantau/transform/text/lexicon/``, loaded once.

Every list is a small tab-separated file that a reviewer can read in a diff: slang and
abbreviations (``slang.tsv``), emoji meanings (``emoji.tsv``), general sentiment terms
(``sentiment.tsv``), the police domain's own terms (``police.tsv``), negations and intensifiers
(``modifiers.tsv``), words for splitting hashtags (``words.tsv``) and the marks of ads and spam
(``promo.tsv``), the words that put a post in the police domain (``domain.tsv``), and emotion
terms (``emotion.tsv``, written for Pantau; read by the emotion model only). Lines starting with
``#`` are comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pantau.transform.text.settings import LEXICON_DIR

ModifierKind = str  # "negation" | "intensifier" | "diminisher"


def _rows(name: str, *, lexicon_dir: Path = LEXICON_DIR) -> list[list[str]]:
    rows = []
    with (lexicon_dir / name).open(encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            rows.append(line.split("\t"))
    return rows


@cache
def slang() -> dict[str, str]:
    """Colloquial token -> standard form (may be several words)."""
    return {row[0]: row[1] for row in _rows("slang.tsv")}


@cache
def emoji() -> dict[str, str]:
    """Emoji (without variation selectors) -> Indonesian words."""
    return {row[0]: row[1] for row in _rows("emoji.tsv")}


@dataclass(frozen=True)
class Term:
    """One sentiment term: the normalised words, their weight and which list it came from."""

    text: str
    weight: float
    source: str  # "general" or "police"
    note: str = ""

    @property
    def n_words(self) -> int:
        return len(self.text.split())


@cache
def general_terms() -> tuple[Term, ...]:
    """General sentiment terms from ``sentiment.tsv``."""
    return tuple(Term(row[0], float(row[1]), "general") for row in _rows("sentiment.tsv"))


@cache
def police_terms() -> tuple[Term, ...]:
    """The police domain's terms from ``police.tsv`` (with the reviewer's note)."""
    return tuple(Term(row[0], float(row[1]), "police", row[2] if len(row) > 2 else "")
                 for row in _rows("police.tsv"))


@cache
def modifiers() -> dict[str, tuple[ModifierKind, float]]:
    """Negation / intensifier / diminisher word -> (kind, factor)."""
    return {row[0]: (row[1], float(row[2])) for row in _rows("modifiers.tsv")[1:]}


@cache
def hashtag_words() -> frozenset[str]:
    """Words a lower-case hashtag may be split into."""
    words = {row[0] for row in _rows("words.tsv")}
    for value in slang().values():
        words.update(value.split())
    for term in general_terms() + police_terms():
        words.update(term.text.split())
    words.update(modifiers())
    return frozenset(w for w in words if len(w) >= 2)


@cache
def promo_terms() -> tuple[str, ...]:
    """Terms that mark an ad or spam riding a police hashtag, from ``promo.tsv``."""
    return tuple(row[0] for row in _rows("promo.tsv"))


@cache
def domain_words() -> tuple[str, ...]:
    """Words that mark a post as about the police, from ``domain.tsv``."""
    return tuple(row[0] for row in _rows("domain.tsv"))


#: The emotions of ``emotion.tsv``, in the order of the emotion lexicon's features.
EMOTIONS = ("anger", "fear", "happy", "love", "sadness")


@cache
def emotion_terms() -> tuple[tuple[str, str, float], ...]:
    """(term, emotion, weight) from ``emotion.tsv``, a list written for Pantau."""
    rows = tuple((row[0], row[1], float(row[2])) for row in _rows("emotion.tsv"))
    unknown = sorted({emotion for _, emotion, _ in rows} - set(EMOTIONS))
    if unknown:
        raise ValueError(f"emotion.tsv: unknown emotions {unknown}")
    return rows
