"""Emotion of Indonesian posts: anger, fear, happy, love or sadness.

The same normalisation, features and linear model as :mod:`pantau.transform.text.sentiment`, plus
character n-grams of the raw lower-cased tokens and five emotion lexicon scores
(``lexicon/emotion.tsv``, written for Pantau; both options stored in the model file), trained on
EmoT (Indonesian tweets). EmoT
has no "no emotion" class, so every post with a word and at least one known word or character
n-gram gets one of the five; a post with no word (empty, only URLs, mentions or punctuation) or
none known gets ``None`` (NULL in SQL).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pantau.transform.text.features import Words
from pantau.transform.text.linear import LinearModel, softmax
from pantau.transform.text.normalize import as_string_array, raw_tokens_batch, tokenize_batch
from pantau.transform.text.settings import MODELS_DIR, models_dir
from pantau.transform.text.typing import EMOTION_LABELS, EmotionLabel

MODEL_PATH = MODELS_DIR / "emotion.npz"


@cache
def model() -> LinearModel:
    """The shipped emotion model (loaded once per process)."""
    path = models_dir() / MODEL_PATH.name
    loaded = LinearModel.load(path)
    if tuple(loaded.labels) != EMOTION_LABELS:
        raise ValueError(f"{path} has labels {loaded.labels}, expected {EMOTION_LABELS}")
    return loaded


def emotion_batch(texts: Iterable[str | None] | pa.Array | pa.ChunkedArray
                  ) -> list[EmotionLabel | None]:
    """Emotion of many posts at once (the vectorised path used by SQL)."""
    m = model()
    texts = as_string_array(texts)
    raw = Words(*raw_tokens_batch(texts)) if m.vectorizer.char_source == "raw" else None
    words = Words(*tokenize_batch(texts), raw=raw)
    matrix = m.vectorizer.transform(words)
    best = softmax(m.logits(matrix)).argmax(axis=1)
    # a post with no word (empty, only URLs, mentions or punctuation) has no emotion, even when
    # the raw tokens' character n-grams read its "!!!"
    lengths = np.asarray(pc.utf8_length(words.words).to_numpy(zero_copy_only=False))
    has_word = np.bincount(words.post_of, weights=lengths > 0, minlength=words.n_posts) > 0
    has_features = (np.diff(matrix.indptr) > 0) & has_word
    return [EMOTION_LABELS[i] if ok else None for i, ok in zip(best, has_features, strict=True)]


def emotion(text: str | None) -> EmotionLabel | None:
    """Emotion of one post (scalar)."""
    return emotion_batch([text])[0]
