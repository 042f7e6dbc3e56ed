"""Train the text models: the shipped ones (``scripts/train_text_models.py``) and new versions
with the analysts' corrections (``pantau train``, :func:`train_version`).

    .venv/bin/python scripts/train_text_models.py            # every shipped model
    .venv/bin/python scripts/train_text_models.py --only sentiment
    .venv/bin/python scripts/train_text_models.py --only words   # lexicon/word_counts.tsv
    .venv/bin/python scripts/train_text_models.py --only topic   # after editing the taxonomy seed

The word counts that split run-together hashtags (``pantau.transform.text.segment``) come from the
same sentiment training texts (SmSA + NusaX-Senti; never EmoT, whose licence is non-commercial).

Reads only the ``*_train`` files of the labelled data sets (``PANTAU_TEXT_DATA_DIR``, by default
the copies in ``pantau/transform/text/data/labelled/``): sentiment on SmSA + NusaX-Senti
(Indonesian), emotion on EmoT. The L2 strength is chosen by cross-validation on the training
files (macro-F1; 3 folds for sentiment, 5 for emotion: :data:`RECIPES`), never on the validation
files. Deterministic: the same data give
byte-identical weights up to floating-point summation order. Prints the cross-validation
figures; `pantau eval` reports the validation figures.

The topic model trains on the ``dev`` half of Pantau's labelled police posts only (the ``test``
half measures it: `pantau eval topic --split test`); its L2 strength, the scale of the taxonomy
scores and the probability below which it answers ``lainnya`` are chosen by cross-validation on
``dev``: the best precision whose share of ``lainnya`` stays at most TOPIC_MAX_OTHER.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from pantau.connections.warehouse import ensure_raw, scalar
from pantau.settings import Settings
from pantau.transform.text import datasets
from pantau.transform.text.datasets import POLICE_POSTS_PATH, PolicePost, police_posts
from pantau.transform.text.evaluate import models_from as models_env
from pantau.transform.text.evaluate import topic_quality
from pantau.transform.text.features import Vectorizer, Words
from pantau.transform.text.linear import LinearModel, nb_penalty, softmax, train_softmax
from pantau.transform.text.metrics import classification_report
from pantau.transform.text.normalize import raw_tokens_batch, tokenize_batch
from pantau.transform.text.segment import WORD_COUNTS_PATH, write_word_counts
from pantau.transform.text.segment import count_words as segment_count_words
from pantau.transform.text.settings import MODELS_DIR
from pantau.transform.text.topic import load_taxonomy, model_probabilities, topic_scores
from pantau.transform.text.typing import EMOTION_LABELS, NO_TOPIC, SENTIMENT_LABELS

L2_GRID = (0.1, 0.3, 1.0, 3.0)
FOLDS = 3
MIN_DF = 2
#: The two lexicon features are multiplied by this before training, which weakens the L2 penalty on
#: their weights: the reviewed lexicons (police terms above all) must carry over to posts unlike the
#: training reviews. A design choice, not tuned on the validation files.
LEXICON_SCALE = 3.0
#: Each labelled police post of the dev half counts this many times in the sentiment training set
#: (about 1,000 posts beside 11,500 reviews). Chosen once by 5-fold cross-validation on the dev half
#: (docs/text.md, "Police posts as training data").
POLICE_WEIGHT = 3
#: The sentiment model's second head, which reads the posts with a police word, is trained with
#: each police post counted this many times: 3-fold cross-validation over the training rows
#: (reviews and dev posts), scoring the police rows and the review rows apart, gains on the police
#: rows up to 16 and more with no loss on the review rows (docs/text.md).
DOMAIN_WEIGHT = 16
#: The sentiment features of a post in the police domain get a copy of their own, times this
#: (features.py, ``domain_scale``); SmSA's validation macro-F1 is 0.872 at 1, 2 and 3 alike, and
#: 0.861 without the copy (docs/text.md).
POLICE_SCALE = 2.0


@dataclass(frozen=True)
class Recipe:
    """How one task's model is trained: the per-model feature options stored in its file, the
    police posts it learns from, and how its L2 strength is chosen."""

    #: character n-grams of words, (shortest, longest); None: none
    char: tuple[int, int] | None = None
    #: what they read: "words" (normalised) or "raw" (the raw lower-cased tokens)
    char_source: str = "words"
    #: penalise each weight by the inverse naive-Bayes log-count ratio (:func:`nb_penalty`)
    nb: bool = False
    folds: int = FOLDS
    l2_grid: tuple[float, ...] = L2_GRID
    #: > 0: a police copy of the features, times this (features.py, ``domain_scale``)
    domain_scale: float = 0.0
    #: > 0: the dev half of the labelled police posts joins the training set, each post counted
    #: this many times (their sentiment label: sentiment only)
    police_weight: int = 0
    #: > 0: a second head for the posts in the police domain, trained on the same features with
    #: each police post counted this many times
    domain_weight: int = 0
    #: > 0: the five emotion lexicon scores, times this (features.py, ``emotion_scale``)
    emotion_scale: float = 0.0

    @property
    def method(self) -> str:
        """The method in words, recorded in the model file's metadata."""
        parts = ["normalised words, bigrams, 4-letter prefixes, 3-letter suffixes (sublinear "
                 "TF-IDF, L2-normalised)"]
        if self.char:
            of = "words" if self.char_source == "words" else "the raw lower-cased tokens"
            parts.append(f"character {self.char[0]}-{self.char[1]}-grams of {of} (<token>, a "
                         "second block, sublinear TF-IDF, L2-normalised)")
        lexicons = "2 lexicon scores"
        if self.emotion_scale:
            lexicons += (f" + 5 emotion lexicon scores (lexicon/emotion.tsv, x{self.emotion_scale})")
        method = " + ".join([*parts, lexicons])
        if self.domain_scale:
            method += (f"; a police copy of them (x{self.domain_scale}) for posts with a word "
                       "of lexicon/domain.tsv")
        method += "; multinomial logistic regression, class-balanced, L-BFGS"
        if self.nb:
            method += (", each weight's L2 penalty divided by its naive-Bayes log-count ratio "
                       "(NB-SVM-like)")
        if self.domain_weight:
            method += (f"; a second head, trained with the police posts counted "
                       f"{self.domain_weight} times, reads the posts with a word of "
                       "lexicon/domain.tsv")
        return method


RECIPES = {
    "sentiment": Recipe(domain_scale=POLICE_SCALE, police_weight=POLICE_WEIGHT,
                        domain_weight=DOMAIN_WEIGHT),
    #: character 2-5-grams of words, the naive-Bayes penalty and the emotion lexicon (x LEXICON_SCALE,
    #: like the sentiment scores), chosen by 5-fold cross-validation on the EmoT training file only
    #: (docs/text.md has the figures)
    "emotion": Recipe(char=(2, 5), char_source="raw", nb=True, folds=5, l2_grid=(0.1, 0.3, 1.0),
                      emotion_scale=LEXICON_SCALE),
}


def _subset(words: Words, rows: np.ndarray) -> Words:
    """The posts ``rows`` of a batch, as their own batch."""
    import pyarrow as pa

    pieces, offsets = [], [0]
    for r in rows:
        start, end = int(words.offsets[r]), int(words.offsets[r + 1])
        pieces.append((start, end))
        offsets.append(offsets[-1] + end - start)
    index = np.concatenate([np.arange(s, e) for s, e in pieces]) if pieces else np.zeros(0, int)
    return Words(words.words.take(pa.array(index, type=pa.int64())), np.array(offsets),
                 raw=None if words.raw is None else _subset(words.raw, rows))


def _fit(words: Words, y: np.ndarray, labels: Sequence[str], l2: float,
         recipe: Recipe = Recipe()) -> tuple[Vectorizer, np.ndarray, np.ndarray]:
    vectorizer = Vectorizer.fit(words, min_df=MIN_DF, lexicon_scale=LEXICON_SCALE, char=recipe.char,
                                domain_scale=recipe.domain_scale,
                                emotion_scale=recipe.emotion_scale,
                                char_source=recipe.char_source)
    matrix = vectorizer.transform(words)
    scale = nb_penalty(matrix, y, len(labels)) if recipe.nb else None
    weights, bias = train_softmax(matrix, y, len(labels), l2=l2, penalty_scale=scale)
    return vectorizer, weights, bias


def _choose_l2(words: Words, y: np.ndarray, labels: Sequence[str], recipe: Recipe = Recipe(),
               groups: np.ndarray | None = None) -> tuple[float, dict[str, float]]:
    """The L2 strength with the best mean macro-F1 over the recipe's folds of the training data.

    ``groups``: the source row of every row; repeated rows (a police post counted
    POLICE_WEIGHT times) share a fold, so a fold never scores a post it was trained on.
    """
    fold = (np.arange(len(y)) if groups is None else groups) % recipe.folds
    scores = {}
    for l2 in recipe.l2_grid:
        f1s = []
        for k in range(recipe.folds):
            train_rows, test_rows = np.nonzero(fold != k)[0], np.nonzero(fold == k)[0]
            vec, weights, bias = _fit(_subset(words, train_rows), y[train_rows], labels, l2,
                                      recipe)
            test = _subset(words, test_rows)
            predicted = softmax(np.asarray(vec.transform(test) @ weights) + bias).argmax(axis=1)
            report = classification_report("cv", [labels[i] for i in y[test_rows]],
                                           [labels[i] for i in predicted], labels)
            f1s.append(report.macro_f1)
        scores[str(l2)] = round(float(np.mean(f1s)), 4)
        print(f"  l2={l2}: cross-validated macro-F1 {scores[str(l2)]:.4f}", flush=True)
    best = max(recipe.l2_grid, key=lambda v: scores[str(v)])
    return best, scores


def train(task: str, out_dir: Path = MODELS_DIR, extra: Sequence[tuple[str, str]] = (),
          say: Callable[[str], None] = print) -> LinearModel:
    """Train one model ("sentiment" or "emotion") and write it to ``out_dir``.

    ``extra``: (text, label) rows added to the training files (the analysts' corrections).
    """
    if task == "sentiment":
        labels: tuple[str, ...] = SENTIMENT_LABELS
        sets = [datasets.load("smsa", "train"), datasets.load("nusax_id", "train")]
    else:
        labels = EMOTION_LABELS
        sets = [datasets.load("emot", "train")]
    path = out_dir / f"{task}.npz"
    rows: list[tuple[str, str, int]] = []  # (text, label, times counted)
    skipped = 0
    for labelled in sets:
        for text, label in zip(labelled.texts, labelled.labels, strict=True):
            if label not in labels:  # two malformed EmoT rows carry "anger;<text>" as label
                skipped += 1
                continue
            rows.append((text, label, 1))
    recipe = RECIPES[task]
    # Sentiment also learns from the dev half of Pantau's police posts (the test half measures).
    police = police_posts("dev") if recipe.police_weight else []
    police_rows = range(len(rows), len(rows) + len(police))
    rows += [(p.text, p.sentiment, recipe.police_weight) for p in police]
    rows += [(text, label, 1) for text, label in extra]
    texts = [text for text, _, times in rows for _ in range(times)]
    y = np.array([labels.index(label) for _, label, times in rows for _ in range(times)])
    groups = np.repeat(np.arange(len(rows)), [times for _, _, times in rows])
    counted = (f"{len(police)} police posts counted {recipe.police_weight} times; "
               if police else "")
    say(f"{task}: {len(rows):,} training posts ({counted}{len(extra)} analysts' corrections; "
        f"{skipped} malformed rows skipped)")
    started = time.monotonic()
    raw = Words(*raw_tokens_batch(texts)) if recipe.char_source == "raw" else None
    words = Words(*tokenize_batch(texts), raw=raw)
    l2, cv = _choose_l2(words, y, labels, recipe, groups)
    vectorizer, weights, bias = _fit(words, y, labels, l2, recipe)
    domain_weights = domain_bias = None
    if recipe.domain_weight and police:
        # the same features, the police posts counted domain_weight times instead
        times = [recipe.domain_weight if i in police_rows else t
                 for i, (_, _, t) in enumerate(rows)]
        matrix = vectorizer.transform(Words(*tokenize_batch(
            [text for (text, _, _), n in zip(rows, times, strict=True) for _ in range(n)])))
        y_domain = np.array([labels.index(label) for (_, label, _), n in
                             zip(rows, times, strict=True) for _ in range(n)])
        scale = nb_penalty(matrix, y_domain, len(labels)) if recipe.nb else None
        domain_weights, domain_bias = train_softmax(matrix, y_domain, len(labels), l2=l2,
                                                    penalty_scale=scale)
    metadata = {
        "task": task,
        "trained_on": [s.name for s in sets] + (
            [f"{POLICE_POSTS_PATH.name}, dev half ({len(police)} posts, counted "
             f"{recipe.police_weight} times)"] if police else []) + (
            [f"{len(extra)} analysts' corrections (audit.label_corrections)"] if extra else []),
        "provenance": {name: datasets.PROVENANCE[name] for name in
                       ({"sentiment": ["smsa", "nusax_id"], "emotion": ["emot"]}[task])},
        "note": "Derived from the data sets above; cite them. NusaX is CC-BY-SA 4.0: share-alike "
                "applies to redistributed derivatives of its data.",
        "method": recipe.method,
        "l2": l2,
        "lexicon_scale": LEXICON_SCALE,
        "police_weight": recipe.police_weight,
        "police_scale": recipe.domain_scale,
        "domain_head_police_weight": recipe.domain_weight if domain_weights is not None else 0,
        "cross_validated_macro_f1": cv,
        "n_train": len(y),
        "n_features": int(vectorizer.n_features),
        "command": "python scripts/train_text_models.py",
        "cross_validation_folds": recipe.folds,
        "char_ngrams": list(recipe.char) if recipe.char else None,
        "char_ngrams_of": recipe.char_source,
        "nb_penalty": recipe.nb,
        "emotion_lexicon_scale": recipe.emotion_scale,
    }
    model = LinearModel(labels=labels, vectorizer=vectorizer, weights=weights, bias=bias,
                        metadata=metadata, domain_weights=domain_weights, domain_bias=domain_bias)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(path)
    size = path.stat().st_size
    say(f"{task}: l2={l2}, {vectorizer.n_features:,} features, wrote {path} "
        f"({size / 1e6:.2f} MB) in {time.monotonic() - started:.0f}s")
    return model


TOPIC_SCALES = (0.3, 1.0)
TOPIC_FLOORS = (0.0, 0.3, 0.4, 0.5)
#: The most ``lainnya`` the topic model may answer on the held-out folds (the target is < 0.30).
TOPIC_MAX_OTHER = 0.25
TOPIC_FOLDS = 5


def _topic_fit(words: Words, scores: np.ndarray, y: np.ndarray, n_labels: int, l2: float,
               scale: float) -> tuple[Vectorizer, np.ndarray, np.ndarray]:
    import scipy.sparse as sp

    vectorizer = Vectorizer.fit(words, min_df=MIN_DF, lexicon_scale=LEXICON_SCALE)
    matrix = sp.hstack([vectorizer.transform(words), sp.csr_matrix(scores * scale)]).tocsr()
    weights, bias = train_softmax(matrix, y, n_labels, l2=l2)
    return vectorizer, weights, bias


def _topic_choice(words: Words, scores: np.ndarray, posts: Sequence[PolicePost],
                  labels: Sequence[str]) -> tuple[tuple[float, float, float], dict[str, Any]]:
    """(l2, scale, floor) with the best cross-validated precision at most TOPIC_MAX_OTHER other."""
    y = np.array([labels.index(p.topic) for p in posts])
    fold = np.arange(len(y)) % TOPIC_FOLDS
    tried: dict[str, Any] = {}
    best: tuple[float, tuple[float, float, float]] = (-1.0, (1.0, 1.0, 0.0))
    for l2 in L2_GRID:
        for scale in TOPIC_SCALES:
            probabilities = np.zeros((len(y), len(labels)))
            for k in range(TOPIC_FOLDS):
                train_rows, test_rows = np.nonzero(fold != k)[0], np.nonzero(fold == k)[0]
                vec, weights, bias = _topic_fit(_subset(words, train_rows), scores[train_rows],
                                                y[train_rows], len(labels), l2, scale)
                trained = LinearModel(tuple(labels), vec, weights, bias,
                                      {"taxonomy_scale": scale})
                probabilities[test_rows] = model_probabilities(
                    _subset(words, test_rows), scores[test_rows], trained)
            for floor in TOPIC_FLOORS:
                found = [labels[b] if probabilities[i, b] >= floor and scores[i].any() else NO_TOPIC
                         for i, b in enumerate(probabilities.argmax(axis=1))]
                quality = topic_quality(posts, found)
                tried[f"l2={l2} scale={scale} floor={floor}"] = {
                    "precision": round(quality.precision, 4), "other": round(quality.other, 4)}
                if quality.other <= TOPIC_MAX_OTHER and quality.precision > best[0]:
                    best = (quality.precision, (l2, scale, floor))
    return best[1], tried


def train_topic(out_dir: Path = MODELS_DIR, extra: Sequence[tuple[str, str]] = (),
                say: Callable[[str], None] = print) -> LinearModel:
    """Train the topic model on the dev half of the labelled police posts (plus ``extra``
    (text, topic) rows: the analysts' corrections) and write it to ``out_dir``."""
    posts = police_posts("dev") + [
        PolicePost(id=f"correction-{i}", text=text, national=False, polda=frozenset(),
                   polres=frozenset(), topic=topic, topic_also=None, sentiment="neutral",
                   case="correction") for i, (text, topic) in enumerate(extra)]
    labels = (*load_taxonomy().topics, NO_TOPIC)
    started = time.monotonic()
    words = Words(*tokenize_batch([p.text for p in posts]))
    scores = topic_scores(words)
    (l2, scale, floor), tried = _topic_choice(words, scores, posts, labels)
    y = np.array([labels.index(p.topic) for p in posts])
    vectorizer, weights, bias = _topic_fit(words, scores, y, len(labels), l2, scale)
    metadata = {
        "task": "topic",
        "trained_on": f"{POLICE_POSTS_PATH.name}, dev half ({len(posts) - len(extra)} posts)"
                      + (f", {len(extra)} analysts' corrections" if extra else ""),
        "provenance": "written and labelled for Pantau; never copied from an export",
        "method": "the sentiment model's word features + one taxonomy score per topic (scaled); "
                  "multinomial logistic regression, class-balanced, L-BFGS; lainnya below "
                  "min_probability or when no taxonomy term is found",
        "l2": l2, "taxonomy_scale": scale, "min_probability": floor,
        "cross_validated": tried[f"l2={l2} scale={scale} floor={floor}"],
        "n_train": len(posts),
        "command": "python scripts/train_text_models.py --only topic",
    }
    model = LinearModel(labels=labels, vectorizer=vectorizer, weights=weights, bias=bias,
                        metadata=metadata)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "topic.npz"
    model.save(path)
    say(f"topic: l2={l2}, taxonomy scale={scale}, min probability={floor}, cross-validated "
        f"{metadata['cross_validated']}; wrote {path} ({path.stat().st_size / 1e6:.2f} MB) in "
        f"{time.monotonic() - started:.0f}s")
    return model


def sentiment_training_texts() -> list[str]:
    """The texts of the sentiment training files (the word counts' source)."""
    return [t for name in ("smsa", "nusax_id") for t in datasets.load(name, "train").texts]


def count_words() -> None:
    n = write_word_counts(segment_count_words(sentiment_training_texts()))
    print(f"words: wrote {WORD_COUNTS_PATH} ({n:,} words)", flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    """``scripts/train_text_models.py``: the shipped models (and word counts), in the package."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["sentiment", "emotion", "words", "topic"], default=None)
    args = parser.parse_args(argv)
    if args.only in (None, "words"):
        count_words()
    for task in ("sentiment", "emotion"):
        if args.only in (None, task):
            train(task)
    if args.only in (None, "topic"):
        train_topic()



TASKS = ("sentiment", "emotion", "topic")


@dataclass(frozen=True)
class TrainedVersion:
    """A folder of models that :func:`train_version` wrote, its version and what it learnt from."""

    folder: Path
    version: str
    based_on: str
    corrections: dict[str, int]  # model trained -> the corrections it learnt from


def analyst_examples(settings: Settings) -> dict[str, list[tuple[str, str]]]:
    """(post text, label) per field from the analysts' corrections: the latest per post and field
    (sentiment, emotion, topic; Polres corrections teach no model), for posts still in fct_posts."""
    from pantau.ingest.corrections import connect_when_free

    con = connect_when_free(settings)
    try:
        ensure_raw(con)
        built = scalar(con, "select count(*) from information_schema.tables where "
                            "table_schema = 'marts' and table_name = 'fct_posts'")
        if not built:
            return {field: [] for field in TASKS}
        rows = con.execute("""
            select c.field, p.post_text,
                   arg_max(c.value, (c.corrected_at, c.correction_id)) as label
            from audit.label_corrections as c
            inner join marts.fct_posts as p on p.post_key = c.post_key
            where c.field in ('sentiment', 'emotion', 'topic')
            group by c.post_key, c.field, p.post_text
            order by c.post_key, c.field""").fetchall()
    finally:
        con.close()
    examples: dict[str, list[tuple[str, str]]] = {field: [] for field in TASKS}
    for field, text, label in rows:
        examples[field].append((text, label))
    return examples


def train_version(settings: Settings, *, out_dir: Path | None = None, use_corrections: bool = True,
                  only: str | None = None, say: Callable[[str], None] = print) -> TrainedVersion:
    """Train new models (all, or ``only`` one) from the shipped data plus the analysts'
    corrections into a new folder, ``{state}/models/<UTC time>`` by default; the models not
    retrained are copied from the active folder (``PANTAU_TEXT_MODELS_DIR``). Nothing changes
    until that variable names the new folder."""
    import shutil

    from pantau.transform.text.settings import emotion_enabled, models_dir
    from pantau.transform.text.versions import model_version

    active = models_dir()
    based_on = model_version()
    folder = out_dir or settings.state_dir / "models" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if folder.resolve() == active.resolve():
        raise ValueError(f"{folder} holds the active models: train into another folder")
    folder.mkdir(parents=True, exist_ok=True)
    examples = (analyst_examples(settings) if use_corrections
                else {field: [] for field in TASKS})
    counts: dict[str, int] = {}
    for task in TASKS:
        if only not in (None, task) or (task == "emotion" and not emotion_enabled()):
            source = active / f"{task}.npz"
            if source.is_file():
                shutil.copy2(source, folder / source.name)
            continue
        counts[task] = len(examples[task])
        if task == "topic":
            train_topic(folder, examples["topic"], say=say)
        else:
            train(task, folder, examples[task], say=say)
    with models_env(folder):
        version = model_version()
    (folder / "training.json").write_text(json.dumps({
        "version": version, "based_on": based_on, "trained": only or "all",
        "analysts_corrections": counts,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds")}, indent=2) + "\n",
        encoding="utf-8")
    return TrainedVersion(folder, version, based_on, counts)
