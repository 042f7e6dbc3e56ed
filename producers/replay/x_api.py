"""The ``x-api`` format: saved X API v2 responses (one document, a list, or one per line)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pantau.contract.vocabulary import REPLAY_SOURCE_PREFIX
from producers.connectors.mapping import (
    UnmappableError,
    parse_time,
)
from producers.connectors.x import map_tweet, tweets_of_response
from producers.replay.common import Row, location


def _x_documents(path: Path) -> Iterator[tuple[str, Any]]:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    else:
        if isinstance(whole, dict):
            yield "response 1", whole
            return
        if isinstance(whole, list):
            if all(isinstance(d, dict) and ("data" in d or "meta" in d or "includes" in d)
                   for d in whole):
                for index, doc in enumerate(whole, start=1):
                    yield f"response {index}", doc
            else:
                yield "response 1", {"data": whole}
            return
    for number, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        try:
            yield str(number), json.loads(line)
        except json.JSONDecodeError as error:
            yield str(number), UnmappableError(
                f"line is not valid JSON: {error.msg} at column {error.colno}", "(line)"), line


def read_x_api(path: Path, observed_at: datetime) -> Iterator[Row]:
    """Tweets of saved X API v2 responses, joined with their users and mapped to events."""
    for document in _x_documents(path):
        where, doc = document[0], document[1]
        if isinstance(doc, UnmappableError):
            yield Row(location(path, where), document[2].rstrip("\n"), error=doc)  # type: ignore[misc]
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("data", []), list):
            yield Row(location(path, where), doc, error=UnmappableError(
                "not an X API v2 response (no 'data' list)", "data"))
            continue
        observed = observed_at
        retrieved = (doc.get("__twarc") or {}).get("retrieved_at")
        if retrieved:
            try:
                observed = parse_time(retrieved, "__twarc.retrieved_at")
            except UnmappableError:
                pass
        for index, item in enumerate(tweets_of_response(doc), start=1):
            row_where = location(path, f"{where} tweet {index}")
            try:
                yield Row(row_where, item, event=map_tweet(item, observed,
                                                           source_name=f"{REPLAY_SOURCE_PREFIX}x-api"))
            except UnmappableError as error:
                yield Row(row_where, item, error=error)


