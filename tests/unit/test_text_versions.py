"""The text version names the models and rules by content: a changed file is a new version."""

from __future__ import annotations

import shutil

import pytest

from pantau.transform.text.exceptions import TextModelMissingError
from pantau.transform.text.settings import MODELS_DIR
from pantau.transform.text.versions import model_version


def test_the_version_follows_the_model_files_by_content(tmp_path) -> None:  # type: ignore[no-untyped-def]
    shipped = model_version({})
    assert shipped.startswith("sentiment:") and " rules:" in shipped
    copy = tmp_path / "models"
    shutil.copytree(MODELS_DIR, copy)
    env = {"PANTAU_TEXT_MODELS_DIR": str(copy)}
    assert model_version(env) == shipped  # a copy is the same version
    (copy / "topic.npz").write_bytes((copy / "topic.npz").read_bytes() + b"\\0")
    changed = model_version(env)
    assert changed != shipped
    assert changed.split()[:2] == shipped.split()[:2] and changed.split()[2] != shipped.split()[2]
    (copy / "topic.npz").unlink()
    assert "topic:seed" in model_version(env)
    assert "emotion:off" in model_version({**env, "PANTAU_TEXT_EMOTION": "off"})
    (copy / "sentiment.npz").unlink()
    with pytest.raises(TextModelMissingError, match=r"sentiment\.npz"):
        model_version(env)


def test_the_rules_part_follows_the_code_that_reads_posts() -> None:
    from pathlib import Path

    from pantau.transform.text import versions

    folder = Path(versions.__file__).parent
    assert all((folder / name).is_file() for name in versions.RULE_CODE)
    assert "segment.py" in versions.RULE_CODE and "normalize.py" in versions.RULE_CODE
