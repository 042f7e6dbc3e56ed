"""The scenario's messages as bytes, spliced from per-post fragments.

All observations of a post share every field but ``event_id``, ``observed_at`` and ``metrics``.
So the constant part of a post is encoded once, in two fragments around ``observed_at``, and
each observation only formats its three varying values between them. The result is byte for
byte what :func:`producers.publisher.serialize` writes for the same event (compact JSON, keys in
the contract's order, ``ensure_ascii=False``) — ``tests/unit/test_scenario.py`` checks it — at
about a twentieth of the cost per message.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from producers.publisher import to_json

#: A JSON string literal, as ``json.dumps(..., ensure_ascii=False)`` writes it.
_string = json.encoder.encode_basestring

#: Everything before the ``event_id`` value.
HEAD = b'{"schema_version":1,"event_id":"'


def _strings(values: Sequence[str]) -> str:
    if not values:  # most lists are empty
        return "[]"
    return "[" + ",".join([_string(value) for value in values]) + "]"


class _Quoted(dict[str, str]):
    """JSON string literals of the few values that repeat (platforms, post types, languages)."""

    def __missing__(self, value: str) -> str:
        quoted = self[value] = _string(value)
        return quoted


class PostEncoder:
    """Encodes the constant fragments of posts, remembering each author's JSON.

    Authors are shared by many posts (a user pool, official accounts, news outlets), so each
    author dict is encoded once, keyed by ``id()``. The cache holds the dict itself too, so that
    id cannot pass to another object while it is cached; author dicts are not changed during a
    run.
    """

    def __init__(self, source: dict[str, str]) -> None:
        self._authors: dict[int, tuple[dict[str, Any], str]] = {}
        self._quoted = _Quoted()
        self._source = to_json(source)

    def fragments(self, platform: str, post_id: str, url: str | None, post_type: str,
                  parent_post_id: str | None, root_post_id: str | None,
                  author: dict[str, Any], text: str, lang: str | None, created_at: str,
                  hashtags: list[str], mentions: list[str], media_urls: list[str],
                  ) -> tuple[bytes, bytes]:
        """The bytes between ``event_id`` and ``observed_at``, and those after ``metrics``.

        (Positional arguments, in the contract's order: this runs once per post.)
        """
        cached = self._authors.get(id(author))
        if cached is None:
            cached = self._authors[id(author)] = (author, to_json(author))
        author_json = cached[1]
        string, quoted = _string, self._quoted
        # the text is encoded on its own: it is the one field that is often not ASCII, and
        # encoding a short ASCII string is a copy
        before_text = (
            f'","platform":{quoted[platform]},"post_id":{string(post_id)},'
            f'"url":{"null" if url is None else string(url)},"post_type":{quoted[post_type]},'
            f'"parent_post_id":{"null" if parent_post_id is None else string(parent_post_id)},'
            f'"root_post_id":{"null" if root_post_id is None else string(root_post_id)},'
            f'"author":{author_json},"text":')
        after_text = (f',"lang":{"null" if lang is None else quoted[lang]},'
                      f'"created_at":{string(created_at)},"observed_at":"')
        middle = b"".join((before_text.encode(), string(text).encode(), after_text.encode()))
        tail = (f',"hashtags":{_strings(hashtags)},"mentions":{_strings(mentions)},'
                f'"media_urls":{_strings(media_urls)},"source":{self._source}}}')
        return middle, tail.encode()


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
