"""What every replay format shares: the format names, a row read from a file, the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pantau.contract.vocabulary import SCENARIO_PLATFORMS
from producers.connectors.mapping import (
    Reasons,
    UnmappableError,
    parse_time,
)

Format = Literal["jsonl", "tweet-harvest", "x-api", "csv"]
FORMATS: tuple[str, ...] = ("auto", "jsonl", "tweet-harvest", "x-api", "csv")
PLATFORMS = SCENARIO_PLATFORMS


@dataclass
class Row:
    """One item read from a file: mapped to ``event``, or ``error`` with the ``original``."""

    where: str
    original: Any
    event: Any = None
    error: UnmappableError | None = None

    @property
    def created_at(self) -> datetime | None:
        if not isinstance(self.event, dict):
            return None
        try:
            return parse_time(self.event.get("created_at"), "created_at")
        except UnmappableError:
            return None


@dataclass
class ReplayReport:
    """Rows read from the file and what became of them before the publisher."""

    rows: int = 0
    mapped: int = 0
    unmappable: int = 0
    reasons: Reasons = field(default_factory=Reasons)

    def summary(self) -> str:
        return (f"read {self.rows} rows: {self.mapped} mapped, {self.unmappable} unmappable"
                + self.reasons.top())



def location(path: Path, line: int | str) -> str:
    return f"{path.name}:{line}"

