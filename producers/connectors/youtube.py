"""YouTube Data API v3 comment threads (``GET /commentThreads``) of a video or a channel.

The API has no ``since`` parameter: threads come newest first (``order=time``) and ``pageToken``
walks back in time. The cursor therefore keeps a high-water mark — the newest ``publishedAt``
already published and the thread ids at exactly that second — and each cycle walks back until it
reaches it. While a cycle is walking, the cursor also keeps the ``pageToken`` of the next page
and the cycle's pending high-water mark, so a restart resumes at that page (no duplicate) and the
mark moves only after the last page is acknowledged (no gap).

Replies: the ``replies`` part carries up to five replies per thread; those are published as
comments too (parent: the top-level comment). Replies added later to an older thread are not
seen by this connector.

Authors: a comment names its author's channel but not the channel's subscribers or creation
date. With ``PANTAU_YOUTUBE_CHANNEL_DETAILS`` (the default) each page's new channel ids are
looked up with ``GET /channels`` (50 ids per request, cached for the run), filling the author's
``followers`` (``statistics.subscriberCount``, none when hidden) and ``created_at``
(``snippet.publishedAt``). A channel the API does not return keeps both empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pantau.exceptions import TerminalError
from pantau.settings import Settings
from producers.connectors.errors import ApiAuthError, ApiError, QuotaExceededError
from producers.connectors.http import HttpClient
from producers.connectors.mapping import (
    UnmappableError,
    build_event,
    optional_time,
    parse_count,
    parse_time,
    require_text,
    strip_html,
    utc_iso,
)
from producers.connectors.pages import Connector, Page

SOURCE_NAME = "pantau-youtube-comments"
THREADS_PATH = "/commentThreads"
CHANNELS_PATH = "/channels"
#: ``channels.list`` takes at most 50 ids per request.
CHANNELS_PER_REQUEST = 50
#: 403 reasons that pass by themselves within seconds: retried with backoff.
TRANSIENT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
#: 403 reasons that pass only when the daily quota resets (midnight Pacific time): not retried.
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
#: 403/404 reasons about the target, not the key.
NOT_CREDENTIAL_REASONS = {"commentsDisabled", "videoNotFound", "channelNotFound",
                          "commentThreadNotFound"}


def _error_reason(data: Any) -> tuple[str, str]:
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return "", ""
    errors = error.get("errors") or [{}]
    reason = errors[0].get("reason", "") if isinstance(errors[0], dict) else ""
    return str(error.get("message", "")), str(reason)


def _describe_youtube_error(data: Any, body: bytes) -> str:
    message, reason = _error_reason(data)
    if message or reason:
        return f"{message} ({reason})" if reason else message
    return body[:200].decode("utf-8", errors="replace").strip()


class YouTubeClient(HttpClient):
    """:class:`HttpClient` that stops at once on quota 403s (a temporary error, not retried),
    retries short rate-limit 403s, and treats bad keys as credential errors."""

    def classify(self, status: int, body: bytes) -> str | None:
        try:
            data = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        message, reason = _error_reason(data)
        if status in (403, 429) and reason in QUOTA_REASONS:
            raise QuotaExceededError(self.service, f"{status} {reason}: {message}")
        if status in (403, 429) and reason in TRANSIENT_REASONS:
            return f"{status} {reason}: {message}"
        if reason in NOT_CREDENTIAL_REASONS:
            raise ApiError(self.service, status, f"{message} ({reason})",
                           "check the --video / --channel id; nothing to read there")
        if status == 400 and reason in ("keyInvalid", "badRequest") and "key" in message.lower():
            raise ApiAuthError(self.service, status, f"{message} ({reason})", self.auth_hint)
        return None


def youtube_client(settings: Settings, **kwargs: Any) -> HttpClient:
    """An :class:`HttpClient` for the YouTube Data API (the key travels as ``key=``)."""
    return YouTubeClient(service="YouTube Data API", base_url=settings.youtube_api_url,
                         settings=settings,
                         auth_hint="set PANTAU_YOUTUBE_API_KEY to an API key with the YouTube "
                                   "Data API v3 enabled",
                         describe_error=_describe_youtube_error, **kwargs)


@dataclass(frozen=True)
class Channel:
    """What ``channels.list`` says of a commenter's channel."""

    subscribers: int | None
    created_at: datetime | None


def read_channel(resource: Any) -> tuple[str, Channel] | None:
    """One ``youtube#channel`` resource as (id, :class:`Channel`); ``None`` when it has no id.
    Unreadable counts or dates become empty: they describe the author, not the comment."""
    if not isinstance(resource, dict) or not isinstance(resource.get("id"), str):
        return None
    statistics = resource.get("statistics") if isinstance(resource.get("statistics"), dict) else {}
    snippet = resource.get("snippet") if isinstance(resource.get("snippet"), dict) else {}
    subscribers = None
    if not statistics.get("hiddenSubscriberCount"):
        try:
            subscribers = parse_count(statistics.get("subscriberCount"), "subscriberCount")
        except UnmappableError:
            subscribers = None
    return resource["id"], Channel(subscribers, optional_time(snippet.get("publishedAt"),
                                                               "snippet.publishedAt"))


def _channel_ids(thread: Any) -> Iterator[str]:
    """The author channel ids of a thread's comments (the top-level one and its replies)."""
    if not isinstance(thread, dict) or not isinstance(thread.get("snippet"), dict):
        return
    comments = [thread["snippet"].get("topLevelComment")]
    replies = thread.get("replies")
    if isinstance(replies, dict) and isinstance(replies.get("comments"), list):
        comments += replies["comments"]
    for comment in comments:
        snippet = comment.get("snippet") if isinstance(comment, dict) else None
        author = snippet.get("authorChannelId") if isinstance(snippet, dict) else None
        value = author.get("value") if isinstance(author, dict) else None
        if isinstance(value, str) and value:
            yield value


def _comment_event(comment: dict[str, Any], *, parent: str | None, root: str | None,
                   replies: int | None, observed_at: datetime,
                   channels: dict[str, Channel] | None = None) -> dict[str, Any]:
    snippet = comment.get("snippet")
    if not isinstance(snippet, dict):
        raise UnmappableError("comment has no snippet", "snippet")
    text = snippet.get("textOriginal")
    if text is None and snippet.get("textDisplay") is not None:
        text = strip_html(str(snippet["textDisplay"]))
    video = snippet.get("videoId")
    channel = (snippet.get("authorChannelId") or {}).get("value")
    display = snippet.get("authorDisplayName")
    comment_id = comment.get("id")
    details = (channels or {}).get(channel) if channel else None
    return build_event(
        platform="youtube", post_id=comment_id,
        url=f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else None,
        post_type="comment", parent_post_id=parent or video, root_post_id=root or video,
        author_id=channel or display, handle=display, display_name=display,
        followers=details.subscribers if details else None, verified=False,
        author_created_at=details.created_at if details else None,
        text=require_text(text, "snippet.textOriginal"), lang=None,
        created_at=parse_time(snippet.get("publishedAt"), "snippet.publishedAt"),
        observed_at=observed_at,
        metrics={"likes": parse_count(snippet.get("likeCount"), "snippet.likeCount"),
                 "replies": replies, "shares": None, "quotes": None, "views": None},
        source_name=SOURCE_NAME)


def map_thread(thread: Any, observed_at: datetime,
               channels: dict[str, Channel] | None = None) -> list[dict[str, Any]]:
    """One ``commentThread`` resource: its top-level comment, then the replies it carries;
    ``channels`` (from ``channels.list``) fills the authors' subscribers and creation dates.

    Raises:
        UnmappableError: no top-level comment, text or date; unreadable counts.
    """
    if not isinstance(thread, dict) or not isinstance(thread.get("snippet"), dict):
        raise UnmappableError("comment thread has no snippet", "snippet")
    top = thread["snippet"].get("topLevelComment")
    if not isinstance(top, dict):
        raise UnmappableError("comment thread has no topLevelComment", "snippet.topLevelComment")
    replies = parse_count(thread["snippet"].get("totalReplyCount"), "snippet.totalReplyCount")
    events = [_comment_event(top, parent=None, root=None, replies=replies, observed_at=observed_at,
                             channels=channels)]
    video = (top.get("snippet") or {}).get("videoId") or thread["snippet"].get("videoId")
    for reply in (thread.get("replies") or {}).get("comments") or []:
        if isinstance(reply, dict):
            events.append(_comment_event(reply, parent=str(top.get("id")), root=video, replies=None,
                                         observed_at=observed_at, channels=channels))
    return events


def _published(thread: Any) -> str | None:
    try:
        value = thread["snippet"]["topLevelComment"]["snippet"]["publishedAt"]
        return utc_iso(parse_time(value, "publishedAt"))
    except (KeyError, TypeError, UnmappableError):
        return None


class YouTubeComments(Connector):
    """Comment threads of one video (``videoId``) or all videos of one channel
    (``allThreadsRelatedToChannelId``).

    Args:
        video_id / channel_id: exactly one of them.
        settings: Pantau's settings (YouTube API key, base URL, cursor directory, HTTP retries).
    """

    name = "youtube"

    def __init__(self, *, settings: Settings, video_id: str | None = None,
                 channel_id: str | None = None, client: HttpClient | None = None,
                 **kwargs: Any) -> None:
        if bool(video_id) == bool(channel_id):
            raise TerminalError("Name exactly one of a video (--video) or a channel (--channel).")
        self.video_id = video_id
        self.channel_id = channel_id
        if not settings.youtube_api_key and client is None:
            raise TerminalError("PANTAU_YOUTUBE_API_KEY is not set — create an API key with the "
                                "YouTube Data API v3 enabled and export it.")
        super().__init__(client=client or youtube_client(settings), settings=settings, **kwargs)
        self.channels: dict[str, Channel] = {}

    def target(self) -> str:
        return f"video-{self.video_id}" if self.video_id else f"channel-{self.channel_id}"

    def pages(self, state: dict[str, Any]) -> Iterator[Page]:
        mark = state.get("high_water")
        boundary = set(state.get("boundary_ids") or [])
        token = state.get("page_token")
        pending = state.get("pending_high_water")
        pending_ids = list(state.get("pending_boundary_ids") or [])
        while True:
            params = {"part": "snippet,replies", "maxResults": 100, "order": "time",
                      "textFormat": "plainText", "videoId": self.video_id,
                      "allThreadsRelatedToChannelId": self.channel_id, "pageToken": token,
                      "key": self.settings.youtube_api_key or None}
            body = self.client.get_json(THREADS_PATH, params).data
            if not isinstance(body, dict):
                raise TerminalError(f"YouTube Data API answered {THREADS_PATH} with "
                                    f"{type(body).__name__}, not a JSON object.")
            items = list(body.get("items") or [])
            fresh, reached = [], False
            for thread in items:
                published = _published(thread)
                if mark and published and (published < mark or
                                           (published == mark and thread.get("id") in boundary)):
                    reached = True
                    break
                fresh.append(thread)
            if token is None:  # first page of a cycle: its newest thread is the next mark
                dated = [(p, t.get("id")) for t in fresh if (p := _published(t))]
                if dated:
                    pending = max(p for p, _ in dated)
                    pending_ids = [i for p, i in dated if p == pending]
            token = None if reached else body.get("nextPageToken")
            if token:
                next_state = {"high_water": mark, "boundary_ids": sorted(boundary),
                              "page_token": token, "pending_high_water": pending,
                              "pending_boundary_ids": pending_ids}
            else:
                new_mark = pending or mark
                ids = pending_ids if pending else sorted(boundary)
                if pending and pending == mark:
                    ids = sorted(boundary | set(pending_ids))
                next_state = {"high_water": new_mark, "boundary_ids": ids, "page_token": None,
                              "pending_high_water": None, "pending_boundary_ids": []}
            if self.settings.youtube_channel_details:
                self._look_up_channels(fresh)
            yield Page(fresh, next_state)
            if not token:
                return

    def _look_up_channels(self, threads: list[Any]) -> None:
        """``channels.list`` for the page's channel ids not looked up yet in this run."""
        wanted = sorted({c for t in threads for c in _channel_ids(t)} - self.channels.keys())
        for start in range(0, len(wanted), CHANNELS_PER_REQUEST):
            ids = wanted[start:start + CHANNELS_PER_REQUEST]
            body = self.client.get_json(CHANNELS_PATH, {
                "part": "snippet,statistics", "id": ",".join(ids), "maxResults": len(ids),
                "key": self.settings.youtube_api_key or None}).data
            found = [read_channel(r) for r in
                     (body.get("items") or [] if isinstance(body, dict) else [])]
            self.channels.update(pair for pair in found if pair is not None)
            for missing in set(ids) - self.channels.keys():  # deleted or hidden: asked once
                self.channels[missing] = Channel(None, None)

    def map_item(self, item: Any, observed_at: datetime) -> list[dict[str, Any]]:
        return map_thread(item, observed_at, self.channels)
