"""The ``csv`` format: any CSV with a text column and optionally a timestamp, an author, an id
and a URL."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from pantau.contract.vocabulary import REPLAY_SOURCE_PREFIX
from pantau.exceptions import TerminalError
from producers.connectors.mapping import (
    UnmappableError,
    build_event,
    classic_retweet,
    hashtags_in,
    parse_time,
    require_text,
)
from producers.replay.common import PLATFORMS, Row, location

_CSV_TEXT = ("text", "content", "full_text", "body", "message", "tweet", "caption")
_CSV_TIME = ("created_at", "timestamp", "date", "datetime", "time", "published_at", "posted_at")
_CSV_AUTHOR = ("author", "username", "user", "handle", "screen_name", "author_handle", "account")
_CSV_ID = ("post_id", "id", "id_str", "tweet_id")
_CSV_URL = ("url", "link", "permalink", "tweet_url")


def _column(names: list[str], wanted: str | None, candidates: tuple[str, ...]) -> str | None:
    lowered = {n.strip().lower(): n for n in names if n}
    if wanted:
        if wanted.lower() not in lowered:
            raise TerminalError(f"Column {wanted!r} is not in the file (it has "
                                f"{', '.join(n for n in names if n)}).")
        return lowered[wanted.lower()]
    return next((lowered[c] for c in candidates if c in lowered), None)


def read_plain_csv(path: Path, observed_at: datetime, *, platform: str | None,
                   text_column: str | None = None, time_column: str | None = None,
                   author_column: str | None = None, tz: tzinfo = UTC) -> Iterator[Row]:
    """A CSV with a text column and optionally timestamp, author, id and URL columns.

    Args:
        platform: the contract platform of the posts (required: a CSV does not say it).
        text_column / time_column / author_column: column names when the defaults
            (``text``, ``created_at``/``timestamp``/``date``…, ``author``/``username``…) miss.
        tz: time zone of timestamps written without one (``Asia/Jakarta``).

    Raises:
        TerminalError: no platform, or no text column.
    """
    if platform not in PLATFORMS:
        raise TerminalError(f"A plain CSV does not say which platform its posts come from — pass "
                            f"--platform ({', '.join(PLATFORMS)}).")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        sample = stream.read(8192)
        stream.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(stream, dialect=dialect)
        names = list(reader.fieldnames or [])
        text_col = _column(names, text_column, _CSV_TEXT)
        if text_col is None:
            raise TerminalError(f"{path} has no text column (looked for {', '.join(_CSV_TEXT)}; "
                                f"it has {', '.join(names)}) — pass --text-column.")
        time_col = _column(names, time_column, _CSV_TIME)
        author_col = _column(names, author_column, _CSV_AUTHOR)
        id_col = _column(names, None, _CSV_ID)
        url_col = _column(names, None, _CSV_URL)
        previous = 1
        for record in reader:
            where = location(path, previous + 1)
            previous = reader.line_num
            row = {k: v for k, v in record.items() if k is not None}
            try:
                text = require_text(row.get(text_col), text_col)
                raw_time = (row.get(time_col) or "").strip() if time_col else ""
                created = parse_time(raw_time, time_col or "created_at", default_tz=tz) \
                    if raw_time else observed_at
                author = (row.get(author_col) or "").strip().lstrip("@") if author_col else ""
                post_id = (row.get(id_col) or "").strip() if id_col else ""
                if not post_id:
                    digest = hashlib.sha256(f"{text}\x1f{raw_time}\x1f{author}".encode()).hexdigest()
                    post_id = f"csv-{digest[:24]}"
                event = build_event(
                    platform=platform, post_id=post_id,
                    url=((row.get(url_col) or "").strip() or None) if url_col else None,
                    post_type="repost" if platform == "x" and classic_retweet(text) else "post",
                    author_id=author or "unknown", handle=author or "unknown",
                    text=text, lang=None, created_at=created, observed_at=observed_at,
                    metrics={}, hashtags=hashtags_in(text), source_name=f"{REPLAY_SOURCE_PREFIX}csv")
                yield Row(where, row, event=event)
            except UnmappableError as error:
                yield Row(where, row, error=error)


