"""Where the text functions find their files: shipped lexicons and models, and the labelled data.

Only :func:`data_dir` reads the environment (``PANTAU_TEXT_DATA_DIR``); it is used by evaluation
and training, never by the run-time functions, which need nothing outside the package. By default
the labelled data sets are the copies shipped in the package (``data/labelled/``): nothing outside
the checkout is read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pantau.settings import PROJECT_DIR

PACKAGE_DIR = Path(__file__).resolve().parent
LEXICON_DIR = PACKAGE_DIR / "lexicon"
MODELS_DIR = PACKAGE_DIR / "models"
LABELLED_DIR = PACKAGE_DIR / "data"
SEEDS_DIR = PROJECT_DIR / "dbt_project" / "seeds"
TAXONOMY_PATH = SEEDS_DIR / "topic_taxonomy.csv"

DATA_DIR_ENV = "PANTAU_TEXT_DATA_DIR"
#: The labelled public data sets (SmSA, NusaX-Senti, EmoT) ship in the package, each with its
#: licence and provenance in ``data/labelled/README.md``.
DEFAULT_DATA_DIR = LABELLED_DIR / "labelled"

TRAIN_COMMAND = ".venv/bin/python scripts/train_text_models.py"

EMOTION_ENV = "PANTAU_TEXT_EMOTION"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The directory of the labelled data sets (``sentiment/``, ``emotion/``).

    Args:
        environ: the environment to read; ``os.environ`` when omitted.

    Returns:
        ``$PANTAU_TEXT_DATA_DIR`` when set, else the package's ``data/labelled``. Not checked here:
        :func:`pantau.transform.text.datasets.load` raises a clear error when a file is missing.
    """
    env = os.environ if environ is None else environ
    value = env.get(DATA_DIR_ENV, "")
    return Path(value).expanduser().resolve() if value else DEFAULT_DATA_DIR


def emotion_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``emotion(text)`` uses the emotion model (``PANTAU_TEXT_EMOTION``, ``on`` or ``off``).

    ``off`` is for builds that must be safe for commercial use: the emotion model is trained on
    EmoT (CC BY-NC-SA 4.0), so with ``off`` it is never loaded (its file and the EmoT files may be
    deleted) and ``emotion(text)`` is NULL for every post.

    Raises:
        ConfigurationError: any other value.
    """
    from pantau.exceptions import ConfigurationError

    env = os.environ if environ is None else environ
    value = env.get(EMOTION_ENV, "").strip().lower() or "on"
    if value not in ("on", "off"):
        raise ConfigurationError(EMOTION_ENV, env.get(EMOTION_ENV, ""), "on or off")
    return value == "on"
