"""``pantau produce replay|x|youtube|mastodon|news``: the sub-commands of the replay and live sources.

:func:`register` adds them to the ``produce`` sub-parser that :mod:`pantau.cli` builds; each
handler takes ``(args, settings)`` and returns the exit code, like the other commands: 0 when
every item was delivered, 1 when any was dead-lettered or failed (the summary says which).
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pantau.exceptions import ConfigurationError, TerminalError
from pantau.progress import Output
from pantau.settings import Settings


def _say(message: str) -> None:
    print(message, flush=True)


# replay ----------------------------------------------------------------------------------------
def _timestamp(value: str) -> datetime:
    from producers.connectors.mapping import UnmappableError, parse_time

    try:
        return parse_time(value, "--observed-at")
    except UnmappableError as error:
        raise argparse.ArgumentTypeError(error.reason) from None


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    """Replay one file through the publisher and print what became of every row."""
    from producers import Publisher
    from producers.replay import replay

    try:
        tz = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError("--timezone", args.timezone, "an IANA zone such as Asia/Jakarta "
                                 "or UTC") from None
    started = time.monotonic()
    out = Output()
    with out.bar("replaying", unit="sent") as bar:
        with (Publisher(settings, source=f"replay:{Path(args.file).name}"[:64]) as publisher,
              bar.follow(lambda: publisher.report.sent)):
            read = replay(Path(args.file), publisher, fmt=args.format, speed=args.speed,
                          observed_at=args.observed_at, platform=args.platform,
                          text_column=args.text_column, time_column=args.time_column,
                          author_column=args.author_column, tz=tz, limit=args.limit)
        bar.update(None, completed=publisher.report.sent)
    report = publisher.report
    _say(f"Replayed {args.file} to {settings.topic_posts}: {read.summary()}; "
         f"{report.summary()} in {time.monotonic() - started:.1f}s")
    if report.dead_lettered:
        _say(f"Dead-lettered items are in {settings.topic_dlq} with their reasons.")
    return 0 if report.ok and report.dead_lettered == 0 else 1


# live connectors -------------------------------------------------------------------------------
@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    stop = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, _frame: Any) -> None:
        _say(f"{signal.Signals(signum).name}: finishing the current page, then stopping")
        stop.set()

    if in_main:
        for sig in previous:
            signal.signal(sig, handler)
    try:
        yield stop
    finally:
        if in_main:
            for sig, old in previous.items():
                signal.signal(sig, old)


def run_connectors(settings: Settings, source: str, connectors: list[Any], *, max_pages: int | None,
                   follow: bool, interval_s: float,
                   sleep: Callable[[float], None] = time.sleep) -> int:
    """Run connectors into Kafka: once, or every ``interval_s`` seconds with ``follow``.

    Returns:
        The exit code: 0 when every item was delivered, 1 otherwise.
    """
    from producers import Publisher
    from producers.connectors import PublisherSink

    started = time.monotonic()
    unmappable = 0
    out = Output()
    with _stop_on_signals() as stop, out.bar(source, unit="sent") as bar:
        with (Publisher(settings, source=source) as publisher,
              bar.follow(lambda: publisher.report.sent)):
            sink = PublisherSink(publisher)
            while True:
                for connector in connectors:
                    result = connector.run(sink, max_pages=max_pages, stop=stop)
                    unmappable += result.unmappable
                    out.say(f"{source} {connector.target()}: {result.summary()}")
                    if stop.is_set():
                        break
                if not follow or stop.is_set():
                    break
                waited = 0.0
                while waited < interval_s and not stop.is_set():
                    sleep(min(1.0, interval_s - waited))
                    waited += 1.0
        bar.update(None, completed=publisher.report.sent)
    report = publisher.report
    _say(f"Produced to {settings.topic_posts}: {report.summary()} "
         f"in {time.monotonic() - started:.1f}s")
    return 0 if report.ok and report.dead_lettered == 0 and unmappable == 0 else 1


def cmd_x(args: argparse.Namespace, settings: Settings) -> int:
    """X API v2 recent search for one query."""
    from producers.connectors.x import XRecentSearch

    if not settings.x_bearer_token:
        raise TerminalError("PANTAU_X_BEARER_TOKEN is not set — create an app in the X developer "
                            "portal, copy its bearer token and export it.")
    connector = XRecentSearch(args.query, settings=settings, max_results=args.max_results)
    return run_connectors(settings, "x", [connector], max_pages=args.max_pages,
                          follow=args.follow, interval_s=args.interval)


def cmd_youtube(args: argparse.Namespace, settings: Settings) -> int:
    """YouTube comment threads of videos and channels."""
    from producers.connectors.youtube import YouTubeComments

    if not args.video and not args.channel:
        raise TerminalError("Name at least one --video ID or --channel ID.")
    connectors = [YouTubeComments(settings=settings, video_id=v) for v in args.video or []]
    connectors += [YouTubeComments(settings=settings, channel_id=c) for c in args.channel or []]
    return run_connectors(settings, "youtube", connectors, max_pages=args.max_pages,
                          follow=args.follow, interval_s=args.interval)


def cmd_mastodon(args: argparse.Namespace, settings: Settings) -> int:
    """Mastodon public hashtag timelines."""
    from producers.connectors.mastodon import MastodonHashtag

    connectors = [MastodonHashtag(tag, settings=settings, instance=args.instance)
                  for tag in args.hashtag]
    for connector in connectors:
        connector.check_platform()  # before connecting to Kafka
    return run_connectors(settings, "mastodon", connectors, max_pages=args.max_pages,
                          follow=args.follow, interval_s=args.interval)


def cmd_news(args: argparse.Namespace, settings: Settings) -> int:
    """RSS and Atom feeds of news portals."""
    from producers.connectors.news import NewsFeed

    connectors = [NewsFeed(url, settings=settings) for url in args.feed]
    return run_connectors(settings, "news", connectors, max_pages=None,
                          follow=args.follow, interval_s=args.interval)


# parser ----------------------------------------------------------------------------------------
def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _speed(value: str) -> float:
    number = float(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (as fast as possible) or more, got {value}")
    return number


def _live_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-pages", type=_positive_int, default=None, metavar="N",
                        help="stop after N pages per target (the cursor then points at the next "
                             "one; default: until caught up)")
    parser.add_argument("--follow", action="store_true",
                        help="keep polling every --interval seconds until Ctrl-C")
    parser.add_argument("--interval", type=float, default=60.0, metavar="SECONDS",
                        help="seconds between polls with --follow (default 60)")


_LIVE_EPILOG = ("Cursors are kept in PANTAU_CURSOR_DIR (default {state}/cursors) and advanced only "
                "after Kafka acknowledged a page, so a restart resumes with no gap and no "
                "duplicate. Requests time out after PANTAU_HTTP_TIMEOUT_S and are retried "
                "PANTAU_HTTP_RETRIES times with exponential backoff on timeouts, 5xx and "
                "malformed JSON; rate limits are waited out up to PANTAU_RATE_LIMIT_MAX_WAIT_S. "
                "Exit codes: 0 all delivered, 1 some items dead-lettered or failed, 2 a setting "
                "or credential must change, 75 temporary (API or Kafka down): run again.")


def register(sources: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``replay``, ``x``, ``youtube``, ``mastodon`` and ``news`` to ``pantau produce``.

    Args:
        sources: the sub-parsers object of the ``produce`` parser.
    """
    from producers.replay import FORMATS, PLATFORMS

    s = sources.add_parser(
        "replay", help="files you already have: contract JSONL, tweet-harvest CSV, X API JSON, CSV",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Send the posts of a file to the posts topic, as fast as possible or at N "
        "times real time (by created_at). Rows that cannot be mapped go to the dead-letter topic "
        "with '<file>:<line>: <reason>' and the original row.\n\n"
        "Formats (auto-detected from the name and header):\n"
        "  jsonl          one social.posts.v1 event per line\n"
        "  tweet-harvest  CSV of the tweet-harvest crawler, comma (2.4.1+) or older ';' layout\n"
        "  x-api          saved X API v2 responses (data + includes.users), JSON or JSONL\n"
        "  csv            any CSV with a text column; optional timestamp, author, id, url "
        "(needs --platform)\n\n"
        "observed_at is the file's modification time unless --observed-at is given, so a "
        "second replay of the same file yields the same event ids (stored once).",
        epilog="Exit codes: 0 every row delivered, 1 some rows dead-lettered or failed, 2 bad "
        "input or setting, 75 Kafka unreachable.")
    s.add_argument("file", metavar="FILE", help="the file to replay")
    s.add_argument("--format", choices=FORMATS, default="auto",
                   help="file format (default: auto)")
    s.add_argument("--speed", type=_speed, default=0.0, metavar="N",
                   help="N times real time by created_at, e.g. 60 plays an hour in a minute "
                        "(default 0: as fast as possible)")
    s.add_argument("--observed-at", type=_timestamp, default=None, metavar="TIME",
                   help="when the data were collected, ISO-8601 (default: the file's "
                        "modification time)")
    s.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                   help="replay only the first N rows")
    s.add_argument("--platform", choices=PLATFORMS, default=None,
                   help="platform of the posts of a plain CSV (required for --format csv)")
    s.add_argument("--text-column", metavar="NAME", help="plain CSV: column of the post text "
                   "(default: text, content, full_text, body, message…)")
    s.add_argument("--time-column", metavar="NAME", help="plain CSV: column of the publication "
                   "time (default: created_at, timestamp, date…; none = observed_at)")
    s.add_argument("--author-column", metavar="NAME", help="plain CSV: column of the author's "
                   "handle (default: author, username, user, handle…)")
    s.add_argument("--timezone", default="UTC", metavar="ZONE",
                   help="zone of plain-CSV timestamps written without one, e.g. Asia/Jakarta "
                        "(default UTC)")
    s.set_defaults(func=cmd_replay)

    s = sources.add_parser(
        "x", help="X API v2 recent search (needs PANTAU_X_BEARER_TOKEN)",
        description="Poll GET /2/tweets/search/recent for one query and send the tweets (with "
        "their authors and media) to the posts topic. Needs an app bearer token in "
        "PANTAU_X_BEARER_TOKEN; PANTAU_X_API_URL changes the base URL.", epilog=_LIVE_EPILOG)
    s.add_argument("--query", required=True, metavar="QUERY",
                   help="X search query, e.g. '(polres OR polresta) lang:id -is:retweet'")
    s.add_argument("--max-results", type=int, default=100, metavar="N",
                   help="tweets per page, 10 to 100 (default 100)")
    _live_options(s)
    s.set_defaults(func=cmd_x)

    s = sources.add_parser(
        "youtube", help="YouTube comment threads of videos or channels (needs "
        "PANTAU_YOUTUBE_API_KEY)",
        description="Read commentThreads (part=snippet,replies, newest first) of each video or "
        "channel and send the comments and the replies they carry to the posts topic. Needs "
        "an API key in PANTAU_YOUTUBE_API_KEY; PANTAU_YOUTUBE_API_URL changes the base URL.",
        epilog=_LIVE_EPILOG)
    s.add_argument("--video", action="append", metavar="VIDEO_ID",
                   help="a video id (repeatable)")
    s.add_argument("--channel", action="append", metavar="CHANNEL_ID",
                   help="a channel id, UC… (repeatable): threads of all its videos")
    _live_options(s)
    s.set_defaults(func=cmd_youtube)

    s = sources.add_parser(
        "mastodon", help="Mastodon public hashtag timelines (no account needed)",
        description="Read GET /api/v1/timelines/tag/:hashtag of a Mastodon instance and send "
        "the statuses (HTML stripped to text) to the posts topic. The contract has no "
        "'mastodon' platform yet: the command says so and stops until it does.",
        epilog=_LIVE_EPILOG)
    s.add_argument("--hashtag", action="append", required=True, metavar="TAG",
                   help="hashtag without # (repeatable), e.g. polri")
    s.add_argument("--instance", default=None, metavar="URL",
                   help="instance base URL (default PANTAU_MASTODON_URL, https://mastodon.social)")
    _live_options(s)
    s.set_defaults(func=cmd_mastodon)

    s = sources.add_parser(
        "news", help="RSS and Atom feeds of news portals (platform 'news')",
        description="Read news portals' RSS or Atom feeds and send each new or updated item "
        "(headline and summary, HTML stripped) to the posts topic as platform 'news'. The cursor "
        "remembers what each feed already sent, so a restart or the next poll sends nothing "
        "twice; an updated item is sent again as a new observation.",
        epilog=_LIVE_EPILOG)
    s.add_argument("--feed", action="append", required=True, metavar="URL",
                   help="an http(s) feed URL (repeatable), e.g. https://news.example.co.id/rss")
    s.add_argument("--follow", action="store_true",
                   help="keep polling every --interval seconds until Ctrl-C")
    s.add_argument("--interval", type=float, default=300.0, metavar="SECONDS",
                   help="seconds between polls with --follow (default 300)")
    s.set_defaults(func=cmd_news)
