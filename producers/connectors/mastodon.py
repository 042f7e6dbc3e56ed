"""Mastodon public hashtag timelines (``GET /api/v1/timelines/tag/:hashtag``), no auth.

Cursor: ``min_id``, the newest status already published. Mastodon returns statuses newest first;
``min_id`` asks for the statuses *immediately* newer than the cursor (``since_id`` would return
the newest ones and leave a gap when more than one page arrived), so each page moves the cursor
forward and a restart resumes exactly after the last acknowledged page. The next ``min_id``
comes from the ``Link: <…?min_id=…>; rel="prev"`` header when the server sends one, else from
the newest id of the page. The first run (no cursor) reads only the newest page.

**Platform.** Events carry ``platform = "mastodon"`` (:data:`MASTODON_PLATFORM`), a value the
social.posts.v1 enum gained for this connector. Should a contract in use lack it, the connector
stops before its first request with a clear message instead of dead-lettering every status.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pantau.contract import schema
from pantau.exceptions import TerminalError
from pantau.settings import Settings
from producers.connectors.http import HttpClient, parse_link_header
from producers.connectors.mapping import (
    UnmappableError,
    build_event,
    normalise_lang,
    parse_count,
    parse_time,
    require_text,
    strip_html,
)
from producers.connectors.pages import Connector, Page

#: ``platform`` of Mastodon events (see the module docstring).
MASTODON_PLATFORM = "mastodon"
SOURCE_NAME = "pantau-mastodon-tag"
PAGE_LIMIT = 40  # the API's maximum for timelines


def contract_platforms() -> list[str]:
    """The platforms the contract accepts."""
    return list(schema()["properties"]["platform"]["enum"])


def _id_key(status_id: str) -> tuple[int, str]:
    return (len(status_id), status_id)  # numeric snowflake strings: longer is newer


def mastodon_client(settings: Settings, instance: str | None = None,
                    **kwargs: Any) -> HttpClient:
    """An :class:`HttpClient` for a Mastodon instance (public endpoints, no token)."""
    return HttpClient(service=f"Mastodon ({instance or settings.mastodon_url})",
                      base_url=instance or settings.mastodon_url, settings=settings,
                      auth_hint="this instance requires authentication for public timelines; "
                                "choose another with PANTAU_MASTODON_URL or --instance", **kwargs)


def map_status(status: Any, observed_at: datetime, *, platform: str = MASTODON_PLATFORM,
               source_name: str = SOURCE_NAME) -> dict[str, Any]:
    """One Mastodon status as an event: HTML content stripped to text, counts mapped
    (favourites → likes, reblogs → shares, replies → replies; no views).

    ``root_post_id`` is null for replies too: Mastodon names only the direct parent.

    Raises:
        UnmappableError: no id, account or content; unreadable date or counts.
    """
    if not isinstance(status, dict):
        raise UnmappableError(f"status is not an object: {type(status).__name__}")
    post_type, parent = "post", status.get("in_reply_to_id")
    body = status
    if isinstance(status.get("reblog"), dict):
        post_type, body = "repost", status["reblog"]
        parent = body.get("id")
    elif parent:
        post_type = "reply"
    content = body.get("content")
    if content is None:
        raise UnmappableError("content is missing", "content")
    text = require_text(strip_html(str(content)), "content")
    account = status.get("account")
    if not isinstance(account, dict):
        raise UnmappableError("account is missing", "account")
    return build_event(
        platform=platform, post_id=status.get("id"), url=status.get("url") or status.get("uri"),
        post_type=post_type, parent_post_id=parent, root_post_id=None,
        author_id=account.get("id"), handle=account.get("acct") or account.get("username"),
        display_name=account.get("display_name"),
        followers=parse_count(account.get("followers_count"), "account.followers_count"),
        verified=False,
        text=text, lang=normalise_lang(body.get("language")),
        created_at=parse_time(status.get("created_at"), "created_at"), observed_at=observed_at,
        metrics={
            "likes": parse_count(body.get("favourites_count"), "favourites_count"),
            "replies": parse_count(body.get("replies_count"), "replies_count"),
            "shares": parse_count(body.get("reblogs_count"), "reblogs_count"),
            "quotes": parse_count(body.get("quotes_count"), "quotes_count"),
            "views": None,
        },
        hashtags=[t.get("name") for t in body.get("tags") or [] if isinstance(t, dict) and t.get("name")],
        mentions=[m.get("acct") for m in body.get("mentions") or []
                  if isinstance(m, dict) and m.get("acct")],
        media_urls=[m.get("url") for m in body.get("media_attachments") or [] if isinstance(m, dict)],
        source_name=source_name)


class MastodonHashtag(Connector):
    """Reads one hashtag's public timeline on one instance.

    Args:
        hashtag: with or without ``#``.
        settings: Pantau's settings (instance, cursor directory, HTTP retries).
        instance: base URL of the instance (default ``PANTAU_MASTODON_URL``).
        platform: the contract platform value to write (default :data:`MASTODON_PLATFORM`).
    """

    name = "mastodon"

    def __init__(self, hashtag: str, *, settings: Settings, instance: str | None = None,
                 platform: str = MASTODON_PLATFORM, client: HttpClient | None = None,
                 **kwargs: Any) -> None:
        self.hashtag = hashtag.strip().lstrip("#")
        if not re.fullmatch(r"\w+", self.hashtag):
            raise TerminalError(f"{hashtag!r} is not a hashtag — pass letters, digits or _ "
                                "(e.g. --hashtag polri).")
        self.instance = (instance or settings.mastodon_url).rstrip("/")
        self.platform = platform
        super().__init__(client=client or mastodon_client(settings, self.instance),
                         settings=settings, **kwargs)

    def target(self) -> str:
        return f"{urllib.parse.urlsplit(self.instance).netloc}#{self.hashtag}"

    def check_platform(self) -> None:
        """Stop early when the contract cannot hold Mastodon events yet."""
        if self.platform not in contract_platforms():
            raise TerminalError(
                f"The social.posts.v1 contract has no platform {self.platform!r} (it accepts "
                f"{', '.join(contract_platforms())}), so every Mastodon status would be "
                "dead-lettered. Add it to the platform enum in "
                "pantau/contract/social_posts_v1.schema.json (and MASTODON_PLATFORM in "
                "producers/connectors/mastodon.py if the value differs), then run again.")

    def pages(self, state: dict[str, Any]) -> Iterator[Page]:
        path = f"/api/v1/timelines/tag/{urllib.parse.quote(self.hashtag)}"
        min_id = state.get("min_id")
        while True:
            answer = self.client.get_json(path, {"limit": PAGE_LIMIT, "min_id": min_id})
            statuses = answer.data
            if not isinstance(statuses, list):
                raise TerminalError(f"{self.client.service} answered {path} with "
                                    f"{type(statuses).__name__}, not a list of statuses.")
            ids = [str(s["id"]) for s in statuses if isinstance(s, dict) and s.get("id")]
            prev = parse_link_header(answer.headers.get("link")).get("prev")
            linked = urllib.parse.parse_qs(urllib.parse.urlsplit(prev).query).get("min_id") if prev else None
            newest = max(ids, key=_id_key) if ids else None
            next_min = (linked[0] if linked else None) or newest or min_id
            if statuses:
                yield Page(statuses, {"min_id": next_min})
            if min_id is None or len(statuses) < PAGE_LIMIT or next_min == min_id:
                return  # first run reads one page; otherwise stop when caught up
            min_id = next_min

    def run(self, sink: Any, **kwargs: Any) -> Any:
        """:meth:`Connector.run`, after checking the contract accepts :attr:`platform`."""
        self.check_platform()
        return super().run(sink, **kwargs)

    def map_item(self, item: Any, observed_at: datetime) -> list[dict[str, Any]]:
        return [map_status(item, observed_at, platform=self.platform)]
