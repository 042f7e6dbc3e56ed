"""The emotion lexicon (lexicon/emotion.tsv, written for Pantau) and its five features."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pantau.transform.text import lexicon
from pantau.transform.text.features import Vectorizer, Words, emotion_scores
from pantau.transform.text.linear import LinearModel
from pantau.transform.text.normalize import normalize, tokenize_batch

TEXTS = ["aku sayang banget sama kamu", "takut banget ada begal", "kesal sama polisi lambat",
         "senang sekali hari ini", "sayang kamu selalu", "takut pulang malam"]


def test_the_lexicon_loads_with_known_emotions_and_weights() -> None:
    terms = lexicon.emotion_terms()
    assert len(terms) >= 300
    assert {emotion for _, emotion, _ in terms} == set(lexicon.EMOTIONS)
    assert all(0 < weight <= 3 for _, _, weight in terms)
    assert all(normalize(term) for term, _, _ in terms)  # no term normalises to nothing


def test_scores_follow_the_terms_negation_and_intensifiers() -> None:
    anger, fear, happy, love, sadness = range(5)
    scores = emotion_scores(Words(*tokenize_batch([
        "takut bgt ada begal", "aku tidak takut", "sayang kamu ❤️", "hiks sedih 😭",
        "alhamdulillah lulus", "kesel sama lo", "rapat jam tiga", "", None])))
    assert scores.shape == (9, 5)
    assert scores[0, fear] > 3  # takut, intensified, and begal
    assert not scores[1].any()  # negated: not fear
    assert scores[2, love] > 0 and scores[3, sadness] > scores[3, :sadness].max()
    assert scores[4, happy] > 0 and scores[5, anger] > 0  # "kesel" is read as "kesal"
    assert not scores[6:].any()


def test_features_are_five_more_columns_and_the_option_is_stored(tmp_path: Path) -> None:
    words = Words(*tokenize_batch(TEXTS))
    plain = Vectorizer.fit(words, min_df=1)
    with_emotion = Vectorizer.fit(words, min_df=1, emotion_scale=2.0)
    matrix = with_emotion.transform(words)
    assert matrix.shape == (len(TEXTS), plain.n_features + 5) == (len(TEXTS),
                                                                    with_emotion.n_features)
    assert len(with_emotion.feature_names()) == with_emotion.n_features
    assert abs(matrix[:, : plain.n_features] - plain.transform(words)).max() < 1e-12
    expected = np.log1p(emotion_scores(words)) * 2.0
    assert np.allclose(matrix[:, plain.n_features:].toarray(), expected)
    model = LinearModel(("a", "b"), with_emotion, np.ones((with_emotion.n_features, 2)),
                        np.zeros(2))
    model.save(tmp_path / "emotion.npz")
    loaded = LinearModel.load(tmp_path / "emotion.npz")
    assert loaded.vectorizer.emotion_scale == 2.0
    assert np.allclose(loaded.predict_proba(words), model.predict_proba(words))


def test_a_model_file_without_the_option_loads_and_answers_as_before(tmp_path: Path) -> None:
    words = Words(*tokenize_batch(TEXTS))
    plain = Vectorizer.fit(words, min_df=1, char=(2, 4))
    rng = np.random.default_rng(0)
    old = LinearModel(("a", "b"), plain, rng.normal(size=(plain.n_features, 2)), np.zeros(2))
    old.save(tmp_path / "old.npz")
    with np.load(tmp_path / "old.npz") as data:
        assert "emotion_scale" not in data.files  # files without the lexicon are as before
    loaded = LinearModel.load(tmp_path / "old.npz")
    assert loaded.vectorizer.emotion_scale == 0.0
    assert loaded.vectorizer.n_features == plain.n_features
    assert np.allclose(loaded.predict_proba(words), old.predict_proba(words), atol=1e-6)


def test_hostile_texts_do_not_crash() -> None:
    texts = ["takut " * 20_000, "a" * 100_000, "\x00\x00 marah \x00", "😭" * 5_000,
             "tidak tidak tidak", "sangat", "\u202e takut \u200d"]
    scores = emotion_scores(Words(*tokenize_batch(texts)))
    assert scores.shape == (len(texts), 5) and np.isfinite(scores).all()
    assert scores[0, 1] > 0 and scores[3, 4] > 0
    words = Words(*tokenize_batch(texts))
    vectorizer = Vectorizer.fit(Words(*tokenize_batch(TEXTS)), min_df=1, emotion_scale=3.0)
    matrix = vectorizer.transform(words)
    assert matrix.shape == (len(texts), vectorizer.n_features)
    assert np.isfinite(matrix.data).all()
