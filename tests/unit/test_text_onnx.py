"""The optional ONNX sentiment backend, with a tiny model the tests build (tests/onnx_model.py).

Nothing is downloaded: the model, its tokenizer and its config are written into tmp_path. The dev
extras install onnxruntime, tokenizers and onnx (which builds the model).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest

from pantau.exceptions import ConfigurationError
from pantau.settings import TextVariables
from pantau.transform.text import onnx_backend, sql
from pantau.transform.text import sentiment as sentiment_module
from pantau.transform.text.exceptions import OnnxBackendUnavailableError, OnnxModelError
from pantau.transform.text.sentiment import sentiment, sentiment_batch
from pantau.transform.text.settings import BACKEND_ENV, ONNX_DIR_ENV, sentiment_backend
from pantau.transform.text.versions import model_version
from tests.onnx_model import build_tiny_model

BATCH_ENV = TextVariables.env_name("sentiment_onnx_batch")
TOKENS_ENV = TextVariables.env_name("sentiment_onnx_max_tokens")
#: The longest post the contract allows (100,000 characters): praise first, then complaints that
#: outnumber it 80 to 1; with the default limit (128 tokens) only the praise is read.
LONG_POST = ("mantap " * 200 + "buruk " * 17_000)[:100_000]


@pytest.fixture(autouse=True)
def fresh_models() -> Iterator[None]:
    """Every test loads the models it sets up (the loaders are cached per process)."""
    onnx_backend.load.cache_clear()
    sentiment_module.model.cache_clear()
    yield
    onnx_backend.load.cache_clear()
    sentiment_module.model.cache_clear()


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tiny model, selected through the environment as a user would."""
    directory = build_tiny_model(tmp_path / "tiny")
    monkeypatch.setenv(BACKEND_ENV, "onnx")
    monkeypatch.setenv(ONNX_DIR_ENV, str(directory))
    monkeypatch.setenv(BATCH_ENV, "8")
    return directory


def _sql(query: str, rows: list[tuple[str | None]] | None = None) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    try:
        con.execute("set threads = 4")
        sql.register(con)
        if rows is not None:
            con.execute("create table posts (i integer, post_text varchar)")
            con.executemany("insert into posts values (?, ?)", [(i, t) for i, (t,) in enumerate(rows)])
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_the_default_is_still_the_linear_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    assert sentiment_backend({}) == "linear"
    assert sentiment_module.backend() == "linear"
    assert sentiment("mantap pak polisi, sigap sekali").explanation  # the linear model explains
    with pytest.raises(ConfigurationError, match=BACKEND_ENV):
        sentiment_backend({BACKEND_ENV: "bert"})
    assert sentiment_backend({BACKEND_ENV: " ONNX "}) == "onnx"


def test_the_sql_functions_read_posts_with_the_onnx_model(tiny: Path) -> None:
    hostile = [
        "mantap\x00pak polisi \u200f\u202e sigap 👏👏",  # NUL, RTL marks, emoji
        "'; DROP TABLE posts; -- buruk pungli",
        "polisi' OR 1=1 -- lambat kecewa",
        "\u0000\u0000",
        "🚓🚓🚓",
        LONG_POST,
    ]
    texts: list[str | None] = ["Mantap pak polisi, terima kasih", "pelayanan polres buruk, pungli",
                               "laporan di polres hari ini", None, "", "   \n\t", *hostile]
    expected = ["positive", "negative", "neutral", None, "neutral", "neutral",
                "positive", "negative", "negative", "neutral", "neutral", "positive"]
    # more rows than one batch of 8 and than one DuckDB vector (the long post once: tokenising
    # 100,000 characters is most of the time)
    many = texts[:-1] * 250 + texts[-1:]
    rows = _sql("select i, sentiment_label(post_text), sentiment_score(post_text) from posts order by i",
                [(t,) for t in many])
    assert [label for _, label, _ in rows] == expected[:-1] * 250 + expected[-1:]
    scores = {texts.index(many[i]): score for i, _, score in rows}
    assert scores[3] is None  # NULL in, NULL out
    assert scores[4] == scores[5] == 0.0  # empty and blank posts: neutral, score 0
    assert scores[0] > 0.5 and scores[1] < -0.5 and abs(scores[2]) < 1e-6
    assert all(-1.0 <= s <= 1.0 for _, _, s in rows if s is not None)
    # a post gets the same score whatever its neighbours in a batch
    assert len({(texts.index(many[i]), round(s, 5)) for i, _, s in rows if s is not None}) == len(texts) - 1
    batch = sentiment_batch(texts)
    assert batch.labels == ["neutral" if e is None else e for e in expected]
    assert np.allclose(batch.scores, [scores[i] or 0.0 for i in range(len(texts))], atol=1e-5)


def test_the_token_limit_is_the_setting_or_the_models_positions(
        tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    long_post = LONG_POST
    assert len(long_post) == 100_000
    assert sentiment_batch([long_post]).labels == ["positive"]
    monkeypatch.setenv(TOKENS_ENV, "100000")  # the whole post: the complaints outnumber the praise
    onnx_backend.load.cache_clear()
    config = tiny / "config.json"
    config.write_text(config.read_text().replace('"max_position_embeddings": 512',
                                                 '"max_position_embeddings": 100000'))
    assert sentiment_batch([long_post]).labels == ["negative"]
    config.write_text(config.read_text().replace('"max_position_embeddings": 100000',
                                                 '"max_position_embeddings": 64'))
    onnx_backend.load.cache_clear()
    assert onnx_backend.load(sentiment_module.onnx_options()).max_tokens == 64
    assert sentiment_batch([long_post]).labels == ["positive"]


def test_the_scalar_sentiment_has_probabilities_and_no_explanation(tiny: Path) -> None:
    read = sentiment("Mantap, sigap!")
    assert read.label == "positive" and read.explanation == ()
    assert abs(sum(read.probabilities.values()) - 1) < 1e-5
    assert read.score == pytest.approx(read.probabilities["positive"] - read.probabilities["negative"],
                                       abs=1e-5)
    assert sentiment(None).label == "neutral" and sentiment(None).score == 0.0
    assert sentiment_module.sentiment_label("buruk") == "negative"
    assert sentiment_module.sentiment_score("polisi") == pytest.approx(0.0, abs=1e-6)


def test_a_graph_without_token_type_ids_and_a_tokenizer_without_padding(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = build_tiny_model(tmp_path / "plain", token_type_ids=False, padding=False)
    monkeypatch.setenv(BACKEND_ENV, "onnx")
    monkeypatch.setenv(ONNX_DIR_ENV, str(directory))
    assert sentiment_batch(["mantap", "buruk sekali pak", "polisi"]).labels == [
        "positive", "negative", "neutral"]


def test_the_linear_model_is_not_loaded_with_the_onnx_backend(
        tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_model() -> None:
        raise AssertionError("the linear sentiment model was loaded")

    monkeypatch.setattr(sentiment_module, "model", no_model)
    assert _sql("select sentiment_label('mantap')") == [("positive",)]


def test_the_text_version_names_the_backend_and_its_files(
        tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    linear = model_version({})
    onnx = model_version(dict(os.environ))
    assert onnx.startswith("sentiment:onnx-") and not linear.startswith("sentiment:onnx-")
    assert onnx.split()[1:] == linear.split()[1:]  # emotion, topic and rules are untouched
    copy = tiny.parent / "copy"
    shutil.copytree(tiny, copy)
    assert model_version({**os.environ, ONNX_DIR_ENV: str(copy)}) == onnx  # content, not place
    assert model_version({**os.environ, TOKENS_ENV: "64"}) != onnx
    (copy / "config.json").write_text((copy / "config.json").read_text() + "\n")
    assert model_version({**os.environ, ONNX_DIR_ENV: str(copy)}) != onnx


def _error(exception: type[Exception]) -> str:
    with pytest.raises(exception) as raised:
        _sql("select sentiment_label('mantap')")
    return str(raised.value)


def test_no_directory_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BACKEND_ENV, "onnx")
    monkeypatch.delenv(ONNX_DIR_ENV, raising=False)
    message = _error(ConfigurationError)
    assert ONNX_DIR_ENV in message and "model.onnx" in message and "linear" in message
    with pytest.raises(ConfigurationError, match=ONNX_DIR_ENV):
        model_version({BACKEND_ENV: "onnx"})


def test_a_directory_that_is_not_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BACKEND_ENV, "onnx")
    monkeypatch.setenv(ONNX_DIR_ENV, str(tmp_path / "nowhere"))
    message = _error(OnnxModelError)
    assert str(tmp_path / "nowhere") in message and "is not a directory" in message
    assert ONNX_DIR_ENV in message and "docs/text.md" in message


@pytest.mark.parametrize(("name", "fix"), [
    ("model.onnx", "export the fine-tuned model again"),
    ("tokenizer.json", "tokenizer.save_pretrained"),
    ("config.json", "model.config.save_pretrained"),
])
def test_a_missing_file_is_named_with_its_fix(tiny: Path, name: str, fix: str) -> None:
    (tiny / name).unlink()
    message = _error(OnnxModelError)
    assert str(tiny / name) in message and "is missing" in message and fix in message
    with pytest.raises(OnnxModelError, match=name):
        model_version(dict(os.environ))


@pytest.mark.parametrize(("name", "problem"), [
    ("model.onnx", "cannot be loaded by onnxruntime"),
    ("tokenizer.json", "cannot be read as a tokenizer"),
    ("config.json", "is not readable JSON"),
])
def test_a_corrupt_file_is_named(tiny: Path, name: str, problem: str) -> None:
    (tiny / name).write_bytes(np.random.default_rng(7).bytes(4096))
    message = _error(OnnxModelError)
    assert str(tiny / name) in message and problem in message


@pytest.mark.parametrize(("id2label", "problem"), [
    (None, 'has no "id2label"'),
    ({"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}, "not positive, neutral or negative: label_0"),
    ({"0": "negative", "1": "positive"}, "does not name positive, neutral and negative once each"),
    ({"0": "negative", "1": "negative", "2": "positive"}, "once each"),
    ({"0": "negative", "1": "neutral", "3": "positive"}, "keys are not 0 to 2"),
    ({"a": "negative", "b": "neutral", "c": "positive"}, "keys are not numbers"),
])
def test_a_label_mapping_that_does_not_cover_the_three_labels(
        tiny: Path, id2label: dict[str, str] | None, problem: str) -> None:
    import json

    config = json.loads((tiny / "config.json").read_text())
    config.pop("id2label")
    if id2label is not None:
        config["id2label"] = id2label
    (tiny / "config.json").write_text(json.dumps(config))
    message = _error(OnnxModelError)
    assert str(tiny / "config.json") in message and problem in message
    assert '"0": "negative", "1": "neutral", "2": "positive"' in message


def test_a_model_with_other_outputs_than_its_labels_is_caught_on_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = build_tiny_model(tmp_path / "two", logits=2)  # config.json still names three
    monkeypatch.setenv(BACKEND_ENV, "onnx")
    monkeypatch.setenv(ONNX_DIR_ENV, str(directory))
    message = _error(OnnxModelError)
    assert str(directory / "model.onnx") in message
    assert "returns an output of shape [1, 2] for 1 posts, not [1, 3]" in message


def test_the_packages_missing_says_how_to_install_them(
        tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def without_onnxruntime(name: str, *args: object, **kwargs: object) -> object:
        if name == "onnxruntime":
            raise ModuleNotFoundError("No module named 'onnxruntime'", name="onnxruntime")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", without_onnxruntime)
    message = _error(OnnxBackendUnavailableError)
    assert "onnxruntime is not installed" in message and "pip install -e '.[onnx]'" in message


def test_the_backend_reaches_dbt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pantau.settings import Settings
    from pantau.transform.dbt import dbt_environment

    monkeypatch.setenv(BACKEND_ENV, "onnx")
    monkeypatch.setenv(ONNX_DIR_ENV, str(tmp_path))
    environment = dbt_environment(Settings.from_env({"PANTAU_STATE_DIR": str(tmp_path / "state")}))
    assert environment[BACKEND_ENV] == "onnx" and environment[ONNX_DIR_ENV] == str(tmp_path)
