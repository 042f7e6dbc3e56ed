"""Evaluation on the validation files and Pantau's labelled posts: what `pantau eval` prints.

The labelled police posts (:func:`pantau.transform.text.datasets.police_posts`) are split in two
fixed halves: rules and the topic model are tuned on ``dev``; ``test`` only measures, and its
report never lists the posts it got wrong.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pantau.transform.text import datasets
from pantau.transform.text.datasets import PolicePost, PoliceSplit, police_posts
from pantau.transform.text.emotion import emotion_batch
from pantau.transform.text.metrics import Report, classification_report
from pantau.transform.text.sentiment import sentiment_batch
from pantau.transform.text.settings import LABELLED_DIR, MODELS_ENV
from pantau.transform.text.topic import load_taxonomy, topic_batch
from pantau.transform.text.typing import EMOTION_LABELS, NO_TOPIC, SENTIMENT_LABELS
from pantau.transform.text.units import POLRI_ID, resolve_units_batch
from pantau.transform.text.units import resolve_polres_batch as resolve_batch

POLRES_SET = LABELLED_DIR / "polres_labelled.jsonl"


def evaluate_sentiment(root: Path | None = None) -> list[Report]:
    """One report per sentiment validation file (SmSA, NusaX Indonesian), then one on the
    held-out half of Pantau's labelled police posts (``police_posts_test``)."""
    reports = []
    for name in ("smsa", "nusax_id"):
        labelled = datasets.load(name, "valid", root=root)
        predicted = sentiment_batch(labelled.texts).labels
        reports.append(classification_report(labelled.name, labelled.labels, predicted,
                                              SENTIMENT_LABELS))
    test = police_posts("test")
    reports.append(classification_report(
        "police_posts_test", [p.sentiment for p in test],
        sentiment_batch([p.text for p in test]).labels, SENTIMENT_LABELS))
    return reports


def evaluate_emotion(root: Path | None = None) -> list[Report]:
    """The report on the EmoT validation file (posts without a known word count as errors)."""
    labelled = datasets.load("emot", "valid", root=root)
    predicted = [p or "none" for p in emotion_batch(labelled.texts)]
    return [classification_report(labelled.name, labelled.labels, predicted, EMOTION_LABELS)]


class _PrecisionRecall:
    """Micro precision and recall from ``true_positives``, ``false_positives``, ``false_negatives``."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0


@dataclass(frozen=True)
class PolresReport(_PrecisionRecall):
    """Micro precision and recall over (post, polres_id) pairs, and the posts that differ."""

    n_posts: int
    true_positives: int
    false_positives: int
    false_negatives: int
    errors: list[tuple[str, list[str], list[str]]]  # (text, expected, found)

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


@dataclass(frozen=True)
class Counts(_PrecisionRecall):
    """Micro precision and recall of one level over (post, unit) pairs."""

    level: str
    true_positives: int
    false_positives: int
    false_negatives: int


@dataclass(frozen=True)
class UnitsReport:
    """Attribution at the three levels on one split of the labelled police posts."""

    split: str
    n_posts: int
    levels: dict[str, Counts]
    cases: dict[str, tuple[int, int]]  # awkward case -> (posts, posts with every level right)
    errors: list[tuple[str, str, str]]  # (text, expected, found), shown for the dev split only

    def render(self) -> str:
        lines = [f"units on police_posts_labelled ({self.split}): n={self.n_posts} posts"]
        for c in self.levels.values():
            lines.append(f"  {c.level:<9} precision={c.precision:.3f}  recall={c.recall:.3f}  "
                         f"(tp={c.true_positives}, fp={c.false_positives}, fn={c.false_negatives})")
        lines.append("  cases (posts all right / posts): " + ", ".join(
            f"{case} {right}/{n}" for case, (n, right) in sorted(self.cases.items())))
        lines += [f"  expected {e}, found {f}: {t}" for t, e, f in self.errors]
        return "\n".join(lines)


@dataclass(frozen=True)
class TopicQuality:
    """Share of ``lainnya`` and precision of the other answers (a post's ``topic_also`` counts)."""

    n_posts: int
    answered: int
    correct: int

    @property
    def other(self) -> float:
        return 1 - self.answered / self.n_posts if self.n_posts else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.answered if self.answered else 1.0


def topic_quality(posts: Sequence[PolicePost], found: Sequence[str]) -> TopicQuality:
    """How ``found`` (one topic per post) fares against the labels."""
    answered = [(p, t) for p, t in zip(posts, found, strict=True) if t != NO_TOPIC]
    correct = sum(t in (p.topic, p.topic_also) for p, t in answered)
    return TopicQuality(len(posts), len(answered), correct)


@dataclass(frozen=True)
class TopicReport:
    split: str
    quality: TopicQuality
    confusion: Report
    errors: list[tuple[str, str, str]]  # (text, expected, found), dev split only

    def render(self) -> str:
        q = self.quality
        lines = [f"topics on police_posts_labelled ({self.split}): n={q.n_posts} posts  "
                 f"lainnya={q.other:.3f}  precision={q.precision:.3f} "
                 f"({q.correct}/{q.answered} answered right, topic_also counting)",
                 self.confusion.render()]
        lines += [f"  expected {e}, found {f}: {t}" for t, e, f in self.errors]
        return "\n".join(lines)


def evaluate_units(split: PoliceSplit = "test") -> UnitsReport:
    """National, Polda and Polres attribution of :func:`resolve_units_batch` on one split."""
    posts = police_posts(split)
    found = resolve_units_batch([p.text for p in posts])
    counts = {level: [0, 0, 0] for level in ("national", "polda", "polres")}
    cases: dict[str, list[int]] = {}
    errors = []
    for post, units in zip(posts, found, strict=True):
        pairs = {"national": ({POLRI_ID} if post.national else set(),
                              {POLRI_ID} if units.names_polri else set()),
                 "polda": (set(post.polda), set(units.polda_ids)),
                 "polres": (set(post.polres), set(units.polres_ids))}
        for level, (expected, got) in pairs.items():
            counts[level][0] += len(expected & got)
            counts[level][1] += len(got - expected)
            counts[level][2] += len(expected - got)
        right = all(expected == got for expected, got in pairs.values())
        case = cases.setdefault(post.case, [0, 0])
        case[0] += 1
        case[1] += right
        if not right and split == "dev":
            errors.append((post.text, _units_text(*(e for e, _ in pairs.values())),
                           _units_text(*(g for _, g in pairs.values()))))
    return UnitsReport(split, len(posts), {k: Counts(k, *v) for k, v in counts.items()},
                       {k: (v[0], v[1]) for k, v in cases.items()}, errors)


def _units_text(national: set[str], polda: set[str], polres: set[str]) -> str:
    return "[" + ", ".join([*sorted(national), *sorted(polda), *sorted(polres)]) + "]"


def evaluate_topics(split: PoliceSplit = "test") -> TopicReport:
    """The topic function on one split of the labelled police posts."""
    posts = police_posts(split)
    found = topic_batch([p.text for p in posts])
    labels = (*load_taxonomy().topics, NO_TOPIC)
    confusion = classification_report(f"police_posts_{split}", [p.topic for p in posts], found,
                                      labels)
    errors: list[tuple[str, str, str]] = [(p.text, p.topic, str(t)) for p, t in zip(posts, found, strict=True)
              if t not in (p.topic, p.topic_also)] if split == "dev" else []
    return TopicReport(split, topic_quality(posts, found), confusion, errors)


@contextmanager
def models_from(folder: Path) -> Iterator[None]:
    """Within the block the text functions use the models of ``folder`` (one thread: the CLI)."""
    from pantau.transform.text import emotion, sentiment, topic

    before = os.environ.get(MODELS_ENV)
    loaders = (sentiment.model, emotion.model, topic.model)
    os.environ[MODELS_ENV] = str(folder)
    for loader in loaders:
        loader.cache_clear()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(MODELS_ENV, None)
        else:
            os.environ[MODELS_ENV] = before
        for loader in loaders:
            loader.cache_clear()


ComparisonSet = tuple[str, list[str], list[str], tuple[str, ...]]


def _comparison_sets(task: str) -> list[ComparisonSet]:
    """(name, texts, true labels, labels) of the files a task is compared on."""
    test = police_posts("test")
    if task == "sentiment":
        sentiment_labels: tuple[str, ...] = SENTIMENT_LABELS
        sets = [datasets.load(name, "valid") for name in ("smsa", "nusax_id")]
        found: list[ComparisonSet] = [(s.name, s.texts, s.labels, sentiment_labels) for s in sets]
        police: ComparisonSet = ("police_posts_test", [p.text for p in test],
                                 [p.sentiment for p in test], sentiment_labels)
        return [*found, police]
    if task == "emotion":
        emot = datasets.load("emot", "valid")
        return [(emot.name, emot.texts, emot.labels, tuple(EMOTION_LABELS))]
    return [("police_posts_test", [p.text for p in test], [p.topic for p in test],
             (*load_taxonomy().topics, NO_TOPIC))]


def _predict(task: str, texts: list[str]) -> list[str]:
    if task == "sentiment":
        return list(sentiment_batch(texts).labels)
    if task == "emotion":
        return [p or "none" for p in emotion_batch(texts)]
    return [str(t) for t in topic_batch(texts)]


def compare_versions(task: str, active: Path, other: Path, *, show: int = 10) -> str:
    """Macro-F1 of two model folders on the same files, and the posts whose label changed."""
    sets = _comparison_sets(task)
    found = {}
    for folder in (active, other):
        with models_from(folder):
            found[folder] = [_predict(task, texts) for _name, texts, _truth, _labels in sets]
    lines = [f"{task}: {active} (A) against {other} (B)"]
    for i, (name, texts, truth, labels) in enumerate(sets):
        a, b = found[active][i], found[other][i]
        f1_a = classification_report(name, truth, a, labels).macro_f1
        f1_b = classification_report(name, truth, b, labels).macro_f1
        changed = [(t, y, x, z) for t, y, x, z in zip(texts, truth, a, b, strict=True) if x != z]
        fixed = sum(z == y for _t, y, _x, z in changed)
        broken = sum(x == y for _t, y, x, _z in changed)
        lines.append(f"  {name}: n={len(texts)}  macro-F1 A={f1_a:.3f} B={f1_b:.3f}  "
                     f"{len(changed)} labels changed ({fixed} now right, {broken} now wrong)")
        if name != "police_posts_test":  # the held-out half never lists its posts
            lines += [f"    {x} -> {z} (true {y}): {t[:100]}" for t, y, x, z in changed[:show]]
    return "\n".join(lines)
