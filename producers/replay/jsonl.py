"""The ``jsonl`` format: one ``social.posts.v1`` event per line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from producers.connectors.mapping import (
    UnmappableError,
)
from producers.replay.common import Row, location


def read_jsonl(path: Path) -> Iterator[Row]:
    """Contract events, one per line; blank lines skipped, broken JSON becomes an error row."""
    with path.open(encoding="utf-8-sig", errors="replace") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                yield Row(location(path, number), line.rstrip("\n"), event=json.loads(line))
            except json.JSONDecodeError as error:
                yield Row(location(path, number), line.rstrip("\n"), error=UnmappableError(
                    f"line is not valid JSON: {error.msg} at column {error.colno}", "(line)"))


