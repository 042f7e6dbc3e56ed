"""Closed label sets of the text functions."""

from __future__ import annotations

from typing import Literal

SentimentLabel = Literal["positive", "neutral", "negative"]
EmotionLabel = Literal["anger", "fear", "happy", "love", "sadness"]
TopicLabel = Literal[
    "laporan_diabaikan",
    "pungli_pemerasan",
    "kekerasan_berlebihan",
    "penanganan_kasus",
    "apresiasi_pelayanan",
    "pelayanan_publik",
    "bakti_sosial",
    "lalu_lintas",
    "kriminalitas",
    "pelanggaran_anggota",
    "bencana",
    "himbauan_informasi",
    "lainnya",
]

SENTIMENT_LABELS: tuple[SentimentLabel, ...] = ("positive", "neutral", "negative")
EMOTION_LABELS: tuple[EmotionLabel, ...] = ("anger", "fear", "happy", "love", "sadness")
#: ``lainnya`` ("other") is what a post that fits no topic of the taxonomy gets.
NO_TOPIC: TopicLabel = "lainnya"
