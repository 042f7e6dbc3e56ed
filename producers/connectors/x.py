"""X API v2 recent search (``GET /2/tweets/search/recent``) and the mapping of its tweets.

The same mapping serves the live connector and the replay of saved API responses (``data`` +
``includes.users`` + ``includes.media``, as written by the API, twarc2 or a notebook).

Cursor: ``since_id`` (newest tweet already published) plus, while a polling cycle is walking
back through ``next_token`` pages, that token and the cycle's ``newest_id``. A restart in the
middle of a cycle resumes at the saved ``next_token`` (no duplicate); the cycle's ``newest_id``
becomes the new ``since_id`` only once the last page is acknowledged (no gap).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from pantau.exceptions import TerminalError
from pantau.settings import Settings
from producers.connectors.http import HttpClient
from producers.connectors.mapping import (
    UnmappableError,
    build_event,
    normalise_lang,
    optional_time,
    parse_count,
    parse_time,
    require_text,
)
from producers.connectors.pages import Connector, Page

SOURCE_NAME = "pantau-x-recent-search"
SEARCH_PATH = "/2/tweets/search/recent"
TWEET_FIELDS = ("created_at,public_metrics,entities,lang,conversation_id,referenced_tweets,"
                "author_id,attachments,note_tweet")
USER_FIELDS = "username,name,public_metrics,verified,created_at"
MEDIA_FIELDS = "url,preview_image_url,type"
EXPANSIONS = "author_id,attachments.media_keys"
_TYPES = {"replied_to": "reply", "quoted": "quote", "retweeted": "repost"}


def _describe_x_error(data: Any, body: bytes) -> str:
    if isinstance(data, dict):
        parts = [str(data.get(k)) for k in ("title", "detail") if data.get(k)]
        errors = data.get("errors")
        if not parts and isinstance(errors, list) and errors and isinstance(errors[0], dict):
            parts = [str(errors[0].get("message") or errors[0].get("detail") or errors[0])]
        if parts:
            return ": ".join(parts)
    return body[:200].decode("utf-8", errors="replace").strip()


def x_client(settings: Settings, **kwargs: Any) -> HttpClient:
    """An :class:`HttpClient` for the X API with the bearer token and X's rate-limit header."""
    return HttpClient(
        service="X API", base_url=settings.x_api_url, settings=settings,
        headers={"Authorization": f"Bearer {settings.x_bearer_token}"},
        auth_hint="set PANTAU_X_BEARER_TOKEN to a valid app bearer token with access to "
                  "recent search",
        describe_error=_describe_x_error, reset_header="x-rate-limit-reset", **kwargs)


def tweets_of_response(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The tweets of one API response, each with its author and media joined in.

    Every returned item is ``{"tweet": …, "user": … or None, "media": [...]}``; it is also what
    goes to the DLQ when the tweet cannot be mapped.
    """
    includes = body.get("includes") or {}
    users = {u.get("id"): u for u in includes.get("users") or [] if isinstance(u, dict)}
    media = {m.get("media_key"): m for m in includes.get("media") or [] if isinstance(m, dict)}
    items = []
    for tweet in body.get("data") or []:
        if not isinstance(tweet, dict):
            items.append({"tweet": tweet, "user": None, "media": []})
            continue
        keys = (tweet.get("attachments") or {}).get("media_keys") or []
        items.append({"tweet": tweet, "user": users.get(tweet.get("author_id")),
                      "media": [media[k] for k in keys if k in media]})
    return items


def map_tweet(item: Mapping[str, Any], observed_at: datetime, *,
              source_name: str = SOURCE_NAME) -> dict[str, Any]:
    """One X API v2 tweet (with its user and media, see :func:`tweets_of_response`) as an event.

    Raises:
        UnmappableError: no id, text or author; unreadable date or counts.
    """
    tweet = item.get("tweet")
    if not isinstance(tweet, dict):
        raise UnmappableError(f"tweet is not an object: {type(tweet).__name__}")
    user = item.get("user") or {}
    post_id = tweet.get("id")
    if not post_id:
        raise UnmappableError("tweet has no id", "id")
    note = tweet.get("note_tweet") or {}
    text = require_text(note.get("text") or tweet.get("text"), "text")
    created = parse_time(tweet.get("created_at"), "created_at")
    metrics = tweet.get("public_metrics") or {}
    if not isinstance(metrics, dict):
        raise UnmappableError("public_metrics is not an object", "public_metrics")
    author_id = tweet.get("author_id") or user.get("id")
    handle = user.get("username") or author_id
    post_type, parent = "post", None
    for ref in tweet.get("referenced_tweets") or []:
        if isinstance(ref, dict) and ref.get("type") in _TYPES:
            post_type, parent = _TYPES[ref["type"]], ref.get("id")
            if post_type == "reply":
                break
    conversation = tweet.get("conversation_id")
    root = conversation if conversation and conversation != post_id else (
        parent if post_type != "post" else None)
    entities = tweet.get("entities") or {}
    user_metrics = user.get("public_metrics") or {}
    return build_event(
        platform="x", post_id=post_id,
        url=f"https://x.com/{handle}/status/{post_id}" if user.get("username")
        else f"https://x.com/i/web/status/{post_id}",
        post_type=post_type, parent_post_id=parent, root_post_id=root,
        author_id=author_id, handle=handle, display_name=user.get("name"),
        followers=parse_count(user_metrics.get("followers_count"), "user.followers_count"),
        verified=bool(user.get("verified")),
        author_created_at=optional_time(user.get("created_at"), "user.created_at"),
        text=text, lang=normalise_lang(tweet.get("lang")),
        created_at=created, observed_at=observed_at,
        metrics={
            "likes": parse_count(metrics.get("like_count"), "public_metrics.like_count"),
            "replies": parse_count(metrics.get("reply_count"), "public_metrics.reply_count"),
            "shares": parse_count(metrics.get("retweet_count"), "public_metrics.retweet_count"),
            "quotes": parse_count(metrics.get("quote_count"), "public_metrics.quote_count"),
            "views": parse_count(metrics.get("impression_count"), "public_metrics.impression_count"),
        },
        hashtags=[h.get("tag") for h in entities.get("hashtags") or [] if h.get("tag")]
        if "hashtags" in entities else None,
        mentions=[m.get("username") for m in entities.get("mentions") or [] if m.get("username")]
        if "mentions" in entities else None,
        media_urls=[m.get("url") or m.get("preview_image_url") for m in item.get("media") or []],
        source_name=source_name)


class XRecentSearch(Connector):
    """Polls X API v2 recent search for one query.

    Args:
        query: the search query (``polres OR polresta lang:id -is:retweet``).
        settings: Pantau's settings (X token, base URL, cursor directory, HTTP retries).
        max_results: tweets per page (10 to 100).
        client: an HTTP client (tests inject one with a fake sleeper).
    """

    name = "x"

    def __init__(self, query: str, *, settings: Settings, max_results: int = 100,
                 client: HttpClient | None = None, **kwargs: Any) -> None:
        if not query.strip():
            raise TerminalError("The X search query is empty — pass --query, e.g. "
                                "--query 'polres lang:id -is:retweet'.")
        self.query = query
        self.max_results = max(10, min(100, max_results))
        super().__init__(client=client or x_client(settings), settings=settings, **kwargs)

    def target(self) -> str:
        return self.query

    def pages(self, state: dict[str, Any]) -> Iterator[Page]:
        since_id = state.get("since_id")
        token = state.get("next_token")
        pending = state.get("pending_newest_id")
        while True:
            params = {
                "query": self.query, "max_results": self.max_results, "since_id": since_id,
                "next_token": token, "tweet.fields": TWEET_FIELDS, "expansions": EXPANSIONS,
                "user.fields": USER_FIELDS, "media.fields": MEDIA_FIELDS,
            }
            body = self.client.get_json(SEARCH_PATH, params).data
            if not isinstance(body, dict):
                raise TerminalError(f"X API answered {SEARCH_PATH} with "
                                    f"{type(body).__name__}, not a JSON object — is "
                                    "PANTAU_X_API_URL pointing at the X API?")
            meta = body.get("meta") or {}
            if token is None:  # the first page of a cycle holds the newest tweet
                pending = meta.get("newest_id") or pending
            token = meta.get("next_token")
            if token:
                next_state = {"since_id": since_id, "next_token": token,
                              "pending_newest_id": pending}
            else:
                next_state = {"since_id": pending or since_id, "next_token": None,
                              "pending_newest_id": None}
            yield Page(tweets_of_response(body), next_state)
            if not token:
                return

    def map_item(self, item: Any, observed_at: datetime) -> list[dict[str, Any]]:
        return [map_tweet(item, observed_at)]
