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

#: A JSON string literal, as ``json.dumps(..., ensure_ascii=False)`` writes it.
_string = json.encoder.encode_basestring
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

#: Everything before the ``event_id`` value.
HEAD = b'{"schema_version":1,"event_id":"'


def _strings(values: Sequence[str]) -> str:
    if not values:  # most lists are empty
        return "[]"
    return "[" + ",".join([_string(value) for value in values]) + "]"


class PostEncoder:
    """Encodes the constant fragments of posts, remembering each author's JSON.

    Authors are shared by many posts (a user pool, official accounts, news outlets), so each
    author dict is encoded once; the scenario keeps them alive, so ``id()`` is a stable key.
    """

    def __init__(self, source: dict[str, str]) -> None:
        self._authors: dict[int, str] = {}
        self._source = _dumps(source)

    def fragments(self, *, platform: str, post_id: str, url: str | None, post_type: str,
                  parent_post_id: str | None, root_post_id: str | None,
                  author: dict[str, Any], text: str, lang: str | None, created_at: str,
                  hashtags: list[str], mentions: list[str], media_urls: list[str],
                  ) -> tuple[bytes, bytes]:
        """The bytes between ``event_id`` and ``observed_at``, and those after ``metrics``."""
        author_json = self._authors.get(id(author))
        if author_json is None:
            author_json = self._authors[id(author)] = _dumps(author)
        string, strings = _string, _strings
        middle = (f'","platform":{string(platform)},"post_id":{string(post_id)},'
                  f'"url":{"null" if url is None else string(url)},'
                  f'"post_type":{string(post_type)},"parent_post_id":'
                  f'{"null" if parent_post_id is None else string(parent_post_id)},'
                  f'"root_post_id":{"null" if root_post_id is None else string(root_post_id)},'
                  f'"author":{author_json},"text":{string(text)},'
                  f'"lang":{"null" if lang is None else string(lang)},'
                  f'"created_at":{string(created_at)},"observed_at":"')
        tail = (f',"hashtags":{strings(hashtags)},"mentions":{strings(mentions)},'
                f'"media_urls":{strings(media_urls)},"source":{self._source}}}')
        return middle.encode("utf-8"), tail.encode("utf-8")


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
