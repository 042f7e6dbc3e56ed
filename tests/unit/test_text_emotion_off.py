"""PANTAU_TEXT_EMOTION=off: a build without the non-commercial emotion model (EmoT, CC BY-NC-SA)."""

from __future__ import annotations

import duckdb
import pytest

from pantau.exceptions import ConfigurationError
from pantau.transform.text import sql
from pantau.transform.text.settings import EMOTION_ENV, emotion_enabled


def test_the_setting_is_on_by_default_and_only_on_or_off() -> None:
    assert emotion_enabled({}) is True
    assert emotion_enabled({EMOTION_ENV: "ON"}) is True
    assert emotion_enabled({EMOTION_ENV: " off "}) is False
    with pytest.raises(ConfigurationError, match=EMOTION_ENV):
        emotion_enabled({EMOTION_ENV: "no"})


def test_off_never_loads_the_emotion_model_and_emotion_is_null(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_model() -> None:
        raise AssertionError("the emotion model was loaded")

    monkeypatch.setenv(EMOTION_ENV, "off")
    monkeypatch.setattr(sql, "emotion_model", no_model)
    con = duckdb.connect()
    try:
        assert "emotion" in sql.register(con)
        rows = con.execute("""
            select emotion(t), sentiment_label(t)
            from (values ('aku sayang banget sama kamu'), ('takut bgt ada begal'), (null)) v(t)
        """).fetchall()
    finally:
        con.close()
    assert [emotion for emotion, _ in rows] == [None, None, None]
    assert rows[0][1] is not None  # the other functions are untouched


def test_on_registers_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(EMOTION_ENV, raising=False)
    con = duckdb.connect()
    try:
        sql.register(con)
        [(emotion,)] = con.execute("select emotion('takut bgt ada begal')").fetchall()
    finally:
        con.close()
    assert emotion == "fear"
