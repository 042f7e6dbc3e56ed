"""Indonesian text functions: normalisation, sentiment, emotion, topic and Polres resolution.

Each function has a scalar form for one post and a vectorised ``*_batch`` form for many (the one
the SQL functions of :mod:`pantau.text.sql` run). Everything runs offline on the CPU from files
shipped in this package; see ``docs/text.md``.
"""

from pantau.text.emotion import emotion, emotion_batch
from pantau.text.normalize import normalize, normalize_batch
from pantau.text.polres import resolve as resolve_polres
from pantau.text.polres import resolve_batch as resolve_polres_batch
from pantau.text.sentiment import (
    Sentiment,
    sentiment,
    sentiment_batch,
    sentiment_label,
    sentiment_score,
)
from pantau.text.topic import topic, topic_batch
from pantau.text.typing import EmotionLabel, SentimentLabel, TopicLabel

__all__ = [
    "EmotionLabel",
    "Sentiment",
    "SentimentLabel",
    "TopicLabel",
    "emotion",
    "emotion_batch",
    "normalize",
    "normalize_batch",
    "resolve_polres",
    "resolve_polres_batch",
    "sentiment",
    "sentiment_batch",
    "sentiment_label",
    "sentiment_score",
    "topic",
    "topic_batch",
]
