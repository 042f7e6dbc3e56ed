"""Every post records the text models and rules that labelled it; other models make the next build
a full refresh that reads every post again, with no manual step."""

from __future__ import annotations

import logging
import shutil

import pytest

from pantau.ingest import Loader
from pantau.transform.dbt import dbt_build
from pantau.transform.text.linear import LinearModel
from pantau.transform.text.settings import MODELS_DIR
from pantau.transform.text.versions import model_version
from producers import Publisher, synthetic
from tests.support import query

pytestmark = pytest.mark.integration


def test_new_models_make_the_next_build_read_every_post_again(settings, tmp_path, monkeypatch,
                                                              caplog):
    with Publisher(settings, source="test") as publisher:
        assert publisher.publish_all(synthetic.generate(150, seed=11)).ok
    Loader(settings).run()
    dbt_build(settings)
    shipped = model_version()
    [(versions, others_before)] = query(settings, """
        select list(distinct model_version), count(*) filter (where topic = 'lainnya')
        from marts.fct_posts""")
    assert versions == [shipped]

    # a retrained topic model (here: the shipped one answering lainnya far more often)
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models)
    topic = LinearModel.load(models / "topic.npz")
    topic.metadata["min_probability"] = 0.99
    topic.save(models / "topic.npz")
    monkeypatch.setenv("PANTAU_TEXT_MODELS_DIR", str(models))
    retrained = model_version()
    assert retrained != shipped

    with caplog.at_level(logging.INFO, logger="pantau.transform.dbt"):
        dbt_build(settings)
    assert "text models or rules changed" in caplog.text and "full refresh" in caplog.text
    [(versions, others)] = query(settings, """
        select list(distinct model_version), count(*) filter (where topic = 'lainnya')
        from marts.fct_posts""")
    assert versions == [retrained]
    assert others > others_before  # every post was read again by the new model

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pantau.transform.dbt"):
        dbt_build(settings)  # same models: incremental again
    assert "full refresh" not in caplog.text
