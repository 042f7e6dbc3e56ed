"""`pantau eval sentiment|emotion|polres|units|topic`: figures of the text functions on labelled data.

Wire it into ``pantau/cli.py`` with ``from pantau.transform.text.cli import register`` and
``register(commands)`` in ``build_parser``.
"""

from __future__ import annotations

import argparse
from typing import Any


def cmd_eval(args: argparse.Namespace, _settings: Any) -> int:
    """Print accuracy, macro-F1 and the confusion matrix per data set (or Polres precision and
    recall). Exits 0; the figures are the result."""
    from pantau.transform.text import evaluate

    if args.task == "polres":
        print(evaluate.evaluate_polres().render(), flush=True)
        return 0
    if args.against:
        if args.task not in ("sentiment", "emotion", "topic"):
            raise SystemExit("pantau eval: --against compares sentiment, emotion or topic models")
        from pathlib import Path

        from pantau.transform.text.settings import models_dir

        print(evaluate.compare_versions(args.task, models_dir(), Path(args.against)), flush=True)
        return 0
    if args.task in ("units", "topic"):
        run = evaluate.evaluate_units if args.task == "units" else evaluate.evaluate_topics
        print(run(args.split).render(), flush=True)
        return 0
    reports = evaluate.evaluate_sentiment() if args.task == "sentiment" else evaluate.evaluate_emotion()
    for report in reports:
        print(report.render(), flush=True)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``eval`` command to ``pantau``'s sub-command parsers."""
    p = subparsers.add_parser(
        "eval", help="accuracy of the text functions on labelled data",
        description="sentiment: SmSA and NusaX validation files, and the held-out half of "
                    "Pantau's labelled police posts; emotion: EmoT validation file "
                    "(both from PANTAU_TEXT_DATA_DIR, default the copies shipped in "
                    "pantau/transform/text/data/labelled); "
                    "polres: the labelled Polres posts shipped in pantau/transform/text/data; "
                    "units, topic: Pantau's labelled police posts there (national, Polda and "
                    "Polres attribution; topics). Prints accuracy, macro-F1 and the confusion "
                    "matrix per data set, or precision and recall.")
    p.add_argument("task", choices=["sentiment", "emotion", "polres", "units", "topic"])
    p.add_argument("--split", choices=["dev", "test", "all"], default="test",
                   help="units, topic: which half of the labelled police posts (default test, "
                        "which only measures and never lists its errors; tune on dev, which "
                        "lists them)")
    p.add_argument("--against", metavar="DIR",
                   help="sentiment, emotion, topic: compare the active models "
                        "(PANTAU_TEXT_MODELS_DIR) with the models in DIR on the same files: "
                        "macro-F1 of both and the posts whose label changed")
    p.set_defaults(func=cmd_eval)
