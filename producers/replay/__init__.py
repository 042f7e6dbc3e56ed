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

The package: ``common`` (the row, the report, the format names), one module per format
(``jsonl``, ``tweet_harvest``, ``x_api``, ``plain_csv``) and ``driver`` (format detection,
reading, pacing and the replay itself).
"""

from producers.replay.common import FORMATS, PLATFORMS, Format, ReplayReport, Row
from producers.replay.driver import Pacer, detect_format, read_rows, replay
from producers.replay.jsonl import read_jsonl
from producers.replay.plain_csv import read_plain_csv
from producers.replay.tweet_harvest import (
    TWEET_HARVEST_COLUMNS,
    TWEET_HARVEST_OLD_COLUMNS,
    read_tweet_harvest,
    split_old_harvest_line,
)
from producers.replay.x_api import read_x_api

__all__ = ["FORMATS", "PLATFORMS", "TWEET_HARVEST_COLUMNS", "TWEET_HARVEST_OLD_COLUMNS", "Format",
           "Pacer", "ReplayReport", "Row", "detect_format", "read_jsonl", "read_plain_csv",
           "read_rows", "read_tweet_harvest", "read_x_api", "replay", "split_old_harvest_line"]
