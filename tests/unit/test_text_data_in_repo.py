"""The labelled data sets ship in the repository: a clone alone can evaluate and train.

Nothing outside the checkout is read by default (no ``PANTAU_TEXT_DATA_DIR``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pantau.settings import PROJECT_DIR
from pantau.transform.text import datasets
from pantau.transform.text.evaluate import evaluate_sentiment
from pantau.transform.text.settings import DATA_DIR_ENV, DEFAULT_DATA_DIR, data_dir


def test_default_data_dir_is_inside_the_repository_and_holds_every_file() -> None:
    root = data_dir({})
    assert root == DEFAULT_DATA_DIR
    assert root.resolve().is_relative_to(PROJECT_DIR.resolve()), root
    assert ".." not in root.parts
    for _task, pattern in datasets.DATASETS.values():
        for split in ("train", "valid"):
            path = root / pattern.format(split=split)
            assert path.is_file(), f"{path} is missing"
            assert path.stat().st_size > 0
    readme = (root / "README.md").read_text(encoding="utf-8")
    for name in ("smsa_train.tsv", "nusax_id_train.csv", "emot_train.csv", "CC BY-NC-SA 4.0",
                 "CC BY-SA 4.0", "non-commercial"):
        assert name in readme, name


def test_every_set_loads_from_the_default_dir() -> None:
    expected_valid = {"smsa": 1260, "nusax_id": 100, "emot": 440}
    for name, rows in expected_valid.items():
        labelled = datasets.load(name, "valid", root=None)
        assert labelled.path.is_relative_to(PROJECT_DIR.resolve())
        assert len(labelled.texts) == rows == len(labelled.labels)


def test_eval_sentiment_function_gets_figures_without_the_variable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    reports = {r.name: r for r in evaluate_sentiment()}
    assert set(reports) == {"smsa_valid", "nusax_id_valid", "police_posts_test"}
    assert reports["smsa_valid"].n == 1260 and reports["nusax_id_valid"].n == 100
    assert all(0.0 < r.macro_f1 <= 1.0 for r in reports.values())


def test_pantau_eval_sentiment_in_a_clean_environment(tmp_path: Path) -> None:
    """The command, from another directory, with no PANTAU_* variable at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env["HOME"] = str(tmp_path)
    pantau = Path(sys.executable).parent / "pantau"
    done = subprocess.run([str(pantau), "eval", "sentiment"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "smsa_valid: n=1260" in done.stdout
    assert "nusax_id_valid: n=100" in done.stdout
    assert "police_posts_test: n=" in done.stdout  # the labelled posts ship in the package
    assert "macro-F1=" in done.stdout
