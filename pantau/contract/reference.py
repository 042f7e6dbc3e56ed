"""Reference data shared by producers and the warehouse: the dbt seeds of Polres, Polda and aliases.

The CSV files in ``dbt_project/seeds`` are the single source of truth: dbt loads them as seeds,
and the synthetic producer reads the very same files through this module.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pantau.settings import PROJECT_DIR

SEEDS_DIR = PROJECT_DIR / "dbt_project" / "seeds"
PLATFORM_HANDLE_COLUMNS = {
    "x": "handle_x",
    "instagram": "handle_instagram",
    "tiktok": "handle_tiktok",
    "facebook": "handle_facebook",
    "youtube": "handle_youtube",
}


@dataclass(frozen=True)
class Polres:
    """One precinct with everything people write to name it."""

    polres_id: str
    name: str
    polres_type: str
    polda: str
    city: str
    handles: dict[str, str]
    aliases: tuple[str, ...] = field(default=())
    hashtags: tuple[str, ...] = field(default=())
    #: the ``handle`` rows of ``polres_aliases.csv`` (without ``@``), beyond the handle columns
    alias_handles: tuple[str, ...] = field(default=())


@cache
def load_polres(seeds_dir: Path = SEEDS_DIR) -> tuple[Polres, ...]:
    """All precincts of the seed, with their aliases, hashtags and alias handles, in seed
    order."""
    aliases: dict[str, list[str]] = {}
    hashtags: dict[str, list[str]] = {}
    alias_handles: dict[str, list[str]] = {}
    with (seeds_dir / "polres_aliases.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["alias_kind"] in ("name", "alias"):
                aliases.setdefault(row["polres_id"], []).append(row["alias"])
            elif row["alias_kind"] == "hashtag":
                hashtags.setdefault(row["polres_id"], []).append(row["alias"].lstrip("#"))
            elif row["alias_kind"] == "handle":
                alias_handles.setdefault(row["polres_id"], []).append(
                    row["alias"].strip().lstrip("@"))
    out = []
    with (seeds_dir / "polres.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            handles = {p: row[c] for p, c in PLATFORM_HANDLE_COLUMNS.items() if row.get(c)}
            out.append(Polres(
                polres_id=row["polres_id"], name=row["polres_name"], polres_type=row["polres_type"],
                polda=row["polda_name"], city=row["city"], handles=handles,
                aliases=tuple(aliases.get(row["polres_id"], ())),
                hashtags=tuple(hashtags.get(row["polres_id"], ())),
                alias_handles=tuple(alias_handles.get(row["polres_id"], ())),
            ))
    return tuple(out)


#: Columns of ``polda.csv`` that hold an official handle (several per platform: Humas, traffic).
POLDA_HANDLE_COLUMNS = {
    "handle_x": "x",
    "handle_x_traffic": "x",
    "handle_instagram": "instagram",
    "handle_tiktok": "tiktok",
    "handle_facebook": "facebook",
    "handle_youtube": "youtube",
}


@dataclass(frozen=True)
class Polda:
    """One regional police (Polda) with everything people write to name it."""

    polda_id: str
    name: str
    province: str
    accounts: tuple[tuple[str, str], ...]  # (platform, handle without "@")
    aliases: tuple[str, ...] = field(default=())
    hashtags: tuple[str, ...] = field(default=())

    @property
    def handles(self) -> tuple[str, ...]:
        """Every handle, official columns and ``handle`` aliases alike (without ``@``)."""
        return tuple(dict.fromkeys(h for _, h in self.accounts))


@cache
def load_polda(seeds_dir: Path = SEEDS_DIR) -> tuple[Polda, ...]:
    """All Polda of the seed, with their aliases, hashtags and handles, in seed order."""
    aliases: dict[str, list[str]] = {}
    hashtags: dict[str, list[str]] = {}
    handles: dict[str, list[str]] = {}
    with (seeds_dir / "polda_aliases.csv").open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            kind, alias = row["alias_kind"], row["alias"].strip()
            if kind in ("name", "alias"):
                aliases.setdefault(row["polda_id"], []).append(alias)
            elif kind == "hashtag":
                hashtags.setdefault(row["polda_id"], []).append(alias.lstrip("#"))
            elif kind == "handle":
                handles.setdefault(row["polda_id"], []).append(alias.lstrip("@"))
    out = []
    with (seeds_dir / "polda.csv").open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            accounts = [(platform, row[column].strip().lstrip("@"))
                        for column, platform in POLDA_HANDLE_COLUMNS.items()
                        if (row.get(column) or "").strip()]
            accounts += [("", h) for h in handles.get(row["polda_id"], ())]
            out.append(Polda(
                polda_id=row["polda_id"], name=row["polda_name"], province=row["province"],
                accounts=tuple(accounts), aliases=tuple(aliases.get(row["polda_id"], ())),
                hashtags=tuple(hashtags.get(row["polda_id"], ()))))
    return tuple(out)


@dataclass(frozen=True)
class NationalTerm:
    """One row of ``national_terms.csv``: how posts name the police as an institution."""

    term: str  # lower case; a handle keeps its "@"
    kind: str  # institution, complaint, handle or not_police
    platform: str  # the platform of a handle, else ""


@cache
def load_national_terms(seeds_dir: Path = SEEDS_DIR) -> tuple[NationalTerm, ...]:
    """Every row of ``national_terms.csv``, in seed order."""
    with (seeds_dir / "national_terms.csv").open(encoding="utf-8", newline="") as stream:
        return tuple(NationalTerm(row["term"].strip().lower(), row["term_kind"],
                                  (row.get("platform") or "").strip())
                     for row in csv.DictReader(stream))


def national_handles(seeds_dir: Path = SEEDS_DIR) -> tuple[tuple[str, str], ...]:
    """(platform, handle without "@") of the national accounts (Divisi Humas Polri, …)."""
    return tuple((t.platform, t.term.lstrip("@"))
                 for t in load_national_terms(seeds_dir) if t.kind == "handle")
