"""Where the text functions find their files: shipped lexicons and models, and the labelled data.

Only :func:`data_dir` reads the environment (``PANTAU_TEXT_DATA_DIR``, declared with the other
settings in :class:`pantau.settings.TextVariables`); it is used by evaluation and training, never
by the run-time functions, which need nothing outside the package.
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
#: The labelled public data sets live beside the checkout (CI clones the repo with shared/ beside it).
DEFAULT_DATA_DIR = DEFAULT_TEXT_DATA_DIR

TRAIN_COMMAND = ".venv/bin/python scripts/train_text_models.py"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The directory of the labelled data sets (``sentiment/``, ``emotion/``).

    Args:
        environ: the environment to read; ``os.environ`` when omitted.

    Returns:
        ``$PANTAU_TEXT_DATA_DIR`` when set, else ``<checkout>/../shared/data``. Not checked here:
        :func:`pantau.transform.text.datasets.load` raises a clear error when a file is missing.
    """
    return TextVariables.from_env(environ).text_data_dir
