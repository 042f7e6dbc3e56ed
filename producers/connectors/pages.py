"""The page loop every live connector shares, and the sinks it publishes to.

The page loop is where "no gap, no duplicate" is decided: a page's events are handed to Kafka,
the publisher is flushed, and only when every message of the page was acknowledged is the cursor
written (atomically: temp file, fsync, rename). A crash before that re-reads the same page on the
next run; the deterministic ``event_id`` (see :mod:`producers.connectors.mapping`) makes even that
re-read harmless to the warehouse.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from pantau.exceptions import TransientError
from pantau.settings import Settings
from producers.connectors.cursors import CursorStore, cursor_name
from producers.connectors.http import HttpClient
from producers.connectors.mapping import Reasons, UnmappableError


class Sink(Protocol):
    """Where a connector's events go. :class:`PublisherSink` is the Kafka one."""

    def publish(self, event: Any) -> bool: ...

    def dead_letter(self, reason: str, field_name: str | None, original: Any) -> None: ...

    def commit(self) -> None:
        """Block until everything handed over is durable; raise if anything is not."""
        ...


class PublisherSink:
    """Adapts :class:`producers.Publisher`: :meth:`commit` flushes and checks that every message
    handed over since the last commit was acknowledged (``acks=all``)."""

    def __init__(self, publisher: Any, *, timeout_s: float = 120.0) -> None:
        self.publisher = publisher
        self.timeout_s = timeout_s
        self.handed = 0

    def publish(self, event: Any) -> bool:
        self.handed += 1
        return bool(self.publisher.publish(event))

    def dead_letter(self, reason: str, field_name: str | None, original: Any) -> None:
        self.handed += 1
        self.publisher.dead_letter(reason, field_name, original)

    def commit(self) -> None:
        flush = getattr(self.publisher, "flush", None)
        if callable(flush):
            flush(self.timeout_s)
        else:  # Publisher has no public flush yet; its producer's flush is what we need
            self.publisher._producer.flush(timeout=self.timeout_s)
        report = self.publisher.report
        acked = report.sent + report.dead_lettered
        if report.failed or acked < self.handed:
            raise TransientError(
                f"Kafka did not acknowledge {self.handed - acked} of {self.handed} messages "
                f"({report.summary()}); the cursor was not advanced, so the next run re-reads "
                "this page.")


@dataclass
class Page:
    """One API page: the raw items, how to map one, and the cursor to save once it is durable."""

    items: list[Any]
    next_state: dict[str, Any]


@dataclass
class ConnectorReport:
    """What a connector run did."""

    pages: int = 0
    items: int = 0
    published: int = 0
    unmappable: int = 0
    reasons: Reasons = field(default_factory=Reasons)

    def summary(self) -> str:
        return (f"{self.pages} pages, {self.items} items: {self.published} handed to Kafka, "
                f"{self.unmappable} unmappable (dead-lettered)" + self.reasons.top())


class Connector(ABC):
    """A live source: yields pages from a cursor; :meth:`run` publishes and commits them.

    Subclasses set :attr:`name` and implement :meth:`target`, :meth:`pages` and :meth:`map_item`.
    """

    name = "connector"

    def __init__(self, *, client: HttpClient, settings: Settings,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.client = client
        self.settings = settings
        self.now = now
        self.cursor = CursorStore(settings.cursor_dir / cursor_name(self.name, self.target()))

    @abstractmethod
    def target(self) -> str:
        """What is read (query, hashtag, video) — names the cursor file."""

    @abstractmethod
    def pages(self, state: dict[str, Any]) -> Iterator[Page]:
        """Pages from ``state`` onwards; the next request is made only after the loop has
        committed the previous page."""

    @abstractmethod
    def map_item(self, item: Any, observed_at: datetime) -> list[dict[str, Any]]:
        """Contract events of one raw item (a YouTube thread carries replies too).

        Raises:
            UnmappableError: the item cannot become an event.
        """

    def original(self, item: Any) -> Any:
        """What goes to the DLQ as ``original`` for an unmappable item."""
        return item

    def run(self, sink: Sink, *, max_pages: int | None = None,
            stop: threading.Event | None = None) -> ConnectorReport:
        """Read pages from the saved cursor, publish them, commit, save the cursor, repeat.

        Args:
            sink: where events go (:class:`PublisherSink` for Kafka).
            max_pages: stop after this many pages (the cursor then points at the next one).
            stop: set from a signal handler to stop after the current page.
        """
        report = ConnectorReport()
        state = self.cursor.load()
        with self.client.session():  # one HTTP connection pool per run
            self._run_pages(sink, state, report, max_pages, stop)
        return report

    def _run_pages(self, sink: Sink, state: dict[str, Any], report: ConnectorReport,
                   max_pages: int | None, stop: threading.Event | None) -> None:
        for page in self.pages(state):
            observed_at = self.now()
            for item in page.items:
                report.items += 1
                try:
                    events = self.map_item(item, observed_at)
                except UnmappableError as error:
                    report.unmappable += 1
                    report.reasons.add(error)
                    sink.dead_letter(f"{self.name}: {error.reason}", error.field, self.original(item))
                    continue
                for event in events:
                    sink.publish(event)
                    report.published += 1
            sink.commit()
            self.cursor.save(page.next_state)
            report.pages += 1
            if (max_pages is not None and report.pages >= max_pages) or (stop and stop.is_set()):
                break
