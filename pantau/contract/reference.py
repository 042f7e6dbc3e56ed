"""Reference data shared by producers and the warehouse: the dbt seeds of Polres and aliases.

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


@cache
def load_polres(seeds_dir: Path = SEEDS_DIR) -> tuple[Polres, ...]:
    """All precincts of the seed, with their aliases and hashtags, in seed order."""
    aliases: dict[str, list[str]] = {}
    hashtags: dict[str, list[str]] = {}
    with (seeds_dir / "polres_aliases.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["alias_kind"] in ("name", "alias"):
                aliases.setdefault(row["polres_id"], []).append(row["alias"])
            elif row["alias_kind"] == "hashtag":
                hashtags.setdefault(row["polres_id"], []).append(row["alias"].lstrip("#"))
    out = []
    with (seeds_dir / "polres.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            handles = {p: row[c] for p, c in PLATFORM_HANDLE_COLUMNS.items() if row.get(c)}
            out.append(Polres(
                polres_id=row["polres_id"], name=row["polres_name"], polres_type=row["polres_type"],
                polda=row["polda_name"], city=row["city"], handles=handles,
                aliases=tuple(aliases.get(row["polres_id"], ())),
                hashtags=tuple(hashtags.get(row["polres_id"], ())),
            ))
    return tuple(out)
