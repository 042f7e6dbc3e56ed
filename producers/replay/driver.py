"""The replay: format detection, reading a file as rows, pacing, and sending the rows through the
publisher (the formats are described in :mod:`producers.replay`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from pantau.exceptions import TerminalError
from producers.replay.common import FORMATS, Format, ReplayReport, Row
from producers.replay.jsonl import read_jsonl
from producers.replay.plain_csv import read_plain_csv
from producers.replay.tweet_harvest import read_tweet_harvest
from producers.replay.x_api import read_x_api


# format detection ------------------------------------------------------------------------------
def detect_format(path: Path) -> Format:
    """Guess the format from the file name and its first bytes.

    Raises:
        TerminalError: the file is missing or its format cannot be told (says to pass --format).
    """
    if not path.is_file():
        raise TerminalError(f"{path} does not exist or is not a file.")
    with path.open(encoding="utf-8-sig", errors="replace") as stream:
        head = stream.read(4096)
    first = head.lstrip().splitlines()[0] if head.strip() else ""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json") or first.startswith(("{", "[")):
        try:
            sample = json.loads(first) if first.startswith("{") else None
        except json.JSONDecodeError:
            sample = None
        if suffix == ".json" or first.startswith("[") or (
                isinstance(sample, dict) and ("data" in sample or "includes" in sample)):
            return "x-api"
        return "jsonl"
    header = {c.strip().strip('"').lower() for c in first.replace(";", ",").split(",")}
    if {"full_text", "id_str"} <= header:
        return "tweet-harvest"
    if suffix in (".csv", ".tsv", ".txt") and header:
        return "csv"
    raise TerminalError(f"Cannot tell the format of {path} — pass --format "
                        f"({', '.join(FORMATS[1:])}).")


# readers ---------------------------------------------------------------------------------------
def read_rows(path: Path, fmt: str = "auto", *, observed_at: datetime | None = None,
              platform: str | None = None, text_column: str | None = None,
              time_column: str | None = None, author_column: str | None = None,
              tz: tzinfo = UTC) -> Iterator[Row]:
    """Every row of ``path`` as a :class:`Row`, mapped or with the reason it could not be.

    Args:
        fmt: one of :data:`FORMATS`.
        observed_at: when the data were read; the file's modification time when omitted.
        platform, text_column, time_column, author_column, tz: for the plain ``csv`` format.
    """
    kind = detect_format(path) if fmt == "auto" else fmt
    if not path.is_file():
        raise TerminalError(f"{path} does not exist or is not a file.")
    observed = observed_at or datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
    if kind == "jsonl":
        return read_jsonl(path)
    if kind == "tweet-harvest":
        return read_tweet_harvest(path, observed)
    if kind == "x-api":
        return read_x_api(path, observed)
    if kind == "csv":
        return read_plain_csv(path, observed, platform=platform, text_column=text_column,
                              time_column=time_column, author_column=author_column, tz=tz)
    raise TerminalError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")


# pacing ----------------------------------------------------------------------------------------
class Pacer:
    """Holds events back so they leave at ``speed`` times the pace of their ``created_at``.

    ``speed <= 0`` means as fast as possible. The clock and the sleeper are injectable, so tests
    check the schedule without waiting; long waits are cut into slices of at most one second so
    a stop request (Ctrl-C) is noticed.
    """

    def __init__(self, speed: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 stopped: Callable[[], bool] = lambda: False) -> None:
        self.speed = speed
        self.clock = clock
        self.sleep = sleep
        self.stopped = stopped
        self._origin: tuple[float, datetime] | None = None

    def wait(self, created_at: datetime | None) -> None:
        """Sleep until the event created at ``created_at`` is due."""
        if self.speed <= 0 or created_at is None:
            return
        if self._origin is None:
            self._origin = (self.clock(), created_at)
            return
        wall, first = self._origin
        due = wall + (created_at - first).total_seconds() / self.speed
        while not self.stopped():
            delay = due - self.clock()
            if delay <= 0:
                return
            self.sleep(min(delay, 1.0))


# the replay ------------------------------------------------------------------------------------
def replay(path: Path, publisher: Any, *, fmt: str = "auto", speed: float = 0.0,
           observed_at: datetime | None = None, platform: str | None = None,
           text_column: str | None = None, time_column: str | None = None,
           author_column: str | None = None, tz: tzinfo = UTC, limit: int | None = None,
           clock: Callable[[], float] = time.monotonic,
           sleep: Callable[[float], None] = time.sleep) -> ReplayReport:
    """Send every row of ``path`` through ``publisher``; unmappable rows go to its DLQ.

    With ``speed > 0`` rows are first sorted by ``created_at`` (files are often newest first)
    and then paced; unmappable rows are dead-lettered before the paced ones are sent.

    Args:
        path: the file.
        publisher: a :class:`producers.Publisher` (closed when this returns).
        fmt: a format of :data:`FORMATS`.
        speed: N for N times real time; 0 for as fast as possible.
        limit: stop after this many rows.
        clock, sleep: injectable for tests.

    Returns:
        What was read; the publisher's own report says what was delivered.
    """
    report = ReplayReport()
    rows: Iterator[Row] | list[Row] = read_rows(
        path, fmt, observed_at=observed_at, platform=platform, text_column=text_column,
        time_column=time_column, author_column=author_column, tz=tz)
    stop_flag = getattr(publisher, "_stop", None)
    pacer = Pacer(speed, clock=clock, sleep=sleep,
                  stopped=(lambda: stop_flag.is_set()) if stop_flag is not None else (lambda: False))

    def limited(source: Iterator[Row] | list[Row]) -> Iterator[Row]:
        for count, row in enumerate(source, start=1):
            if limit is not None and count > limit:
                return
            yield row

    def events() -> Iterator[Any]:
        source: Iterator[Row] | list[Row] = limited(rows)
        if speed > 0:
            loaded = list(source)
            first = datetime.min.replace(tzinfo=UTC)
            source = sorted(loaded, key=lambda r: (r.error is None, r.created_at or first))
        for row in source:
            report.rows += 1
            if row.error is not None:
                report.unmappable += 1
                report.reasons.add(row.error)
                publisher.dead_letter(f"{row.where}: {row.error.reason}", row.error.field,
                                      row.original)
                continue
            report.mapped += 1
            pacer.wait(row.created_at)
            yield row.event

    publisher.publish_all(events())
    return report
