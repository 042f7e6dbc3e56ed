"""Evaluation on the validation files and the labelled Polres set: what `pantau eval` prints."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pantau.transform.text import datasets
from pantau.transform.text.emotion import emotion_batch
from pantau.transform.text.metrics import Report, classification_report
from pantau.transform.text.sentiment import sentiment_batch
from pantau.transform.text.settings import LABELLED_DIR
from pantau.transform.text.typing import EMOTION_LABELS, SENTIMENT_LABELS
from pantau.transform.text.units import resolve_polres_batch as resolve_batch

POLRES_SET = LABELLED_DIR / "polres_labelled.jsonl"


def evaluate_sentiment(root: Path | None = None) -> list[Report]:
    """One report per sentiment validation file (SmSA, NusaX Indonesian)."""
    reports = []
    for name in ("smsa", "nusax_id"):
        labelled = datasets.load(name, "valid", root=root)
        predicted = sentiment_batch(labelled.texts).labels
        reports.append(classification_report(labelled.name, labelled.labels, predicted,
                                              SENTIMENT_LABELS))
    return reports


def evaluate_emotion(root: Path | None = None) -> list[Report]:
    """The report on the EmoT validation file (posts without a known word count as errors)."""
    labelled = datasets.load("emot", "valid", root=root)
    predicted = [p or "none" for p in emotion_batch(labelled.texts)]
    return [classification_report(labelled.name, labelled.labels, predicted, EMOTION_LABELS)]


@dataclass(frozen=True)
class PolresReport:
    """Micro precision and recall over (post, polres_id) pairs, and the posts that differ."""

    n_posts: int
    true_positives: int
    false_positives: int
    false_negatives: int
    errors: list[tuple[str, list[str], list[str]]]  # (text, expected, found)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    def render(self) -> str:
        lines = [f"polres_labelled: n={self.n_posts} posts  precision={self.precision:.3f}  "
                 f"recall={self.recall:.3f}  (tp={self.true_positives}, fp={self.false_positives}, "
                 f"fn={self.false_negatives})"]
        for text, expected, found in self.errors:
            lines.append(f"  expected {expected}, found {found}: {text}")
        return "\n".join(lines)


def evaluate_polres(path: Path = POLRES_SET) -> PolresReport:
    """Precision and recall of :func:`resolve_batch` on the shipped labelled posts."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    found = resolve_batch([row["text"] for row in rows])
    tp = fp = fn = 0
    errors = []
    for row, predicted in zip(rows, found, strict=True):
        expected, got = set(row["polres_ids"]), set(predicted)
        tp += len(expected & got)
        fp += len(got - expected)
        fn += len(expected - got)
        if expected != got:
            errors.append((row["text"], sorted(expected), sorted(got)))
    return PolresReport(len(rows), tp, fp, fn, errors)
