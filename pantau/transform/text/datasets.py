"""The public labelled data sets (SmSA, NusaX-Senti Indonesian, EmoT), read from :func:`data_dir`.

Provenance and licences: see ``docs/text.md`` and ``data/labelled/README.md`` beside this module.
Training reads only the ``*_train`` files; evaluation reports on the ``*_valid`` files.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pantau.transform.text.exceptions import TextDataMissingError
from pantau.transform.text.settings import data_dir

Task = Literal["sentiment", "emotion"]
Split = Literal["train", "valid"]


@dataclass(frozen=True)
class LabelledSet:
    """One labelled file: its name, texts and labels."""

    name: str
    path: Path
    texts: list[str]
    labels: list[str]


#: Data set name -> (task, file name pattern with {split}).
DATASETS: dict[str, tuple[Task, str]] = {
    "smsa": ("sentiment", "sentiment/smsa_{split}.tsv"),
    "nusax_id": ("sentiment", "sentiment/nusax_id_{split}.csv"),
    "emot": ("emotion", "emotion/emot_{split}.csv"),
}

PROVENANCE = {
    "smsa": "SmSA, IndoNLU benchmark (Wilie et al., 2020), Prosa.ai reviews and comments; "
            "IndoNLU repository licence (Apache-2.0 file, README badge says MIT)",
    "nusax_id": "NusaX-Senti, Indonesian split (Winata et al., 2023); CC-BY-SA 4.0",
    "emot": "EmoT, IndoNLU benchmark (Saputri et al., 2018), Indonesian tweets; "
            "IndoNLU repository licence",
}


def load(name: str, split: Split, *, root: Path | None = None) -> LabelledSet:
    """Read one labelled file.

    Raises:
        TextDataMissingError: the file is not there (the message names PANTAU_TEXT_DATA_DIR).
    """
    _task, pattern = DATASETS[name]
    path = (root or data_dir()) / pattern.format(split=split)
    if not path.is_file():
        raise TextDataMissingError(path)
    texts: list[str] = []
    labels: list[str] = []
    with path.open(encoding="utf-8", newline="") as handle:
        if name == "smsa":
            for line in handle:
                text, _, label = line.rstrip("\n").rpartition("\t")
                if text:
                    texts.append(text)
                    labels.append(label.strip())
        elif name == "nusax_id":
            for row in csv.DictReader(handle):
                texts.append(row["text"])
                labels.append(row["label"].strip())
        else:
            for row in csv.DictReader(handle):
                texts.append(row["tweet"])
                labels.append(row["label"].strip())
    return LabelledSet(name=f"{name}_{split}", path=path, texts=texts, labels=labels)
