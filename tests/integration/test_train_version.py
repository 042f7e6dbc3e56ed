"""`pantau train`: a new folder of models trained with the analysts' corrections, compared with the
active models on the same files; the active models stay until PANTAU_TEXT_MODELS_DIR names it."""

from __future__ import annotations

import json

import pytest

from pantau.cli import main
from pantau.ingest import Loader
from pantau.ingest.corrections import Correction, record
from pantau.transform.dbt import dbt_build
from pantau.transform.text.settings import MODELS_DIR
from pantau.transform.text.versions import model_version
from producers import Publisher, synthetic
from tests.support import query

pytestmark = pytest.mark.integration


def test_train_writes_a_new_version_with_the_corrections_and_compares_it(settings, tmp_path,
                                                                         monkeypatch, capsys):
    with Publisher(settings, source="test") as publisher:
        assert publisher.publish_all(synthetic.generate(120, seed=3)).ok
    Loader(settings).run()
    dbt_build(settings)
    keys = [k for (k,) in query(settings, "select post_key from marts.fct_posts "
                                          "order by post_key limit 3")]
    record(settings, [Correction(keys[0], "topic", "pungli_pemerasan"),
                      Correction(keys[1], "topic", "laporan_diabaikan"),
                      Correction(keys[1], "topic", "kriminalitas"),  # the latest wins
                      Correction(keys[2], "sentiment", "negative")], by="ani")
    for key, value in settings.environment().items():
        monkeypatch.setenv(key, value)
    active = model_version()
    out = tmp_path / "v2"

    assert main(["train", "--only", "topic", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "analysts' corrections used: 2 topic)" in said
    assert "topic: " in said and "police_posts_test: n=" in said and "labels changed" in said
    assert f"PANTAU_TEXT_MODELS_DIR={out}" in said
    for name in ("sentiment.npz", "emotion.npz"):  # not retrained: copied from the active models
        assert (out / name).read_bytes() == (MODELS_DIR / name).read_bytes()
    training = json.loads((out / "training.json").read_text(encoding="utf-8"))
    assert training["based_on"] == active and training["analysts_corrections"]["topic"] == 2
    monkeypatch.setenv("PANTAU_TEXT_MODELS_DIR", str(out))
    assert model_version() == training["version"] != active
    assert model_version().split()[:2] == active.split()[:2]  # same sentiment and emotion

    assert main(["eval", "topic", "--against", str(MODELS_DIR)]) == 0
    assert "macro-F1 A=" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["train", "--only", "words"])  # only the script trains the word counts
