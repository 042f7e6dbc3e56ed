"""Accuracy, per-class and macro F1, and the confusion matrix — plain Python, no scikit-learn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Report:
    """Classification figures of one data set."""

    name: str
    labels: tuple[str, ...]
    n: int
    accuracy: float
    f1: dict[str, float]
    confusion: list[list[int]]  # confusion[true][predicted], in ``labels`` order

    @property
    def macro_f1(self) -> float:
        return sum(self.f1.values()) / len(self.f1)

    def render(self) -> str:
        """A short text report: the figures, then the confusion matrix (rows are true labels)."""
        width = max(9, *(len(label) for label in self.labels)) + 1
        lines = [f"{self.name}: n={self.n}  accuracy={self.accuracy:.3f}  macro-F1={self.macro_f1:.3f}",
                 "  F1 per label: " + ", ".join(f"{k}={v:.3f}" for k, v in self.f1.items()),
                 "  confusion (rows: true, columns: predicted)",
                 "  " + "".ljust(width) + "".join(label.rjust(width) for label in self.labels)]
        for label, row in zip(self.labels, self.confusion, strict=True):
            lines.append("  " + label.ljust(width) + "".join(str(c).rjust(width) for c in row))
        return "\n".join(lines)


def classification_report(name: str, truth: Sequence[str], predicted: Sequence[str],
                          labels: Sequence[str]) -> Report:
    """Figures of ``predicted`` against ``truth``; labels outside ``labels`` count as errors."""
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels but {len(predicted)} predictions")
    index = {label: i for i, label in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    correct = 0
    for t, p in zip(truth, predicted, strict=True):
        correct += t == p
        if t in index and p in index:
            confusion[index[t]][index[p]] += 1
    f1 = {}
    for i, label in enumerate(labels):
        tp = confusion[i][i]
        fp = sum(confusion[r][i] for r in range(len(labels))) - tp
        fn = sum(truth_label == label for truth_label in truth) - tp
        f1[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return Report(name=name, labels=tuple(labels), n=len(truth),
                  accuracy=correct / len(truth) if truth else 0.0, f1=f1, confusion=confusion)
