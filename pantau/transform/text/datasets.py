"""The public labelled data sets (SmSA, NusaX-Senti Indonesian, EmoT), read from :func:`data_dir`.

Provenance and licences: see ``docs/text.md`` and ``data/labelled/README.md`` beside this module.
Training reads only the ``*_train`` files; evaluation reports on the ``*_valid`` files.
Pantau's own labelled police posts (:func:`police_posts`) ship beside this module, split in two
halves: ``dev`` (training and tuning) and ``test`` (measuring only).
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pantau.transform.text.exceptions import TextDataMissingError
from pantau.transform.text.settings import LABELLED_DIR, data_dir

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


#: Pantau's own labelled posts about the police (written for the project, never copied from an
#: export): units named, topic, sentiment, genre and the awkward case each post stands for,
#: labelled by the guideline in ``docs/text.md``.
POLICE_POSTS_PATH = LABELLED_DIR / "police_posts_labelled.jsonl"
PoliceSplit = Literal["dev", "test", "all"]


@dataclass(frozen=True)
class PolicePost:
    """One labelled post of :data:`POLICE_POSTS_PATH`."""

    id: str
    text: str
    national: bool
    polda: frozenset[str]
    polres: frozenset[str]
    topic: str
    topic_also: str | None
    sentiment: str
    case: str
    genre: str = "other"

    @property
    def split(self) -> Literal["dev", "test"]:
        """A fixed half of the posts by a hash of the id: the topic model trains and every rule is
        tuned on ``dev``; ``test`` only measures."""
        return "test" if hashlib.sha256(self.id.encode()).digest()[0] < 128 else "dev"


def police_posts(split: PoliceSplit = "all", path: Path = POLICE_POSTS_PATH) -> list[PolicePost]:
    """The labelled police posts of one split (``all``: both)."""
    posts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        post = PolicePost(id=row["id"], text=row["text"], national=bool(row["national"]),
                          polda=frozenset(row["polda"]), polres=frozenset(row["polres"]),
                          topic=row["topic"], topic_also=row.get("topic_also"),
                          sentiment=row["sentiment"], case=row["case"],
                          genre=row.get("genre", "other"))
        if split in ("all", post.split):
            posts.append(post)
    return posts
