"""Metrics arithmetic, model files (metadata, size, clear errors) and emotion labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from pantau.transform.text.emotion import MODEL_PATH as EMOTION_MODEL
from pantau.transform.text.emotion import emotion_batch
from pantau.transform.text.exceptions import TextModelMissingError
from pantau.transform.text.linear import LinearModel
from pantau.transform.text.metrics import classification_report
from pantau.transform.text.sentiment import MODEL_PATH as SENTIMENT_MODEL
from pantau.transform.text.settings import DATA_DIR_ENV, DEFAULT_DATA_DIR, data_dir


def test_classification_report_counts_and_macro_f1() -> None:
    report = classification_report("t", ["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    assert report.confusion == [[1, 1], [0, 2]]
    assert report.accuracy == 0.75
    assert report.f1 == {"a": pytest.approx(2 / 3), "b": pytest.approx(0.8)}
    assert "macro-F1=0.733" in report.render()


@pytest.mark.parametrize("path", [SENTIMENT_MODEL, EMOTION_MODEL])
def test_model_files_are_small_and_carry_provenance(path: Path) -> None:
    assert path.stat().st_size < 5_000_000
    model = LinearModel.load(path)
    assert model.metadata["provenance"]
    assert "licence" in " ".join(model.metadata["provenance"].values()) or "CC-BY-SA" in str(
        model.metadata["provenance"])
    assert model.weights.shape == (model.vectorizer.n_features, len(model.labels))


def test_missing_model_names_the_training_command(tmp_path: Path) -> None:
    with pytest.raises(TextModelMissingError, match=r"train_text_models\.py"):
        LinearModel.load(tmp_path / "nope.npz")


def test_data_dir_setting_reads_its_environment_variable(tmp_path: Path) -> None:
    assert data_dir({DATA_DIR_ENV: str(tmp_path)}) == tmp_path.resolve()
    assert data_dir({}) == DEFAULT_DATA_DIR


def test_emotion_labels_are_the_closed_set_and_empty_is_none() -> None:
    result = emotion_batch(["aku sayang banget sama kamu ❤️", "takut bgt ada begal", None, ""])
    assert result[0] == "love"
    assert result[1] == "fear"
    assert result[2:] == [None, None]


def test_a_post_with_no_word_has_no_emotion() -> None:
    """Punctuation, URLs and mentions alone are no emotion, though the raw tokens' character
    n-grams read "!!!"; with a word, the punctuation still counts."""
    result = emotion_batch(["!!!", "??? !!!", "@polres_bogor https://t.co/x ...", "kesel!!!"])
    assert result[:3] == [None, None, None]
    assert result[3] is not None
