"""Sentiment of Indonesian posts: a label, a score in [-1, 1] and an explanation.

The method (see ``docs/text.md``): posts are normalised (:mod:`pantau.transform.text.normalize`), turned
into word/bigram/affix TF-IDF features plus two lexicon scores (general and police terms, with
negation and intensifier rules, :mod:`pantau.transform.text.features`), with a police copy of
them for posts with a police word, and read by a multinomial logistic regression trained on SmSA
+ NusaX + the dev half of Pantau's labelled police posts (``scripts/train_text_models.py``); a
post with a police word is read by the model's second head, trained with those police posts
counted more (:data:`pantau.transform.text.train.DOMAIN_WEIGHT`). The
score is P(positive) - P(negative); the label is the most probable class. A post with no known
word at all (empty, only a URL or a mention) is neutral with score 0, and so is an ad or spam
riding a police hashtag (a term of ``lexicon/promo.tsv``, :mod:`pantau.transform.text.promo`).

Known limit: sarcasm without a complaint word ("hebat sekali pak polisi, motor saya yang hilang
ketemu lima tahun kemudian. terima kasih banyak") is read literally; the explanation shows which
terms won.

With ``PANTAU_SENTIMENT_BACKEND=onnx`` the same functions read posts with a transformer the user
exported (:mod:`pantau.transform.text.onnx_backend`): same labels, same score (P(positive) -
P(negative)), nulls, blank posts and ads neutral with score 0; ``sentiment(text)`` then has
probabilities but an empty explanation.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal, TypeAlias

import numpy as np
import pyarrow as pa

from pantau.transform.text import onnx_backend
from pantau.transform.text.features import Words, find_terms
from pantau.transform.text.linear import LinearModel, softmax
from pantau.transform.text.normalize import tokenize_batch
from pantau.transform.text.onnx_backend import OnnxSentimentModel
from pantau.transform.text.promo import promo_posts, promo_term
from pantau.transform.text.settings import BACKEND_ENV, MODELS_DIR, models_dir, onnx_options
from pantau.transform.text.settings import sentiment_backend as configured_backend
from pantau.transform.text.typing import SENTIMENT_LABELS, SentimentLabel

MODEL_PATH = MODELS_DIR / "sentiment.npz"

Texts: TypeAlias = Iterable[str | None] | pa.Array | pa.ChunkedArray


@cache
def model() -> LinearModel:
    """The shipped sentiment model (loaded once per process)."""
    path = models_dir() / MODEL_PATH.name
    loaded = LinearModel.load(path)
    if tuple(loaded.labels) != SENTIMENT_LABELS:
        raise ValueError(f"{path} has labels {loaded.labels}, expected {SENTIMENT_LABELS}")
    return loaded


def backend() -> Literal["linear", "onnx"]:
    """The backend the functions use now: ``linear`` or ``onnx`` (``PANTAU_SENTIMENT_BACKEND``,
    read on every batch, so a test or a process may switch it).

    Raises:
        ConfigurationError: the variable has another value.
    """
    value = os.environ.get(BACKEND_ENV, "").strip().lower()
    return "linear" if value in ("", "linear") else configured_backend()


def onnx_model() -> OnnxSentimentModel:
    """The ONNX backend's model (:func:`pantau.transform.text.onnx_backend.load`, once per
    directory and options)."""
    return onnx_backend.load(onnx_options())


def load() -> None:
    """Load the configured backend's model now, so a missing file fails before any query."""
    if backend() == "onnx":
        onnx_model()
    else:
        model()


@dataclass(frozen=True)
class Contribution:
    """How much one term moved the score (in logit units; positive pushes towards positive)."""

    term: str
    effect: float
    #: "model" (learnt weight), "lexicon" (general list), "police" (domain list) or "promo" (the
    #: term of lexicon/promo.tsv that makes the post an ad or spam, hence neutral)
    source: str


@dataclass(frozen=True)
class Sentiment:
    """The sentiment of one post, for analysts."""

    label: SentimentLabel
    score: float
    probabilities: dict[str, float]
    explanation: tuple[Contribution, ...]


@dataclass(frozen=True)
class SentimentBatch:
    """Sentiment of many posts: labels and scores, aligned with the input."""

    labels: list[SentimentLabel]
    scores: np.ndarray


def _predict(words: Words) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, has_features) of a batch."""
    m = model()
    matrix = m.vectorizer.transform(words)
    probabilities = softmax(m.logits(matrix, m.in_domain(words)))
    has_features = np.diff(matrix.indptr) > 0
    return probabilities, has_features


def _predict_onnx(texts: Texts) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, has_text) of a batch with the ONNX backend: the posts as written; nulls
    and blank posts are neutral without running the model."""
    values = texts.to_pylist() if isinstance(texts, pa.Array | pa.ChunkedArray) else list(texts)
    has_text = np.array([bool(text and not text.isspace()) for text in values], dtype=bool)
    probabilities = np.zeros((len(values), len(SENTIMENT_LABELS)), dtype=np.float64)
    probabilities[:, 1] = 1.0
    if has_text.any():
        probabilities[has_text] = onnx_model().probabilities(
            [text for text, present in zip(values, has_text, strict=True) if present])
    return probabilities, has_text


def sentiment_batch(texts: Texts) -> SentimentBatch:
    """Sentiment of many posts at once (the vectorised path used by SQL).

    Args:
        texts: posts as written; nulls, empty posts and ads or spam (:mod:`.promo`) come out
            neutral with score 0.
    """
    if not isinstance(texts, pa.Array | pa.ChunkedArray):
        texts = list(texts)  # read twice with the ONNX backend
    words = Words(*tokenize_batch(texts))
    if backend() == "onnx":
        probabilities, read = _predict_onnx(texts)
    else:
        probabilities, read = _predict(words)
    read &= ~promo_posts(words)  # an ad or spam is neutral (docs/text.md, rule 3)
    scores = np.where(read, probabilities[:, 0] - probabilities[:, 2], 0.0)
    best = probabilities.argmax(axis=1)
    best[~read] = 1
    labels = [SENTIMENT_LABELS[i] for i in best]
    return SentimentBatch(labels=labels, scores=np.round(scores, 6))


def sentiment(text: str | None, *, top: int = 8) -> Sentiment:
    """Sentiment of one post with the terms that moved its score (the scalar path).

    Args:
        text: the post as written.
        top: how many contributions to keep in the explanation (largest effect first); the
            ONNX backend explains nothing (an empty explanation).
    """
    neutral: dict[str, float] = dict(zip(SENTIMENT_LABELS, (0.0, 1.0, 0.0), strict=True))
    words = Words(*tokenize_batch([text]))
    promo = promo_term(words)
    if promo is not None:  # an ad or spam: neutral whatever its words (docs/text.md, rule 3)
        return Sentiment("neutral", 0.0, neutral, (Contribution(promo, 0.0, "promo"),))
    if backend() == "onnx":
        probabilities, has_text = _predict_onnx([text])
        if not has_text[0]:
            return Sentiment("neutral", 0.0, neutral, ())
        return Sentiment(
            label=SENTIMENT_LABELS[int(probabilities[0].argmax())],
            score=round(float(probabilities[0, 0] - probabilities[0, 2]), 6),
            probabilities={k: round(float(p), 6)
                           for k, p in zip(SENTIMENT_LABELS, probabilities[0], strict=True)},
            explanation=())
    m = model()
    hits = find_terms(words)
    matrix = m.vectorizer.transform(words, hits)
    domain = m.in_domain(words)
    probabilities = softmax(m.logits(matrix, domain))[0]
    has_features = matrix.nnz > 0
    weights, _ = m.head(bool(domain is not None and domain[0]))
    direction = weights[:, 0] - weights[:, 2]
    names = _feature_names()
    row = matrix.getrow(0)
    n_sparse, n_shared = m.vectorizer.n_sparse, m.vectorizer.n_shared
    effects: dict[tuple[str, str], float] = {}
    lexicon_effect = [0.0, 0.0]  # the two lexicon features (and their police copies)
    for j, value in zip(row.indices, row.data, strict=True):
        shared = j % n_shared  # a police copy explains through the same term
        effect = float(value * direction[j])
        if shared < n_sparse:
            kind, term = names[shared].split(":", 1)
            shown = f"{term}-" if kind == "p" else f"-{term}" if kind == "s" else term
            key = (shown, "model")
            effects[key] = effects.get(key, 0.0) + effect
        else:
            lexicon_effect[shared - n_sparse] += effect
    # The two lexicon features, shared out over the terms that produced them.
    for total_effect, sign in zip(lexicon_effect, (1.0, -1.0), strict=True):
        mine = [(t, v, s) for t, v, s in zip(hits.term, hits.value, hits.source, strict=True)
                if v * sign > 0]
        mass = sum(abs(v) for _, v, _ in mine)
        for term, value, source in mine:
            key = (term, "police" if source == "police" else "lexicon")
            effects[key] = effects.get(key, 0.0) + float(total_effect * abs(value) / mass)
    contributions = [Contribution(term, round(effect, 4), source)
                     for (term, source), effect in effects.items()]
    contributions.sort(key=lambda c: (-abs(c.effect), c.term))
    if not has_features:
        return Sentiment("neutral", 0.0, neutral, ())
    label = SENTIMENT_LABELS[int(probabilities.argmax())]
    return Sentiment(
        label=label,
        score=round(float(probabilities[0] - probabilities[2]), 6),
        probabilities={k: round(float(p), 6) for k, p in zip(SENTIMENT_LABELS, probabilities, strict=True)},
        explanation=tuple(c for c in contributions[:top] if abs(c.effect) >= 1e-3),
    )


@cache
def _feature_names() -> list[str]:
    return model().vectorizer.feature_names()


def sentiment_label(text: str | None) -> SentimentLabel:
    """Label of one post (scalar)."""
    return sentiment_batch([text]).labels[0]


def sentiment_score(text: str | None) -> float:
    """Score in [-1, 1] of one post (scalar): P(positive) - P(negative)."""
    return float(sentiment_batch([text]).scores[0])
