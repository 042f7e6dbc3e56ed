"""Where the text functions find their files: shipped lexicons and models, and the labelled data.

The text package's options are declared with the other settings in
:class:`pantau.settings.TextVariables`: ``PANTAU_TEXT_DATA_DIR`` (:func:`data_dir`, used by
evaluation and training, never by the run-time functions), ``PANTAU_TEXT_EMOTION``
(:func:`emotion_enabled`), ``PANTAU_TEXT_MODELS_DIR`` (:func:`models_dir`, the models the
functions load) and the sentiment backend (:func:`sentiment_backend`, :func:`onnx_options`). By
default the labelled data sets are the copies shipped in the package (``data/labelled/``):
nothing outside the checkout is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pantau.exceptions import ConfigurationError
from pantau.settings import DEFAULT_TEXT_DATA_DIR, PROJECT_DIR, TextVariables

PACKAGE_DIR = Path(__file__).resolve().parent
LEXICON_DIR = PACKAGE_DIR / "lexicon"
MODELS_DIR = PACKAGE_DIR / "models"
LABELLED_DIR = PACKAGE_DIR / "data"
SEEDS_DIR = PROJECT_DIR / "dbt_project" / "seeds"
TAXONOMY_PATH = SEEDS_DIR / "topic_taxonomy.csv"

DATA_DIR_ENV = TextVariables.env_name("text_data_dir")
EMOTION_ENV = TextVariables.env_name("text_emotion")
MODELS_ENV = TextVariables.env_name("text_models_dir")
BACKEND_ENV = TextVariables.env_name("sentiment_backend")
ONNX_DIR_ENV = TextVariables.env_name("sentiment_onnx_dir")
#: The labelled public data sets (SmSA, NusaX-Senti, EmoT) ship in the package, each with its
#: licence and provenance in ``data/labelled/README.md``.
DEFAULT_DATA_DIR = DEFAULT_TEXT_DATA_DIR

TRAIN_COMMAND = ".venv/bin/python scripts/train_text_models.py"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The directory of the labelled data sets (``sentiment/``, ``emotion/``).

    Args:
        environ: the environment to read; ``os.environ`` when omitted.

    Returns:
        ``$PANTAU_TEXT_DATA_DIR`` when set, else the package's ``data/labelled``. Not checked here:
        :func:`pantau.transform.text.datasets.load` raises a clear error when a file is missing.
    """
    return TextVariables.from_env(environ).text_data_dir


def models_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The directory of the text models (``PANTAU_TEXT_MODELS_DIR``, default the shipped ones)."""
    return TextVariables.from_env(environ).text_models_dir


def emotion_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``emotion(text)`` uses the emotion model (``PANTAU_TEXT_EMOTION``, ``on`` or ``off``).

    ``off`` is for builds that must be safe for commercial use: the emotion model is trained on
    EmoT (CC BY-NC-SA 4.0), so with ``off`` it is never loaded (its file and the EmoT files may be
    deleted) and ``emotion(text)`` is NULL for every post.

    Raises:
        ConfigurationError: any other value.
    """
    return TextVariables.from_env(environ).text_emotion == "on"


def sentiment_backend(environ: Mapping[str, str] | None = None) -> Literal["linear", "onnx"]:
    """What reads sentiment (``PANTAU_SENTIMENT_BACKEND``): ``linear`` (the shipped model, the
    default) or ``onnx`` (a transformer the user exported, :mod:`pantau.transform.text.onnx_backend`).

    Raises:
        ConfigurationError: any other value.
    """
    return TextVariables.from_env(environ).sentiment_backend


@dataclass(frozen=True)
class OnnxOptions:
    """How the ONNX backend runs: its directory and the sizes of a run."""

    directory: Path
    batch: int
    max_tokens: int
    threads: int


def onnx_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The directory of the ONNX backend (``PANTAU_SENTIMENT_ONNX_DIR``), absolute.

    Raises:
        ConfigurationError: it is not set (there is no default model to fall back to).
    """
    return _onnx_dir(TextVariables.from_env(environ))


def _onnx_dir(variables: TextVariables) -> Path:
    if not variables.sentiment_onnx_dir:
        raise ConfigurationError(
            ONNX_DIR_ENV, "", f"the directory of your exported model (model.onnx, tokenizer.json, "
            f"config.json) when {BACKEND_ENV}=onnx — see docs/text.md, or set {BACKEND_ENV}=linear")
    return Path(variables.sentiment_onnx_dir)


def onnx_options(environ: Mapping[str, str] | None = None) -> OnnxOptions:
    """The ONNX backend's directory (:func:`onnx_dir`), batch size, token limit and threads."""
    variables = TextVariables.from_env(environ)
    return OnnxOptions(directory=_onnx_dir(variables), batch=variables.sentiment_onnx_batch,
                       max_tokens=variables.sentiment_onnx_max_tokens,
                       threads=variables.sentiment_onnx_threads)
