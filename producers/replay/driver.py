"""Replay files users already have into Kafka, as fast as possible or at N times real time.

Formats (``--format``, detected from the name and header when ``auto``):

``jsonl``
    One ``social.posts.v1`` event per line (what Pantau itself writes). Sent as is; the publisher
    validates each and dead-letters the invalid ones.
``tweet-harvest``
    The CSV of the `tweet-harvest <https://github.com/helmisatria/tweet-harvest>`_ crawler, in
    both layouts it has written: the newer one (since 2.4.1: comma-separated, every field quoted,
    columns ``conversation_id_str, created_at, favorite_count, full_text, id_str, image_url,
    in_reply_to_screen_name, lang, location, quote_count, reply_count, retweet_count, tweet_url,
    user_id_str, username``) and the older one (``;``-separated, ``full_text`` in quotes that are
    not escaped and with newlines written as ``\\n``, columns ``created_at;id;id_str;full_text;
    quote_count;reply_count;retweet_count;favorite_count;geo;lang;user_id_str;conversation_id;
    conversation_id_str;media_url_https;media_type``, no user name — the author's handle is then
    their numeric id). ``created_at`` may be X's ``Thu Oct 05 12:34:56 +0000 2023`` or ISO-8601
    (tweet-harvest 2.7+).
``x-api``
    Saved X API v2 responses (``data`` + ``includes.users``): one JSON document, a JSON list of
    them, or one per line (twarc2's output, whose ``__twarc.retrieved_at`` becomes
    ``observed_at``).
``csv``
    Any CSV with a text column and optionally a timestamp, an author, an id and a URL (names
    found case-insensitively; ``--platform`` says where the posts come from).

``observed_at`` is the file's modification time (when the crawler wrote it) unless
``--observed-at`` says otherwise, so replaying a file twice yields identical events and the
loader stores them once (see :mod:`producers.connectors.mapping` for the ``event_id`` rule).
Rows that cannot be mapped go to the dead-letter topic with ``<file>:<line>: <reason>`` and the
original row; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Literal

from pantau.contract.vocabulary import SCENARIO_PLATFORMS
from pantau.exceptions import TerminalError
from producers.connectors.mapping import (
    Reasons,
    UnmappableError,
    build_event,
    hashtags_in,
    normalise_lang,
    parse_count,
    parse_time,
    require_text,
)
from producers.connectors.x import map_tweet, tweets_of_response

Format = Literal["jsonl", "tweet-harvest", "x-api", "csv"]
FORMATS: tuple[str, ...] = ("auto", "jsonl", "tweet-harvest", "x-api", "csv")
PLATFORMS = SCENARIO_PLATFORMS

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

_CSV_TEXT = ("text", "content", "full_text", "body", "message", "tweet", "caption")
_CSV_TIME = ("created_at", "timestamp", "date", "datetime", "time", "published_at", "posted_at")
_CSV_AUTHOR = ("author", "username", "user", "handle", "screen_name", "author_handle", "account")
_CSV_ID = ("post_id", "id", "id_str", "tweet_id")
_CSV_URL = ("url", "link", "permalink", "tweet_url")


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
def _where(path: Path, line: int | str) -> str:
    return f"{path.name}:{line}"


def read_jsonl(path: Path) -> Iterator[Row]:
    """Contract events, one per line; blank lines skipped, broken JSON becomes an error row."""
    with path.open(encoding="utf-8-sig", errors="replace") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                yield Row(_where(path, number), line.rstrip("\n"), event=json.loads(line))
            except json.JSONDecodeError as error:
                yield Row(_where(path, number), line.rstrip("\n"), error=UnmappableError(
                    f"line is not valid JSON: {error.msg} at column {error.colno}", "(line)"))


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
    return build_event(
        platform="x", post_id=post_id, url=url,
        post_type="reply" if reply_to or root else "post",
        parent_post_id=None, root_post_id=root,
        author_id=author_id or username, handle=username or author_id,
        text=require_text(text, "full_text"), lang=normalise_lang(row.get("lang")),
        created_at=parse_time(row.get("created_at"), "created_at"), observed_at=observed_at,
        metrics={"likes": parse_count(row.get("favorite_count"), "favorite_count"),
                 "replies": parse_count(row.get("reply_count"), "reply_count"),
                 "shares": parse_count(row.get("retweet_count"), "retweet_count"),
                 "quotes": parse_count(row.get("quote_count"), "quote_count"),
                 "views": None},
        media_urls=[media] if media else [], source_name="pantau-replay-tweet-harvest")


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
                    yield Row(_where(path, number), row, event=_map_harvest(row, observed_at, old=True))
                except UnmappableError as error:
                    yield Row(_where(path, number), original, error=error)
            return
        reader = csv.DictReader(stream, fieldnames=next(csv.reader([header_line])))
        previous = 0  # lines the reader consumed after the header
        for record in reader:
            where = _where(path, previous + 2)
            previous = reader.line_num
            row = {k: v for k, v in record.items() if k is not None}
            if None in record:
                row["_extra_fields"] = record[None]  # type: ignore[index]
            try:
                yield Row(where, row, event=_map_harvest(row, observed_at, old=False))
            except UnmappableError as error:
                yield Row(where, row, error=error)


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
            yield Row(_where(path, where), document[2].rstrip("\n"), error=doc)  # type: ignore[misc]
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("data", []), list):
            yield Row(_where(path, where), doc, error=UnmappableError(
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
            row_where = _where(path, f"{where} tweet {index}")
            try:
                yield Row(row_where, item, event=map_tweet(item, observed,
                                                           source_name="pantau-replay-x-api"))
            except UnmappableError as error:
                yield Row(row_where, item, error=error)


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
            where = _where(path, previous + 1)
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
                    post_type="post", author_id=author or "unknown", handle=author or "unknown",
                    text=text, lang=None, created_at=created, observed_at=observed_at,
                    metrics={}, hashtags=hashtags_in(text), source_name="pantau-replay-csv")
                yield Row(where, row, event=event)
            except UnmappableError as error:
                yield Row(where, row, error=error)


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
