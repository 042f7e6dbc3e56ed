"""Online news: the RSS and Atom feeds that Indonesian news portals publish (``platform = "news"``).

One request per run reads the whole feed (a feed has no pages); ``feedparser`` reads every
dialect (RSS 0.9x, 1.0, 2.0, Atom), declared and undeclared encodings (the XML declaration, the
HTTP ``charset``, windows-1252 among them) and malformed XML leniently. It never resolves
external entities, and expat refuses entity expansion bombs.

**Cursor.** A feed repeats its newest items on every read and changes some of them (a corrected
headline). The cursor keeps, per item key (the ``guid``/``id``, else the link, else a hash of
title and summary), a fingerprint of what was published and when the item was first seen:

* an item already published unchanged is skipped, so a restart or the next poll publishes
  nothing twice;
* an updated item is published again as a new observation of the same ``post_id`` (a new
  ``event_id``; the warehouse keeps the latest);
* an item without a date takes the time it was first seen, kept in the cursor, so it maps to the
  same event on every read;
* the cursor is written only after Kafka acknowledged the feed's events, so a crash in between
  re-reads the feed and the deterministic ``event_id`` makes the repeat harmless (no gap, no
  duplicate in the warehouse). It remembers the newest :data:`MAX_SEEN` keys.

**Mapping.** Author: the portal (its host name, the feed's title as display name). Text: the
headline, a blank line and the summary with HTML stripped, cut to the contract's 100,000
characters. URL: the item's link when it is ``http(s)`` and at most 2,048 characters (a
``javascript:`` link is dropped). No engagement metrics. An item without a headline or summary
goes to the dead-letter topic with its reason.
"""

from __future__ import annotations

import calendar
import hashlib
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pantau.exceptions import TerminalError
from pantau.settings import Settings
from producers.connectors.errors import ApiUnavailableError
from producers.connectors.http import HttpClient
from producers.connectors.mapping import UnmappableError, build_event, normalise_lang, strip_html
from producers.connectors.pages import Connector, Page

#: ``platform`` of news events (the contract has it).
NEWS_PLATFORM = "news"
SOURCE_NAME = "pantau-news-feed"
#: Item keys the cursor remembers per feed (a portal's feed carries 20 to 100 items).
MAX_SEEN = 2_000
#: The contract's limits.
MAX_TEXT = 100_000
MAX_URL = 2_048
MAX_POST_ID = 128


def _text(value: Any) -> str:
    return strip_html(value.replace("\x00", "")).strip() if isinstance(value, str) else ""


def _get(entry: dict[str, Any], key: str) -> Any:
    """A field as the feed wrote it: ``dict.get``, not feedparser's fallbacks (which map
    ``updated`` to ``published`` with a deprecation warning)."""
    return dict.get(entry, key)


def item_key(entry: dict[str, Any]) -> str:
    """The item's stable key: its ``guid``/``id``, else its link, else a hash of its headline and
    summary; a key longer than the contract's ``post_id`` becomes its SHA-256."""
    key = str(_get(entry, "id") or _get(entry, "link") or "").strip()
    if not key:
        content = f"{_get(entry, 'title') or ''}\n{_get(entry, 'summary') or ''}"
        key = "sha256:" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:40]
    if len(key) > MAX_POST_ID:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    return key


def fingerprint(entry: dict[str, Any]) -> str:
    """What a reader sees of an item: a change to any of it is an update."""
    parts = [str(_get(entry, k) or "") for k in ("title", "summary", "link", "updated",
                                                   "published")]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _time(entry: dict[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = _get(entry, key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _safe_url(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    url = value.strip()
    if len(url) > MAX_URL or urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    return url


def map_item(item: dict[str, Any], observed_at: datetime) -> dict[str, Any]:
    """One feed item (``{"entry", "feed", "first_seen"}``, as :meth:`NewsFeed.pages` yields it)
    as an event.

    Raises:
        UnmappableError: no headline and no summary; an unreadable first-seen time.
    """
    entry, feed = item.get("entry") or {}, item.get("feed") or {}
    title, summary = _text(entry.get("title")), _text(entry.get("summary"))
    if not title and not summary:
        raise UnmappableError("the item has neither a title nor a summary", "title")
    text = f"{title}\n\n{summary}".strip() if summary and summary != title else title or summary
    created = _time(entry)
    if created is None:
        try:
            created = datetime.fromisoformat(str(item.get("first_seen")))
        except ValueError:
            raise UnmappableError("the item has no date and no first-seen time",
                                  "published") from None
    site = str(feed.get("site") or "news").strip()[:MAX_POST_ID] or "news"
    return build_event(
        platform=NEWS_PLATFORM, post_id=item_key(entry), url=_safe_url(entry.get("link")),
        post_type="post", author_id=site, handle=site,
        display_name=(_text(feed.get("title")) or site)[:512], followers=None, verified=False,
        text=text[:MAX_TEXT], lang=normalise_lang(entry.get("language") or feed.get("language")),
        created_at=created, observed_at=observed_at,
        metrics={"likes": None, "replies": None, "shares": None, "quotes": None, "views": None},
        source_name=SOURCE_NAME)


class NewsFeed(Connector):
    """Reads one RSS or Atom feed.

    Args:
        feed_url: the feed's ``http(s)`` URL.
        settings: Pantau's settings (cursor directory, HTTP timeouts and retries).
    """

    name = "news"

    def __init__(self, feed_url: str, *, settings: Settings, client: HttpClient | None = None,
                 **kwargs: Any) -> None:
        split = urllib.parse.urlsplit(feed_url.strip())
        if split.scheme.lower() not in ("http", "https") or not split.hostname:
            raise TerminalError(f"{feed_url!r} is not an http(s) URL of a feed — pass e.g. "
                                "--feed https://news.example.co.id/rss.")
        self.feed_url = urllib.parse.urlunsplit(split)
        self.site = split.hostname.removeprefix("www.")
        base = f"{split.scheme}://{split.netloc}"
        self.path = urllib.parse.urlunsplit(("", "", split.path or "/", split.query, ""))
        super().__init__(client=client or HttpClient(
            service=f"news feed {self.site}", base_url=base, settings=settings,
            auth_hint="Pantau reads public feeds only; remove this feed or use its public URL"),
            settings=settings, **kwargs)

    def target(self) -> str:
        return self.feed_url

    def pages(self, state: dict[str, Any]) -> Iterator[Page]:
        import feedparser

        answer = self.client.get_bytes(self.path, max_bytes=self.settings.news_max_feed_bytes)
        parsed = feedparser.parse(answer.body, response_headers=answer.headers)
        if parsed.bozo and not parsed.entries and not parsed.feed:
            raise ApiUnavailableError(
                self.client.service, 1, f"{self.feed_url} answered with something that is not a "
                f"feed ({type(parsed.get('bozo_exception')).__name__}: "
                f"{str(parsed.get('bozo_exception'))[:200]}); the cursor was kept")
        feed = {"site": self.site, "title": parsed.feed.get("title"),
                "language": parsed.feed.get("language")}
        seen: dict[str, list[str]] = {
            k: v for k, v in (state.get("seen") or {}).items()
            if isinstance(v, list) and len(v) == 2}
        now = self.now().isoformat()
        items, current = [], {}
        for entry in parsed.entries:
            key = item_key(entry)
            if key in current:  # the same item twice in one feed: once
                continue
            mark, first_seen = seen.get(key, [None, now])
            current[key] = [fingerprint(entry), first_seen]
            if mark != current[key][0]:
                items.append({"entry": _plain(entry), "feed": feed, "first_seen": first_seen})
        remembered = {**seen, **current}
        if len(remembered) > MAX_SEEN:  # the oldest first-seen go first; the feed's own stay
            oldest = sorted((k for k in remembered if k not in current),
                            key=lambda k: remembered[k][1])
            for key in oldest[:len(remembered) - MAX_SEEN]:
                del remembered[key]
        yield Page(items, {"seen": remembered})

    def map_item(self, item: Any, observed_at: datetime) -> list[dict[str, Any]]:
        return [map_item(item, observed_at)]


def _plain(entry: dict[str, Any]) -> dict[str, Any]:
    """The fields of a feedparser entry that the mapping reads, as plain JSON-able values (the
    dead-letter topic keeps them as the original)."""
    keep = ("id", "link", "title", "summary", "published", "updated", "language")
    plain: dict[str, Any] = {k: _get(entry, k) for k in keep if _get(entry, k) is not None}
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        if _get(entry, key):
            plain[key] = list(_get(entry, key))
    return plain
