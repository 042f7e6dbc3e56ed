"""The text functions as vectorised (Arrow) DuckDB functions, for dbt and for `pantau sql`.

:func:`register` is the one place they are registered; the dbt-duckdb plugin
(:mod:`pantau.transform.text.dbt_plugin`) and the SQL shell both call it. Functions (NULL in, NULL out):

=============================  ============  ================================================
function                       returns       meaning
=============================  ============  ================================================
``sentiment_label(text)``      VARCHAR       positive / neutral / negative
``sentiment_score(text)``      DOUBLE        P(positive) - P(negative), in [-1, 1]
``emotion(text)``              VARCHAR       anger / fear / happy / love / sadness (NULL: no
                                             known word)
``topic(text)``                VARCHAR       a topic_id of the taxonomy seed, or ``lainnya``
``resolve_polres(text)``       VARCHAR[]     polres_id of every precinct the post names
``resolve_polda(text)``        VARCHAR[]     polda_id of every Polda the post names directly
``names_polri(text)``          BOOLEAN       whether the post names the police as an
                                             institution (Polri, "polisi", complaint slogans)
``resolve_units(text)``        STRUCT        the three above from one scan: ``polres_ids``,
                                             ``polda_ids``, ``names_polri``
``normalize_text(text)``       VARCHAR       the normalised text the functions read
``campaign_words(text)``       VARCHAR[]     the distinct words of the post's look-alike-proof
                                             skeleton (:mod:`.neardup`), sorted
``campaign_bands(words)``      BIGINT[]      MinHash band signatures of a word list
``lookalike_count(text)``      INTEGER       characters that hide a word's letters
                                             (look-alikes, full-width, zero-width)
=============================  ============  ================================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import pyarrow as pa

from pantau.transform.text.emotion import emotion_batch
from pantau.transform.text.emotion import model as emotion_model
from pantau.transform.text.neardup import (
    lookalike_count_batch,
    minhash_bands_batch,
    skeleton_words_batch,
)
from pantau.transform.text.normalize import normalize_batch
from pantau.transform.text.sentiment import load as load_sentiment
from pantau.transform.text.sentiment import sentiment_batch
from pantau.transform.text.settings import emotion_enabled
from pantau.transform.text.topic import topic_batch
from pantau.transform.text.units import resolve_units_batch

FUNCTION_NAMES = ("sentiment_label", "sentiment_score", "emotion", "topic", "resolve_polres",
                  "resolve_polda", "names_polri", "resolve_units", "normalize_text",
                  "campaign_words", "campaign_bands", "lookalike_count")
_UNITS = pa.struct([("polres_ids", pa.list_(pa.string())), ("polda_ids", pa.list_(pa.string())),
                    ("names_polri", pa.bool_())])


def _sentiment_label(texts: pa.ChunkedArray) -> pa.Array:
    return pa.array(sentiment_batch(texts).labels, type=pa.string())


def _sentiment_score(texts: pa.ChunkedArray) -> pa.Array:
    return pa.array(sentiment_batch(texts).scores, type=pa.float64())


def _emotion(texts: pa.ChunkedArray) -> pa.Array:
    return pa.array(emotion_batch(texts), type=pa.string())


def _no_emotion(texts: pa.ChunkedArray) -> pa.Array:
    """``emotion(text)`` when PANTAU_TEXT_EMOTION=off: NULL for every post, no model loaded."""
    return pa.nulls(len(texts), type=pa.string())


def _topic(texts: pa.ChunkedArray) -> pa.Array:
    return pa.array(topic_batch(texts), type=pa.string())


def _resolve_polres(texts: pa.ChunkedArray) -> pa.Array:
    return pa.array([u.polres_ids for u in resolve_units_batch(texts)], type=pa.list_(pa.string()))


def _resolve_polda(texts: pa.ChunkedArray) -> pa.Array:
    return pa.array([u.polda_ids for u in resolve_units_batch(texts)], type=pa.list_(pa.string()))


def _names_polri(texts: pa.ChunkedArray) -> pa.Array:
    return pa.array([u.names_polri for u in resolve_units_batch(texts)], type=pa.bool_())


def _resolve_units(texts: pa.ChunkedArray) -> pa.Array:
    units = resolve_units_batch(texts)
    return pa.StructArray.from_arrays(
        [pa.array([u.polres_ids for u in units], type=pa.list_(pa.string())),
         pa.array([u.polda_ids for u in units], type=pa.list_(pa.string())),
         pa.array([u.names_polri for u in units], type=pa.bool_())],
        fields=list(_UNITS))


def _normalize_text(texts: pa.ChunkedArray) -> pa.Array:
    return normalize_batch(texts)


_FUNCTIONS: dict[str, tuple[Callable[[pa.ChunkedArray], pa.Array], Any]] = {
    "sentiment_label": (_sentiment_label, duckdb.sqltype("VARCHAR")),
    "sentiment_score": (_sentiment_score, duckdb.sqltype("DOUBLE")),
    "emotion": (_emotion, duckdb.sqltype("VARCHAR")),
    "topic": (_topic, duckdb.sqltype("VARCHAR")),
    "resolve_polres": (_resolve_polres, duckdb.sqltype("VARCHAR[]")),
    "resolve_polda": (_resolve_polda, duckdb.sqltype("VARCHAR[]")),
    "names_polri": (_names_polri, duckdb.sqltype("BOOLEAN")),
    "resolve_units": (_resolve_units, duckdb.sqltype(
        "STRUCT(polres_ids VARCHAR[], polda_ids VARCHAR[], names_polri BOOLEAN)")),
    "normalize_text": (_normalize_text, duckdb.sqltype("VARCHAR")),
    "campaign_words": (skeleton_words_batch, duckdb.sqltype("VARCHAR[]")),
    "lookalike_count": (lookalike_count_batch, duckdb.sqltype("INTEGER")),
}
#: Functions of another argument type than one VARCHAR: name -> (function, arguments, result).
_OTHER_FUNCTIONS: dict[str, tuple[Callable[[pa.ChunkedArray], pa.Array], list[Any], Any]] = {
    "campaign_bands": (minhash_bands_batch, [duckdb.sqltype("VARCHAR[]")],
                       duckdb.sqltype("BIGINT[]")),
}


def register(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """Register every text function on ``con`` (again if already there); returns their names.

    Loads the models first, so a missing model fails here with a clear message rather than
    inside a query. With ``PANTAU_TEXT_EMOTION=off`` the emotion model is not loaded and
    ``emotion(text)`` returns NULL (see :func:`pantau.transform.text.settings.emotion_enabled`).
    With ``PANTAU_SENTIMENT_BACKEND=onnx`` the sentiment functions read posts with the ONNX
    model (:mod:`pantau.transform.text.onnx_backend`), loaded here instead of the linear one.
    """
    load_sentiment()
    functions = dict(_FUNCTIONS)
    if emotion_enabled():
        emotion_model()
    else:
        functions["emotion"] = (_no_emotion, functions["emotion"][1])
    varchar = duckdb.sqltype("VARCHAR")
    for name, (function, return_type) in functions.items():
        try:
            con.remove_function(name)
        except duckdb.InvalidInputException:
            pass  # not registered yet
        # emotion() may return NULL for a non-NULL text (no known word): DuckDB needs "special".
        null_handling = "special" if name == "emotion" else "default"
        con.create_function(name, function, [varchar], return_type,  # type: ignore[call-overload]
                            type="arrow", null_handling=null_handling)
    for name, (function, arguments, return_type) in _OTHER_FUNCTIONS.items():
        try:
            con.remove_function(name)
        except duckdb.InvalidInputException:
            pass
        con.create_function(name, function, arguments, return_type,  # type: ignore[call-overload]
                            type="arrow")
    return FUNCTION_NAMES
