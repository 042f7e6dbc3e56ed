"""Topic of a post from the taxonomy seed ``dbt_project/seeds/topic_taxonomy.csv``.

Each topic has weighted words and phrases (normalised text, up to four words). A post's score for
a topic is the sum of the weights of its terms found in the normalised post (every occurrence
counts once per post); the topic with the highest score wins when it reaches
:data:`MIN_SCORE`, ties going to the topic listed first in the seed. Anything else is
``lainnya`` (other). Analysts edit the seed; the functions read the same file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa

from pantau.transform.text.features import MAX_PHRASE, Words, lookup
from pantau.transform.text.normalize import normalize, tokenize_batch
from pantau.transform.text.settings import TAXONOMY_PATH
from pantau.transform.text.typing import NO_TOPIC, TopicLabel

#: The least total weight that makes a topic (one strong term, or two weaker ones).
MIN_SCORE = 1.5


@dataclass(frozen=True)
class Taxonomy:
    """Topics in seed order and, per phrase length, the terms with their topic and weight."""

    topics: tuple[str, ...]
    terms: dict[int, tuple[pa.Array, np.ndarray, np.ndarray]]


@cache
def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    """Read the seed; a term longer than four words or a non-positive weight is an error."""
    topics: list[str] = []
    rows: dict[int, list[tuple[str, int, float]]] = {n: [] for n in range(1, MAX_PHRASE + 1)}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            topic, term, weight = row["topic_id"], normalize(row["term"]), float(row["weight"])
            n = len(term.split())
            if not 1 <= n <= MAX_PHRASE or weight <= 0:
                raise ValueError(f"{path}:{line}: term {row['term']!r} must have 1 to {MAX_PHRASE} "
                                 f"words and a positive weight (has {n} words, weight {weight})")
            if topic not in topics:
                topics.append(topic)
            rows[n].append((term, topics.index(topic), weight))
    terms = {n: (pa.array([r[0] for r in items], type=pa.string()),
                 np.array([r[1] for r in items], dtype=np.int64),
                 np.array([r[2] for r in items], dtype=np.float64))
             for n, items in rows.items()}
    return Taxonomy(tuple(topics), terms)


def topic_scores(words: Words, taxonomy: Taxonomy | None = None) -> np.ndarray:
    """(n_posts, n_topics) summed term weights."""
    taxonomy = taxonomy or load_taxonomy()
    n_topics = len(taxonomy.topics)
    post_of = words.post_of
    keys: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for n, (texts, topic_of, weight_of) in taxonomy.terms.items():
        if not len(texts):
            continue
        grams, starts = words.ngrams(n)
        idx = lookup(grams, texts)
        ok = idx >= 0
        # One count per (post, term): a repeated word does not outvote another topic.
        pairs = np.unique(np.stack([post_of[starts[ok]], idx[ok]]), axis=1)
        keys.append(pairs[0] * n_topics + topic_of[pairs[1]])
        weights.append(weight_of[pairs[1]])
    flat = np.bincount(np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64),
                       weights=np.concatenate(weights) if weights else None,
                       minlength=words.n_posts * n_topics)
    return flat.reshape(words.n_posts, n_topics)


def topic_batch(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray) -> list[TopicLabel]:
    """Topic of many posts at once (the vectorised path used by SQL)."""
    taxonomy = load_taxonomy()
    scores = topic_scores(Words(*tokenize_batch(texts)), taxonomy)
    if scores.shape[0] == 0:
        return []
    best = scores.argmax(axis=1)
    top = scores[np.arange(len(best)), best]
    return [taxonomy.topics[b] if s >= MIN_SCORE else NO_TOPIC
            for b, s in zip(best, top, strict=True)]


def topic(text: str | None) -> TopicLabel:
    """Topic of one post (scalar)."""
    return topic_batch([text])[0]
