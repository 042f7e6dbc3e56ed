"""The ``tweet-harvest`` format: the CSV of the tweet-harvest crawler, in its older
``;``-separated layout and its newer comma-separated one."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pantau.contract.vocabulary import REPLAY_SOURCE_PREFIX
from producers.connectors.mapping import (
    UnmappableError,
    build_event,
    classic_retweet,
    normalise_lang,
    parse_count,
    parse_time,
    require_text,
)
from producers.replay.common import Row, location

#: Columns of the older, semicolon-separated tweet-harvest layout, in file order.
TWEET_HARVEST_OLD_COLUMNS = (
    "created_at", "id", "id_str", "full_text", "quote_count", "reply_count", "retweet_count",
    "favorite_count", "geo", "lang", "user_id_str", "conversation_id", "conversation_id_str",
    "media_url_https", "media_type")
#: Columns of the newer, comma-separated layout (sorted by name, as tweet-harvest writes them).
TWEET_HARVEST_COLUMNS = (
    "conversation_id_str", "created_at", "favorite_count", "full_text", "id_str", "image_url",
    "in_reply_to_screen_name", "lang", "location", "quote_count", "reply_count", "retweet_count",
    "tweet_url", "user_id_str", "username")


def _map_harvest(row: dict[str, str], observed_at: datetime, *, old: bool) -> dict[str, Any]:
    text = row.get("full_text")
    if text is not None and old:
        text = text.strip()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1]
        text = text.replace("\\n", "\n")
    post_id = (row.get("id_str") or "").strip()
    if not post_id.isdigit():
        raise UnmappableError(f"id_str is not a tweet id: {post_id[:40]!r}", "id_str")
    username = (row.get("username") or "").strip() or None
    author_id = (row.get("user_id_str") or "").strip() or None
    if not author_id and not username:
        raise UnmappableError("user_id_str and username are both empty", "user_id_str")
    reply_to = (row.get("in_reply_to_screen_name") or "").strip()
    conversation = (row.get("conversation_id_str") or "").strip()
    root = conversation if conversation and conversation != post_id else None
    media = (row.get("image_url") or row.get("media_url_https") or "").strip().strip('"')
    url = (row.get("tweet_url") or "").strip() or (
        f"https://x.com/{username}/status/{post_id}" if username
        else f"https://x.com/i/web/status/{post_id}")
    text = require_text(text, "full_text")
    return build_event(
        platform="x", post_id=post_id, url=url,
        post_type="repost" if classic_retweet(text) else "reply" if reply_to or root else "post",
        parent_post_id=None, root_post_id=root,
        author_id=author_id or username, handle=username or author_id,
        text=text, lang=normalise_lang(row.get("lang")),
        created_at=parse_time(row.get("created_at"), "created_at"), observed_at=observed_at,
        metrics={"likes": parse_count(row.get("favorite_count"), "favorite_count"),
                 "replies": parse_count(row.get("reply_count"), "reply_count"),
                 "shares": parse_count(row.get("retweet_count"), "retweet_count"),
                 "quotes": parse_count(row.get("quote_count"), "quote_count"),
                 "views": None},
        media_urls=[media] if media else [], source_name=f"{REPLAY_SOURCE_PREFIX}tweet-harvest")


def split_old_harvest_line(line: str, header: list[str]) -> dict[str, str]:
    """Split one line of the older ``;`` layout, whose ``full_text`` may itself contain ``;``
    and unescaped quotes. Columns left of ``full_text`` are taken from the left, the others from
    the right; ``geo`` is often absent (tweet-harvest skipped missing keys), so it is taken only
    when the value there is not a count.

    Raises:
        UnmappableError: too few fields for the header.
    """
    parts = line.rstrip("\r\n").split(";")
    if "full_text" not in header:
        return dict(zip(header, parts, strict=False))
    cut = header.index("full_text")
    left, right = header[:cut], header[cut + 1:]
    if len(parts) < len(left) + 1 + len(right) - (1 if "geo" in right else 0):
        raise UnmappableError(f"line has {len(parts)} fields, the header {len(header)}", "(line)")
    row = dict(zip(left, parts[:cut], strict=True))
    rest = parts[cut:]
    values: dict[str, str] = {}
    for name in reversed(right):
        if name == "geo" and rest and rest[-1].strip().isdigit():
            values[name] = ""  # absent: the value here is favorite_count
            continue
        values[name] = rest.pop() if len(rest) > 1 else ""
    row.update(values)
    row["full_text"] = ";".join(rest)
    return row


def read_tweet_harvest(path: Path, observed_at: datetime) -> Iterator[Row]:
    """Rows of a tweet-harvest CSV in either layout, mapped to events."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        header_line = stream.readline()
        old = ";" in header_line and "," not in header_line
        if old:
            header = [c.strip().strip('"') for c in header_line.rstrip("\r\n").split(";")]
            for number, line in enumerate(stream, start=2):
                if not line.strip():
                    continue
                original: Any = line.rstrip("\r\n")
                try:
                    row = split_old_harvest_line(line, header)
                    original = row
                    yield Row(location(path, number), row, event=_map_harvest(row, observed_at, old=True))
                except UnmappableError as error:
                    yield Row(location(path, number), original, error=error)
            return
        reader = csv.DictReader(stream, fieldnames=next(csv.reader([header_line])))
        previous = 0  # lines the reader consumed after the header
        for record in reader:
            where = location(path, previous + 2)
            previous = reader.line_num
            row = {k: v for k, v in record.items() if k is not None}
            if None in record:
                row["_extra_fields"] = record[None]  # type: ignore[index]
            try:
                yield Row(where, row, event=_map_harvest(row, observed_at, old=False))
            except UnmappableError as error:
                yield Row(where, row, error=error)


