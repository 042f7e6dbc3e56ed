"""Topic of a post: the taxonomy seed ``dbt_project/seeds/topic_taxonomy.csv``, weighed by a model.

Each topic has weighted words and phrases (normalised text, up to four words). A post's score for
a topic is the sum of the weights of its terms found in the normalised post (every term counts
once per post). Analysts edit the seed; the functions read the same file.

The shipped model (``models/topic.npz``, :func:`model`) is a logistic regression over the post's
words and these taxonomy scores, trained on the ``dev`` half of Pantau's labelled police posts
(``scripts/train_text_models.py --only topic``): real posts name a crime in a complaint about an
ignored report, or praise an arrest, and words alone or the seed alone mislabel them. It answers
``lainnya`` (other) when its most probable topic is below the probability it was tuned for, and
for an ad or spam riding a police hashtag (:mod:`pantau.transform.text.promo`).

When the seed's topics differ from the model's (an analyst added or renamed one), the seed alone
decides until the model is retrained, and a warning says so: the topic with the highest score
wins when it reaches :data:`MIN_SCORE`, ties going to the topic listed first; anything else is
``lainnya``.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa

from pantau.transform.text.exceptions import TextModelMissingError
from pantau.transform.text.features import MAX_PHRASE, Words, lookup
from pantau.transform.text.linear import LinearModel, softmax
from pantau.transform.text.normalize import normalize, tokenize_batch
from pantau.transform.text.promo import promo_posts
from pantau.transform.text.settings import MODELS_DIR, TAXONOMY_PATH, models_dir
from pantau.transform.text.typing import NO_TOPIC, TopicLabel

#: Without the model: the least total weight that makes a topic (one strong term, or two weaker).
MIN_SCORE = 1.5
MODEL_PATH = MODELS_DIR / "topic.npz"
log = logging.getLogger(__name__)


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
    """(n_posts, n_topics) summed term weights; all zero for an ad or spam (:mod:`.promo`)."""
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
    scores = flat.reshape(words.n_posts, n_topics)
    scores[promo_posts(words)] = 0.0  # an ad or spam is `lainnya` (docs/text.md, rule 3)
    return scores


@cache
def model() -> LinearModel | None:
    """The shipped topic model, or None (with a warning) when the seed's topics are not the ones
    it was trained on. Its labels are the seed's topics then ``lainnya``; its weights cover the
    vectorizer's features then one taxonomy score per topic."""
    path = models_dir() / MODEL_PATH.name
    try:
        loaded = LinearModel.load(path)
    except TextModelMissingError as error:
        log.warning("topics from the taxonomy seed alone: %s", error)
        return None
    topics = load_taxonomy().topics
    if loaded.labels != (*topics, NO_TOPIC):
        log.warning("topics from the taxonomy seed alone: %s was trained on the topics %s, the seed "
                    "%s has %s; run `python scripts/train_text_models.py --only topic`",
                    path, ", ".join(loaded.labels[:-1]), TAXONOMY_PATH, ", ".join(topics))
        return None
    return loaded


def model_probabilities(words: Words, scores: np.ndarray, trained: LinearModel) -> np.ndarray:
    """(n_posts, n_topics + 1) probabilities of the model (the last column is ``lainnya``)."""
    features = trained.vectorizer.transform(words)
    n_words = features.shape[1]
    scale = float(trained.metadata["taxonomy_scale"])
    logits = (np.asarray(features @ trained.weights[:n_words])
              + (scores * scale) @ trained.weights[n_words:] + trained.bias)
    return softmax(logits)


def topic_batch(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray) -> list[TopicLabel]:
    """Topic of many posts at once (the vectorised path used by SQL)."""
    taxonomy = load_taxonomy()
    words = Words(*tokenize_batch(texts))
    scores = topic_scores(words, taxonomy)
    if scores.shape[0] == 0:
        return []
    trained = model()
    if trained is not None:
        probabilities = model_probabilities(words, scores, trained)
        best = probabilities.argmax(axis=1)
        top = probabilities[np.arange(len(best)), best]
        floor = float(trained.metadata["min_probability"])
        labels = trained.labels
        return [labels[b] if p >= floor and scores[i].any() else NO_TOPIC
                for i, (b, p) in enumerate(zip(best, top, strict=True))]
    best = scores.argmax(axis=1)
    top = scores[np.arange(len(best)), best]
    return [taxonomy.topics[b] if s >= MIN_SCORE else NO_TOPIC
            for b, s in zip(best, top, strict=True)]


def topic(text: str | None) -> TopicLabel:
    """Topic of one post (scalar)."""
    return topic_batch([text])[0]
