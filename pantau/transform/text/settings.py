"""Where the text functions find their files: shipped lexicons and models, and the labelled data.

Three options reach the text package, declared with the other settings in
:class:`pantau.settings.TextVariables`: ``PANTAU_TEXT_DATA_DIR`` (:func:`data_dir`, used by
evaluation and training, never by the run-time functions), ``PANTAU_TEXT_EMOTION``
(:func:`emotion_enabled`) and ``PANTAU_TEXT_MODELS_DIR`` (:func:`models_dir`, the models the
functions load). By default the labelled data sets are the copies shipped in the
package (``data/labelled/``): nothing outside the checkout is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

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
