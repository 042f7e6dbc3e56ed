"""The scenario's messages as bytes, spliced from per-post fragments.

All observations of a post share every field but ``event_id``, ``observed_at`` and ``metrics``.
So the constant part of a post is encoded once, in two fragments around ``observed_at``, and
each observation only formats its three varying values between them. The result is byte for
byte what :func:`producers.publisher.serialize` writes for the same event (compact JSON, keys in
the contract's order, non-ASCII as UTF-8) — ``tests/unit/test_scenario.py`` checks it — at
about a twentieth of the cost per message.
"""

from __future__ import annotations

from typing import Any

from producers.publisher import encode_json

#: Everything before the ``event_id`` value.
HEAD = b'{"schema_version":1,"event_id":"'


class PostEncoder:
    """Encodes the constant fragments of posts.

    The fields between ``event_id`` and ``observed_at`` (``platform`` to ``created_at``) follow
    each other in the contract's order, and so do those after ``metrics`` (``hashtags`` to
    ``source``): each run is encoded as one JSON object, whose braces are then cut off.
    """

    def __init__(self, source: dict[str, str]) -> None:
        self._source = source

    def fragments(self, platform: str, post_id: str, url: str | None, post_type: str,
                  parent_post_id: str | None, root_post_id: str | None,
                  author: dict[str, Any], text: str, lang: str | None, created_at: str,
                  hashtags: list[str], mentions: list[str], media_urls: list[str],
                  ) -> tuple[bytes, bytes]:
        """The bytes between ``event_id`` and ``observed_at``, and those after ``metrics``.

        (Positional arguments, in the contract's order: this runs once per post.)
        """
        head = encode_json({
            "platform": platform, "post_id": post_id, "url": url, "post_type": post_type,
            "parent_post_id": parent_post_id, "root_post_id": root_post_id, "author": author,
            "text": text, "lang": lang, "created_at": created_at})
        tail = encode_json({"hashtags": hashtags, "mentions": mentions,
                            "media_urls": media_urls, "source": self._source})
        # {"platform":…,"created_at":"…"} becomes ","platform":…,"created_at":"…","observed_at":"
        return b"".join((b'",', head[1:-1], b',"observed_at":"')), b"," + tail[1:]


def observation(middle: bytes, tail: bytes, event_id: str, observed_at: str,
                likes: int | None, replies: int | None, shares: int | None,
                quotes: int | None, views: int | None) -> bytes:
    """One observation's message: the post's fragments with its id, time and metrics."""
    return b"".join((
        HEAD, event_id.encode(), middle,
        f'{observed_at}","metrics":{{"likes":{"null" if likes is None else likes},'
        f'"replies":{"null" if replies is None else replies},'
        f'"shares":{"null" if shares is None else shares},'
        f'"quotes":{"null" if quotes is None else quotes},'
        f'"views":{"null" if views is None else views}}}'.encode(), tail))
