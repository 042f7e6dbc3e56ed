"""What every live connector shares: an HTTP client that retries, cursors, the page loop.

The page loop is where "no gap, no duplicate" is decided: a page's events are handed to Kafka,
the publisher is flushed, and only when every message of the page was acknowledged is the cursor
written (atomically: temp file, fsync, rename). A crash before that re-reads the same page on the
next run; the deterministic ``event_id`` (see :mod:`producers.connectors.mapping`) makes even that
re-read harmless to the warehouse.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import os
import random
import re
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pantau.exceptions import TerminalError, TransientError
from pantau.settings import Settings
from producers.connectors.mapping import Reasons, UnmappableError

log = logging.getLogger(__name__)

USER_AGENT = "pantau-connector/0.1 (+https://github.com/pantau)"


# errors ----------------------------------------------------------------------------------------
class ApiError(TerminalError):
    """An API refused a request in a way retrying will not fix (4xx other than 429).

    Attributes:
        service: "X API", "YouTube Data API", "Mastodon".
        status: the HTTP status.
        detail: the API's own message.
    """

    def __init__(self, service: str, status: int, detail: str, hint: str = "") -> None:
        self.service = service
        self.status = status
        self.detail = detail
        self.hint = hint
        super().__init__(f"{service} rejected the request ({status}): {detail}"
                         + (f" — {hint}" if hint else ""))


class ApiAuthError(ApiError):
    """401/403: the credentials are missing, wrong or lack access."""

    def __init__(self, service: str, status: int, detail: str, hint: str) -> None:
        self.service, self.status, self.detail, self.hint = service, status, detail, hint
        TerminalError.__init__(self, f"{service} rejected the credentials ({status}) — {hint}"
                               + (f" ({detail})" if detail else ""))


class ApiUnavailableError(TransientError):
    """Timeouts, 5xx or malformed JSON that outlasted every retry."""

    def __init__(self, service: str, attempts: int, detail: str) -> None:
        self.service = service
        self.attempts = attempts
        self.detail = detail
        super().__init__(f"{service} failed {attempts} times in a row (last: {detail}) — try again "
                         "later; the cursor was kept, so the next run resumes where this one "
                         "stopped.")


class RateLimitedError(TransientError):
    """The rate-limit window resets later than we are willing to wait."""

    def __init__(self, service: str, wait_s: float, max_wait_s: float) -> None:
        self.service = service
        self.wait_s = wait_s
        self.max_wait_s = max_wait_s
        super().__init__(f"{service} is rate-limited for another {wait_s:.0f}s (more than "
                         f"PANTAU_RATE_LIMIT_MAX_WAIT_S={max_wait_s:.0f}) — run again after the "
                         "window resets; the cursor was kept.")


# HTTP ------------------------------------------------------------------------------------------
@dataclass
class HttpResponse:
    """One HTTP answer: status, headers (lower-case names), body and the decoded JSON."""

    status: int
    headers: dict[str, str]
    body: bytes
    url: str
    data: Any = None


def parse_link_header(value: str | None) -> dict[str, str]:
    """``<url>; rel="next", <url>; rel="prev"`` -> ``{"next": url, "prev": url}``."""
    links: dict[str, str] = {}
    for part in re.finditer(r'<([^>]*)>\s*;\s*rel="?([^",;]+)"?', value or ""):
        links[part.group(2)] = part.group(1)
    return links


class HttpClient:
    """A small JSON-over-HTTPS client on ``urllib``: timeouts, bounded retries with exponential
    backoff and full jitter on timeouts/5xx/bad JSON, and rate limits honoured (``Retry-After``,
    or a service-specific reset header such as X's ``x-rate-limit-reset``).

    Args:
        service: name used in every message ("X API").
        base_url: prefix of relative paths.
        settings: timeouts, retries, backoff.
        headers: sent with every request (authorisation).
        auth_hint: what to do on 401/403 ("set PANTAU_X_BEARER_TOKEN").
        describe_error: turns an error body into the API's own message.
        reset_header: header holding the epoch second the rate-limit window resets.
        sleep, clock, rng: injectable for tests (no real waiting).
    """

    def __init__(self, *, service: str, base_url: str, settings: Settings,
                 headers: Mapping[str, str] | None = None, auth_hint: str = "",
                 describe_error: Callable[[Any, bytes], str] | None = None,
                 reset_header: str | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time,
                 rng: Callable[[], float] = random.random) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        self.auth_hint = auth_hint
        self.describe_error = describe_error or _default_error_detail
        self.reset_header = reset_header
        self.sleep = sleep
        self.clock = clock
        self.rng = rng
        self.requests: list[str] = []  # URLs asked, for logs and tests

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        base = path if path.startswith(("http://", "https://")) else self.base_url + path
        query = {k: v for k, v in (params or {}).items() if v is not None}
        if not query:
            return base
        return base + ("&" if "?" in base else "?") + urllib.parse.urlencode(query, doseq=True)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.settings.http_backoff_max_s, self.settings.http_backoff_s * 2 ** attempt)
        return ceiling * (0.5 + self.rng() / 2)  # "equal jitter": never zero, never above ceiling

    def _rate_limit_wait(self, headers: Mapping[str, str], attempt: int) -> float:
        if self.reset_header and headers.get(self.reset_header, "").strip().isdigit():
            return max(0.0, int(headers[self.reset_header]) - self.clock()) + 1.0
        retry_after = headers.get("retry-after", "").strip()
        if retry_after.isdigit():
            return float(retry_after)
        if retry_after:
            when = email.utils.parsedate_to_datetime(retry_after)
            if when is not None:
                return max(0.0, when.timestamp() - self.clock())
        return self._backoff(attempt)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> HttpResponse:
        """GET a JSON document, retrying what is worth retrying.

        Raises:
            ApiAuthError: 401 or 403 (terminal, with :attr:`auth_hint`).
            ApiError: another 4xx (terminal, with the API's message).
            RateLimitedError: 429 whose window ends after ``rate_limit_max_wait_s``.
            ApiUnavailableError: timeouts, connection errors, 5xx or malformed JSON that outlast
                ``http_retries`` retries.
        """
        url = self.url(path, params)
        attempts = self.settings.http_retries + 1
        last = ""
        for attempt in range(attempts):
            self.requests.append(url)
            request = urllib.request.Request(url, headers=self.headers, method="GET")
            wait: float | None = None
            try:
                with urllib.request.urlopen(request, timeout=self.settings.http_timeout_s) as answer:
                    status = answer.status
                    headers = {k.lower(): v for k, v in answer.headers.items()}
                    body = answer.read()
            except urllib.error.HTTPError as error:
                status = error.code
                headers = {k.lower(): v for k, v in (error.headers or {}).items()}
                try:
                    body = error.read()
                except (OSError, TimeoutError):
                    body = b""
            except TimeoutError:
                status, headers, body = 0, {}, b""
                last = f"no answer within {self.settings.http_timeout_s:g}s"
            except urllib.error.URLError as error:
                status, headers, body = 0, {}, b""
                reason = error.reason
                last = (f"no answer within {self.settings.http_timeout_s:g}s"
                        if isinstance(reason, TimeoutError)
                        else f"cannot connect to {self.base_url}: {reason}")
            except (ConnectionError, OSError) as error:
                status, headers, body = 0, {}, b""
                last = f"connection failed: {error}"

            if status == 0:
                pass  # network-level failure, ``last`` says which
            elif 200 <= status < 300:
                try:
                    data = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as error:
                    last = f"malformed JSON in a {status} answer ({error}): {body[:60]!r}"
                else:
                    return HttpResponse(status, headers, body, url, data)
            elif status == 429:
                wait = self._rate_limit_wait(headers, attempt)
                if wait > self.settings.rate_limit_max_wait_s:
                    raise RateLimitedError(self.service, wait, self.settings.rate_limit_max_wait_s)
                last = f"429 Too Many Requests (waiting {wait:.0f}s for the window to reset)"
            elif status >= 500:
                last = f"{status} {self._detail(body)}".strip()
            else:
                detail = self._detail(body)
                transient = self.classify(status, body)
                if transient is not None:
                    last = transient
                elif status in (401, 403):
                    raise ApiAuthError(self.service, status, detail, self.auth_hint)
                else:
                    raise ApiError(self.service, status, detail)
            if attempt + 1 >= attempts:
                break
            delay = wait if wait is not None else self._backoff(attempt)
            log.warning("%s: %s; retry %d/%d in %.1fs", self.service, last, attempt + 1,
                        attempts - 1, delay)
            self.sleep(delay)
        raise ApiUnavailableError(self.service, attempts, last)

    def classify(self, status: int, body: bytes) -> str | None:
        """A 4xx that is really temporary (YouTube's quota 403s): its message, else ``None``."""
        return None

    def _detail(self, body: bytes) -> str:
        try:
            data = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = None
        return self.describe_error(data, body)[:300]


def _default_error_detail(data: Any, body: bytes) -> str:
    if isinstance(data, dict):
        for key in ("detail", "error_description", "error", "title", "message"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"]
    return body[:200].decode("utf-8", errors="replace").strip()


# cursors ---------------------------------------------------------------------------------------
def cursor_name(connector: str, target: str) -> str:
    """A file-system-safe, stable cursor file name for one connector target."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", target).strip("_")[:60] or "target"
    digest = hashlib.sha256(target.encode("utf-8")).hexdigest()[:10]
    return f"{connector}-{slug}-{digest}.json"


class CursorStore:
    """One JSON cursor file, written atomically (temp file in the same directory, fsync, rename),
    so a crash leaves either the old cursor or the new one, never half of one."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Any]:
        """The saved state, or ``{}`` on the first run.

        Raises:
            TerminalError: the file exists but is not a JSON object (names the file and the fix).
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            state = json.loads(text)
        except json.JSONDecodeError:
            state = None
        if not isinstance(state, dict):
            raise TerminalError(f"The cursor file {self.path} is not a JSON object — delete it to "
                                "start over from the newest items (older ones will be skipped).")
        return state

    def save(self, state: Mapping[str, Any]) -> None:
        """Replace the cursor with ``state`` atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({**state, "saved_at": datetime.now(UTC).isoformat()}, indent=2,
                             sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


# sinks -----------------------------------------------------------------------------------------
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


# the page loop ---------------------------------------------------------------------------------
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
        return report
