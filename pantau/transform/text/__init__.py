"""Indonesian text functions: normalisation, sentiment, emotion, topic, and the police units a post
names (Polres, Polda, Polri).

Each function has a scalar form for one post and a vectorised ``*_batch`` form for many (the one
the SQL functions of :mod:`pantau.transform.text.sql` run). Everything runs offline on the CPU from files
shipped in this package; see ``docs/text.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public names -> "module:attribute". Imported on first use: the models need numpy and scipy,
# which `pantau --help` and the DAG files should not pay for.
_EXPORTS = {
    "EmotionLabel": "typing:EmotionLabel",
    "Sentiment": "sentiment:Sentiment",
    "SentimentLabel": "typing:SentimentLabel",
    "TopicLabel": "typing:TopicLabel",
    "emotion": "emotion:emotion",
    "emotion_batch": "emotion:emotion_batch",
    "normalize": "normalize:normalize",
    "normalize_batch": "normalize:normalize_batch",
    "names_polri": "units:names_polri",
    "resolve_polda": "units:resolve_polda",
    "resolve_polres": "units:resolve_polres",
    "resolve_polres_batch": "units:resolve_polres_batch",
    "resolve_units": "units:resolve_units",
    "resolve_units_batch": "units:resolve_units_batch",
    "sentiment": "sentiment:sentiment",
    "sentiment_batch": "sentiment:sentiment_batch",
    "sentiment_label": "sentiment:sentiment_label",
    "sentiment_score": "sentiment:sentiment_score",
    "topic": "topic:topic",
    "topic_batch": "topic:topic_batch",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'pantau.transform.text' has no attribute {name!r}")
    module, attribute = _EXPORTS[name].split(":")
    return getattr(importlib.import_module(f"pantau.transform.text.{module}"), attribute)


__all__ = [
    "EmotionLabel",
    "Sentiment",
    "SentimentLabel",
    "TopicLabel",
    "emotion",
    "emotion_batch",
    "names_polri",
    "normalize",
    "normalize_batch",
    "resolve_polda",
    "resolve_polres",
    "resolve_polres_batch",
    "resolve_units",
    "resolve_units_batch",
    "sentiment",
    "sentiment_batch",
    "sentiment_label",
    "sentiment_score",
    "topic",
    "topic_batch",
]
