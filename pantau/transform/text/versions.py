"""The version of the text signal a build writes: which models and which rules read the posts.

``model_version()`` is ``sentiment:<hash> emotion:<hash> topic:<hash> rules:<hash>``, each the
first 12 hex digits of the SHA-256 of the files: the three model files of
``PANTAU_TEXT_MODELS_DIR`` (``emotion:off`` with ``PANTAU_TEXT_EMOTION=off``, ``topic:seed`` when
the topic model is missing), and the lexicons and reference seeds the functions read (a taxonomy
term or a Polres alias an analyst added changes labels too) and the modules that read posts into
words, features and rule answers (:data:`RULE_CODE`: a new splitting or normalisation rule changes
labels with the same model files). With ``PANTAU_SENTIMENT_BACKEND=onnx``
the sentiment part is ``sentiment:onnx-<hash>`` of the backend's ``model.onnx``,
``tokenizer.json``, ``config.json`` and token limit, so a switch of backend or of exported model
changes the version too. Content, not file dates: a copy of
the same models is the same version. ``int_posts_enriched.model_version`` records it on every
post; a build whose version differs from the warehouse's is a full refresh
(:func:`pantau.transform.dbt.text_version_changed`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from pantau.transform.text import onnx_backend
from pantau.transform.text.exceptions import TextModelMissingError
from pantau.transform.text.settings import (
    LEXICON_DIR,
    SEEDS_DIR,
    emotion_enabled,
    models_dir,
    onnx_options,
    sentiment_backend,
)

#: The code that turns a post into words, features and rule answers: a change to it (a new
#: splitting rule, a normalisation) can change labels with the same model files.
RULE_CODE = ("normalize.py", "segment.py", "features.py", "lexicon.py", "linear.py", "promo.py",
             "sentiment.py", "emotion.py", "topic.py", "units.py")
#: The seeds the text functions read (the taxonomy, the units and their names).
RULE_SEEDS = ("topic_taxonomy.csv", "polres.csv", "polres_aliases.csv", "polda.csv",
              "polda_aliases.csv", "national_terms.csv")


def _digest(paths: Iterable[Path]) -> str:
    sha = hashlib.sha256()
    for path in paths:
        if not path.is_file():
            raise TextModelMissingError(path)
        sha.update(path.name.encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()[:12]


def model_version(environ: Mapping[str, str] | None = None) -> str:
    """The version string of the models and rules the text functions use now."""
    folder = models_dir(environ)
    if sentiment_backend(environ) == "onnx":
        parts = [f"sentiment:onnx-{onnx_backend.digest(onnx_options(environ))}"]
    else:
        parts = [f"sentiment:{_digest([folder / 'sentiment.npz'])}"]
    parts.append(f"emotion:{_digest([folder / 'emotion.npz'])}" if emotion_enabled(environ)
                 else "emotion:off")
    topic = folder / "topic.npz"
    parts.append(f"topic:{_digest([topic])}" if topic.is_file() else "topic:seed")
    rules = (sorted(LEXICON_DIR.glob("*.tsv")) + [SEEDS_DIR / name for name in RULE_SEEDS]
             + [Path(__file__).parent / name for name in RULE_CODE])
    parts.append(f"rules:{_digest(rules)}")
    return " ".join(parts)
