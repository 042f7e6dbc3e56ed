"""Turning platform items into ``social.posts.v1`` events: one place for the rules every source shares.

Replay files and live connectors both map through :func:`build_event`, so the same item gets the
same ``event_id`` whichever way it arrives.

**The event_id rule.** ``event_id = uuid5(EVENT_NAMESPACE, "<platform>:<post_id>:<sha256>")`` where
the SHA-256 is taken over the canonical JSON of the event *without* ``event_id``, ``observed_at`` and
``source``. Replaying a file again, or re-reading a page after a restart, therefore produces the
same ``event_id`` for an unchanged post (the loader keeps one), while a new observation whose
counts or text changed gets a new one. ``observed_at`` is left out on purpose: a live connector
that re-reads a page after a crash observes it at another time, and that must not count twice.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import uuid
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from html.parser import HTMLParser
from typing import Any, ClassVar

from pantau.contract.reference import load_polda, load_polres, national_handles
from pantau.exceptions import PantauError

#: Namespace of Pantau's deterministic event ids (never change it: ids would change with it).
EVENT_NAMESPACE = uuid.UUID("f8810ae0-864e-4e93-9992-6479853c641b")
#: Version written into every event's ``source.version`` by these collectors.
COLLECTOR_VERSION = "0.1.0"

# Deprecated ISO-639 codes some platforms still send (X sends "in" for Indonesian).
_DEPRECATED_LANG = {"in": "id", "iw": "he", "ji": "yi"}
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_HASHTAG = re.compile(r"(?<![\w&])#(\w{1,279})", re.UNICODE)
_MENTION = re.compile(r"(?<![\w@])@(\w{1,64})", re.UNICODE)
#: X's classic retweet as exports and old clients write it: "RT @handle: <the original text>"
_CLASSIC_RETWEET = re.compile(r"^\s*RT @(\w{1,15}):", re.ASCII)
_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"


class UnmappableError(PantauError):
    """An item that cannot become a contract event; it goes to the dead-letter topic.

    Attributes:
        reason: what is wrong, naming the value.
        field: the source field at fault (``None`` when it is the item as a whole).
    """

    def __init__(self, reason: str, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        super().__init__(reason)


class Reasons(Counter[str]):
    """Why items were unmappable, counted: the ``reasons`` of the replay and connector reports."""

    def add(self, error: UnmappableError) -> None:
        self[error.reason[:80]] += 1

    def top(self, n: int = 3) -> str:
        """`` (2 x reason; 1 x other)``: the commonest ``n``, for a summary; empty when none."""
        return " (" + "; ".join(f"{c} x {r}" for r, c in self.most_common(n)) + ")" if self else ""


# values ----------------------------------------------------------------------------------------
def utc_iso(moment: datetime) -> str:
    """``2024-05-01T03:04:05Z`` (microseconds kept when present)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def optional_time(value: Any, field: str) -> datetime | None:
    """:func:`parse_time` for a field an event can do without (the account's creation time):
    missing or unreadable is ``None``, never a reason to refuse the post."""
    try:
        return parse_time(value, field)
    except (UnmappableError, OverflowError, OSError, ValueError):
        return None


def parse_time(value: Any, field: str, *, default_tz: Any = UTC) -> datetime:
    """Parse the timestamps the sources write into an aware UTC datetime.

    Accepts ISO-8601 (``Z``, an offset, or naive — then ``default_tz`` applies), X's classic
    ``Thu Oct 05 12:34:56 +0000 2023`` and epoch seconds.

    Raises:
        UnmappableError: missing or unreadable, naming ``field`` and the value.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise UnmappableError(f"{field} is missing", field)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    text = str(value).strip()
    if text.isdigit() and len(text) >= 9:
        return datetime.fromtimestamp(int(text), UTC)
    try:
        return datetime.strptime(text, _TWITTER_TIME).astimezone(UTC)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" UTC", "+00:00"))
    except ValueError:
        raise UnmappableError(f"{field} is not a date: {text[:80]!r}", field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed.astimezone(UTC)


def parse_count(value: Any, field: str) -> int | None:
    """A non-negative count, or ``None`` when the source has none (missing or empty).

    Raises:
        UnmappableError: negative, fractional or not a number.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise UnmappableError(f"{field} is not a count: {value!r}", field)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().replace("_", "")
        if not re.fullmatch(r"-?\d+", text):
            raise UnmappableError(f"{field} is not a whole number: {str(value)[:40]!r}", field)
        number = int(text)
    if number < 0:
        raise UnmappableError(f"{field} is negative: {number}", field)
    return number


def normalise_lang(value: Any) -> str | None:
    """A BCP-47 code or ``None``; deprecated codes (``in``) become current ones (``id``)."""
    if not isinstance(value, str) or not value.strip():
        return None
    code = value.strip().replace("_", "-")
    primary, _, rest = code.partition("-")
    primary = _DEPRECATED_LANG.get(primary.lower(), primary.lower())
    code = primary + (f"-{rest}" if rest else "")
    return code if _LANG.match(code) else None


def require_text(value: Any, field: str) -> str:
    """The body of a post; missing, non-string or blank bodies cannot be mapped."""
    if value is None:
        raise UnmappableError(f"{field} is missing", field)
    if not isinstance(value, str):
        raise UnmappableError(f"{field} is not text: {type(value).__name__}", field)
    if not value.strip():
        raise UnmappableError(f"{field} is empty", field)
    return value.replace("\x00", "")


def hashtags_in(text: str) -> list[str]:
    """Hashtags written in a text, without ``#``, first occurrence order, unique."""
    return list(dict.fromkeys(_HASHTAG.findall(text)))[:100]


def mentions_in(text: str) -> list[str]:
    """Handles mentioned in a text, without ``@``, first occurrence order, unique."""
    return list(dict.fromkeys(_MENTION.findall(text)))[:100]


class _TextExtractor(HTMLParser):
    _BREAKS: ClassVar[frozenset[str]] = frozenset({"br", "p", "li", "div"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BREAKS - {"br"}:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def classic_retweet(text: str) -> str | None:
    """The handle a classic X retweet (``RT @handle: …``, as tweet-harvest and most CSV exports
    write retweets) repeats, or None for any other text. Such a row is a repost of that
    account's post: another account's words, not the poster's (a wave of them is organic
    amplification, not a coordinated campaign of near-identical posts)."""
    found = _CLASSIC_RETWEET.match(text)
    return found.group(1) if found else None


def strip_html(markup: str) -> str:
    """Plain text of an HTML fragment (Mastodon content): tags dropped, ``<br>``/``</p>`` kept
    as line breaks, entities decoded."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    return html.unescape(re.sub(r"\n{3,}", "\n\n", text)).strip()


# official accounts -----------------------------------------------------------------------------
@cache
def official_handles() -> frozenset[str]:
    """Lower-case handles (no ``@``) of every official Polres, Polda and national account in the
    seeds.

    The ``handle_*`` columns of ``polres.csv`` and ``polda.csv``, the ``alias_kind = 'handle'``
    rows of ``polres_aliases.csv`` and ``polda_aliases.csv``, and the national accounts of
    ``national_terms.csv`` count.
    """
    handles = {h.lower().lstrip("@") for p in load_polres()
               for h in (*p.handles.values(), *p.alias_handles) if h}
    handles.update(h.lower() for p in load_polda() for h in p.handles if h)
    handles.update(h.lower() for _, h in national_handles() if h)
    return frozenset(handles)


def is_official(handle: str | None) -> bool:
    """True when ``handle`` (with or without ``@``) is an official Polres, Polda or national
    account."""
    return bool(handle) and handle.lower().lstrip("@") in official_handles()  # type: ignore[union-attr]


# events ----------------------------------------------------------------------------------------
def event_id_for(event: dict[str, Any]) -> str:
    """The deterministic ``event_id`` of an event (see the module docstring for the rule)."""
    content = {k: v for k, v in event.items() if k not in ("event_id", "observed_at", "source")}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False,
                                       separators=(",", ":")).encode("utf-8")).hexdigest()
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{event['platform']}:{event['post_id']}:{digest}"))


def build_event(*, platform: str, post_id: Any, url: str | None, post_type: str,
                parent_post_id: str | None = None, root_post_id: str | None = None,
                author_id: Any, handle: Any, display_name: str | None = None,
                followers: int | None = None, verified: bool = False,
                author_created_at: datetime | None = None,
                text: str, lang: str | None, created_at: datetime, observed_at: datetime,
                metrics: dict[str, int | None], hashtags: list[str] | None = None,
                mentions: list[str] | None = None, media_urls: list[str] | None = None,
                source_name: str) -> dict[str, Any]:
    """Assemble one contract event and give it its deterministic ``event_id``.

    ``observed_at`` earlier than ``created_at`` (a file copied with old timestamps) is raised to
    ``created_at``; ``hashtags``/``mentions`` default to those written in the text.
    ``author_created_at`` (the account's creation, contract revision 1.1) is written only when
    known and not after the post: an account cannot post before it exists, so a later value is a
    platform or file error and is left out rather than refusing the post. Left out, the event is
    the same as before the revision (and so is its ``event_id``).

    Raises:
        UnmappableError: no post id or no author.
    """
    if post_id is None or not str(post_id).strip():
        raise UnmappableError("post id is missing", "id")
    if author_id is None or not str(author_id).strip():
        raise UnmappableError("author id is missing", "author")
    handle_text = str(handle or author_id).strip().lstrip("@") or str(author_id)
    created = created_at.astimezone(UTC)
    observed = max(observed_at.astimezone(UTC), created)
    event: dict[str, Any] = {
        "schema_version": 1,
        "event_id": "",
        "platform": platform,
        "post_id": str(post_id).strip(),
        "url": url,
        "post_type": post_type,
        "parent_post_id": parent_post_id,
        "root_post_id": root_post_id,
        "author": {
            "id": str(author_id).strip(),
            "handle": handle_text,
            "display_name": display_name or None,
            "followers": followers,
            "verified": bool(verified),
            "is_official": is_official(handle_text),
        },
        "text": text,
        "lang": lang,
        "created_at": utc_iso(created),
        "observed_at": utc_iso(observed),
        "metrics": {key: metrics.get(key) for key in ("likes", "replies", "shares", "quotes", "views")},
        "hashtags": list(dict.fromkeys(hashtags if hashtags is not None else hashtags_in(text)))[:100],
        "mentions": list(dict.fromkeys(mentions if mentions is not None else mentions_in(text)))[:100],
        "media_urls": [u for u in (media_urls or []) if u][:50],
        "source": {"name": source_name, "version": COLLECTOR_VERSION},
    }
    if author_created_at is not None and author_created_at.astimezone(UTC) <= created:
        event["author"]["created_at"] = utc_iso(author_created_at.astimezone(UTC))
    event["event_id"] = event_id_for(event)
    return event
