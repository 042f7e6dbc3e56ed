"""Per-model feature options: character n-grams of words and the naive-Bayes-scaled penalty."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from pantau.transform.text.features import CHAR_KIND, Vectorizer, Words, char_ngrams, police_domain
from pantau.transform.text.linear import LinearModel, log_count_ratios, nb_penalty, train_softmax
from pantau.transform.text.normalize import tokenize_batch
from pantau.transform.text.sentiment import MODEL_PATH as SENTIMENT_MODEL

TEXTS = ["aku sayang banget sama kamu", "takut banget ada begal", "kesal sama polisi lambat",
         "senang sekali hari ini", "sayang kamu selalu", "takut pulang malam"]


def test_char_ngrams_pad_each_word() -> None:
    keys, of_word = char_ngrams(pa.array(["ab", "kamu"]), 2, 3)
    pairs = sorted(zip(keys.to_pylist(), of_word.tolist(), strict=True))
    assert ("<a", 0) in pairs and ("b>", 0) in pairs and ("<ab", 0) in pairs
    assert ("amu", 1) in pairs and ("mu>", 1) in pairs
    assert len(pairs) == 3 + 2 + 5 + 4  # "<ab>": 3 bigrams, 2 trigrams; "<kamu>": 5 and 4


def test_char_block_is_stored_and_loads(tmp_path: Path) -> None:
    words = Words(*tokenize_batch(TEXTS))
    vectorizer = Vectorizer.fit(words, min_df=1, char=(2, 4))
    assert CHAR_KIND in vectorizer.vocab
    matrix = vectorizer.transform(words)
    assert matrix.shape == (len(TEXTS), vectorizer.n_features)
    model = LinearModel(("a", "b"), vectorizer, np.ones((vectorizer.n_features, 2)), np.zeros(2))
    model.save(tmp_path / "m.npz")
    loaded = LinearModel.load(tmp_path / "m.npz")
    assert loaded.vectorizer.char == (2, 4)
    assert abs(loaded.vectorizer.transform(words) - matrix).max() < 1e-6
    # words unseen in training still share n-grams with seen ones
    unseen = Words(*tokenize_batch(["sayangku"]))
    assert loaded.vectorizer._char_counts(unseen).nnz > 0


def test_models_without_char_ngrams_stay_as_they_were() -> None:
    with np.load(SENTIMENT_MODEL) as data:
        assert "char_ngrams" not in data.files and f"vocab_{CHAR_KIND}" not in data.files
    assert LinearModel.load(SENTIMENT_MODEL).vectorizer.char is None


def test_nb_penalty_penalises_uninformative_features_more() -> None:
    words = Words(*tokenize_batch(TEXTS))
    y = np.array([0, 1, 0, 0, 0, 1])
    matrix = Vectorizer.fit(words, min_df=1).transform(words)
    ratios = log_count_ratios(matrix, y, 2)
    scale = nb_penalty(matrix, y, 2)
    assert scale.shape == ratios.shape == (matrix.shape[1], 2)
    assert np.median(scale) == 1.0
    assert np.all(np.diff(scale[np.argsort(ratios[:, 0]), 0]) <= 1e-12)
    weights, _ = train_softmax(matrix, y, 2, l2=1.0, penalty_scale=scale)
    assert weights.shape == (matrix.shape[1], 2)


def test_the_police_copy_is_stored_and_a_file_from_before_it_loads_as_before(
        tmp_path: Path) -> None:
    words = Words(*tokenize_batch([*TEXTS, "polisi tangkap begal, mantap pak"]))
    plain = Vectorizer.fit(words, min_df=1)
    copied = Vectorizer.fit(words, min_df=1, domain_scale=2.0)
    matrix = copied.transform(words)
    assert matrix.shape == (len(TEXTS) + 1, 2 * plain.n_features)
    # only posts with a police word have the copy: twice their shared features
    police = police_domain(words)
    assert police.tolist() == [False, False, True, False, False, False, True]
    copy, shared = matrix[:, plain.n_features:], matrix[:, :plain.n_features]
    assert copy[~police].nnz == 0
    assert abs(copy[police] - 2.0 * shared[police]).max() < 1e-9
    model = LinearModel(("a", "b"), copied, np.ones((copied.n_features, 2)), np.zeros(2))
    model.save(tmp_path / "copied.npz")
    assert LinearModel.load(tmp_path / "copied.npz").vectorizer.domain_scale == 2.0
    # a model file written before the copy existed has no domain_scale: no copy, same matrix
    old = LinearModel(("a", "b"), plain, np.ones((plain.n_features, 2)), np.zeros(2))
    old.save(tmp_path / "old.npz")
    with np.load(tmp_path / "old.npz") as data:
        arrays = {name: data[name] for name in data.files if name != "domain_scale"}
    np.savez_compressed(tmp_path / "old.npz", **arrays)  # type: ignore[arg-type]
    loaded = LinearModel.load(tmp_path / "old.npz")
    assert loaded.vectorizer.domain_scale == 0.0
    assert abs(loaded.vectorizer.transform(words) - plain.transform(words)).max() < 1e-6  # float32


def test_the_domain_head_reads_the_police_posts_and_a_file_without_it_reads_as_before(
        tmp_path: Path) -> None:
    words = Words(*tokenize_batch([*TEXTS, "polisi tangkap begal, mantap pak"]))
    vectorizer = Vectorizer.fit(words, min_df=1, domain_scale=2.0)
    matrix = vectorizer.transform(words)
    rng = np.random.default_rng(7)
    weights, bias = rng.normal(size=(vectorizer.n_features, 3)), np.array([0.1, 0.0, -0.1])
    domain_weights, domain_bias = -weights, np.array([-0.3, 0.2, 0.1])
    two = LinearModel(("positive", "neutral", "negative"), vectorizer, weights, bias,
                      domain_weights=domain_weights, domain_bias=domain_bias)
    police = two.in_domain(words)
    assert police is not None and police.tolist() == police_domain(words).tolist()
    logits = two.logits(matrix, police)
    # the police posts through the domain head, the others through the shared one
    assert np.allclose(logits[police], np.asarray(matrix[police] @ domain_weights) + domain_bias)
    assert np.allclose(logits[~police], np.asarray(matrix[~police] @ weights) + bias)
    assert two.head(True)[0] is domain_weights and two.head(False)[0] is weights
    two.save(tmp_path / "two.npz")
    loaded = LinearModel.load(tmp_path / "two.npz")
    assert loaded.domain_weights is not None
    assert np.allclose(loaded.predict_proba(words), two.predict_proba(words), atol=1e-5)
    # a model file from before the domain head: one head for every post, as before
    one = LinearModel(two.labels, vectorizer, weights, bias)
    one.save(tmp_path / "one.npz")
    old = LinearModel.load(tmp_path / "one.npz")
    assert old.domain_weights is None and old.in_domain(words) is None
    assert np.allclose(old.predict_proba(words), one.predict_proba(words), atol=1e-5)
    assert np.allclose(old.logits(matrix, police), np.asarray(matrix @ weights) + bias, atol=1e-4)


def test_the_shipped_sentiment_model_has_a_domain_head() -> None:
    model = LinearModel.load(SENTIMENT_MODEL)
    assert model.domain_weights is not None and model.domain_bias is not None
    assert model.domain_weights.shape == model.weights.shape
    assert model.metadata["domain_head_police_weight"] > model.metadata["police_weight"]


def test_character_ngrams_of_raw_tokens_are_stored_and_need_the_raw_tokens(
        tmp_path: Path) -> None:
    from pantau.transform.text.normalize import raw_tokens_batch

    texts = ["KESEL bgt!!! @polres_x https://t.co/a", "takut...", None, "", "\x00 " + "a" * 100_000]
    flat, offsets = raw_tokens_batch(texts)
    assert flat.to_pylist()[:3] == ["kesel", "bgt!!!", "takut..."]  # no mention, no URL
    assert flat.to_pylist()[-1] == "a" * 100  # cut
    assert offsets.tolist()[:5] == [0, 2, 3, 3, 3] and len(offsets) == len(texts) + 1
    words = Words(*tokenize_batch(texts), raw=Words(flat, offsets))
    vectorizer = Vectorizer.fit(words, min_df=1, char=(2, 4), char_source="raw")
    assert "!!" in vectorizer.vocab[CHAR_KIND].to_pylist()  # punctuation is kept
    matrix = vectorizer.transform(words)
    assert matrix.shape == (len(texts), vectorizer.n_features)
    with pytest.raises(ValueError, match="raw tokens"):
        vectorizer.transform(Words(*tokenize_batch(texts)))
    model = LinearModel(("a", "b"), vectorizer, np.ones((vectorizer.n_features, 2)), np.zeros(2))
    model.save(tmp_path / "raw.npz")
    assert LinearModel.load(tmp_path / "raw.npz").vectorizer.char_source == "raw"
    plain = Vectorizer.fit(words, min_df=1, char=(2, 4))
    LinearModel(("a", "b"), plain, np.ones((plain.n_features, 2)), np.zeros(2)).save(
        tmp_path / "words.npz")
    with np.load(tmp_path / "words.npz") as data:
        assert "char_source" not in data.files  # files whose n-grams read words are as before
    assert LinearModel.load(tmp_path / "words.npz").vectorizer.char_source == "words"
