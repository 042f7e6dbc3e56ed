"""The connectors' JSON-over-HTTPS client: ``httpx`` for the requests, ``tenacity`` for the retries.

One :class:`httpx.Client` serves a whole connector run (:meth:`HttpClient.session`); a request
made outside a session gets a client of its own. Retried: timeouts, connection errors, 5xx, 429
and malformed JSON, at most ``PANTAU_HTTP_RETRIES`` times, with exponential backoff and jitter;
a 429 waits for ``Retry-After`` (seconds or an HTTP date) or a service's reset header (X's
``x-rate-limit-reset``) when that is within ``PANTAU_RATE_LIMIT_MAX_WAIT_S``, else the run stops
with :class:`RateLimitedError`. Other 4xx are terminal. Secrets never reach a message or a log:
the bearer token travels in a header, and secret query parameters (YouTube's ``key``) are
redacted from every URL shown.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential, wait_random_exponential

from pantau import __version__
from pantau.settings import Settings
from producers.connectors.errors import (
    AnswerTooLargeError,
    ApiAuthError,
    ApiError,
    ApiUnavailableError,
    RateLimitedError,
)

log = logging.getLogger(__name__)

USER_AGENT = f"pantau-connector/{__version__}"
#: Query parameters whose values are secrets (YouTube's API key): shown as ``***``.
SECRET_PARAMS = ("key", "api_key", "access_token")
_SECRET_QUERY = re.compile(r"([?&](?:" + "|".join(SECRET_PARAMS) + r")=)[^&#\s\"']*", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the values of secret query parameters replaced by ``***``."""
    return _SECRET_QUERY.sub(r"\1***", text)


class _RedactSecrets(logging.Filter):
    """httpx logs every request's URL at INFO; the URL may carry an API key."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


if not any(isinstance(f, _RedactSecrets) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(_RedactSecrets())


@dataclass
class HttpResponse:
    """One HTTP answer: status, headers (lower-case names), body and the decoded JSON.

    ``url`` is the URL asked, with secret query parameters redacted.
    """

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


class _Retry(Exception):
    """One attempt failed in a way worth retrying; ``wait_s`` is the wait a 429 asked for."""

    def __init__(self, detail: str, wait_s: float | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.wait_s = wait_s


class _wait_as_asked(wait_base):
    """The wait a rate limit asked for, else ``fallback`` (exponential backoff with jitter)."""

    def __init__(self, fallback: wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(error, _Retry) and error.wait_s is not None:
            return error.wait_s
        return self.fallback(retry_state)


def backoff(settings: Settings) -> wait_base:
    """Exponential backoff with "equal jitter": ``PANTAU_HTTP_BACKOFF_S`` doubling per retry up to
    ``PANTAU_HTTP_BACKOFF_MAX_S``, each wait between half and all of that (never zero)."""
    half, half_max = settings.http_backoff_s / 2, settings.http_backoff_max_s / 2
    return (wait_exponential(multiplier=half, max=half_max)
            + wait_random_exponential(multiplier=half, max=half_max))


class HttpClient:
    """A small JSON-over-HTTPS client: timeouts, bounded retries with exponential backoff and
    jitter on timeouts/5xx/bad JSON, and rate limits honoured (``Retry-After``, or a
    service-specific reset header such as X's ``x-rate-limit-reset``).

    Args:
        service: name used in every message ("X API").
        base_url: prefix of relative paths.
        settings: timeouts, retries, backoff.
        headers: sent with every request (authorisation).
        auth_hint: what to do on 401/403 ("set PANTAU_X_BEARER_TOKEN").
        describe_error: turns an error body into the API's own message.
        reset_header: header holding the epoch second the rate-limit window resets.
        sleep, clock: injectable for tests (no real waiting): ``sleep`` is what tenacity waits
            with, ``clock`` the epoch seconds rate-limit resets are measured from.
    """

    def __init__(self, *, service: str, base_url: str, settings: Settings,
                 headers: Mapping[str, str] | None = None, auth_hint: str = "",
                 describe_error: Callable[[Any, bytes], str] | None = None,
                 reset_header: str | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        self.auth_hint = auth_hint
        self.describe_error = describe_error or _default_error_detail
        self.reset_header = reset_header
        self.sleep = sleep
        self.clock = clock
        self.requests: list[str] = []  # URLs asked (secrets redacted), for logs and tests
        self._session: httpx.Client | None = None

    # the httpx client ---------------------------------------------------------------------------
    def _new_client(self) -> httpx.Client:
        return httpx.Client(headers=self.headers, timeout=httpx.Timeout(self.settings.http_timeout_s),
                            follow_redirects=True)

    @contextlib.contextmanager
    def session(self) -> Iterator[HttpClient]:
        """One :class:`httpx.Client` (connection pool) for every request inside the block."""
        if self._session is not None:  # nested: the outer session serves
            yield self
            return
        with self._new_client() as client:
            self._session = client
            try:
                yield self
            finally:
                self._session = None

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        base = path if path.startswith(("http://", "https://")) else self.base_url + path
        query = {k: v for k, v in (params or {}).items() if v is not None}
        if not query:
            return base
        return base + ("&" if "?" in base else "?") + urllib.parse.urlencode(query, doseq=True)

    # waits --------------------------------------------------------------------------------------
    def rate_limit_wait(self, headers: Mapping[str, str]) -> float | None:
        """Seconds until the rate-limit window resets, from the reset header (epoch seconds, plus
        one for clock skew) or ``Retry-After`` (seconds or an HTTP date); ``None`` if neither."""
        reset = headers.get(self.reset_header, "").strip() if self.reset_header else ""
        if reset.isdigit():
            return max(0.0, int(reset) - self.clock()) + 1.0
        retry_after = headers.get("retry-after", "").strip()
        if retry_after.isdigit():
            return float(retry_after)
        if retry_after:
            try:
                when = email.utils.parsedate_to_datetime(retry_after)
            except (TypeError, ValueError, IndexError):
                return None
            return max(0.0, when.timestamp() - self.clock())
        return None

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        log.warning("%s: %s; retry %d/%d in %.1fs", self.service,
                    getattr(error, "detail", error), state.attempt_number,
                    self.settings.http_retries, delay)

    # requests -----------------------------------------------------------------------------------
    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> HttpResponse:
        """GET a JSON document, retrying what is worth retrying.

        Raises:
            ApiAuthError: 401 or 403 (terminal, with :attr:`auth_hint`).
            ApiError: another 4xx (terminal, with the API's message).
            RateLimitedError: 429 whose window ends after ``rate_limit_max_wait_s``.
            ApiUnavailableError: timeouts, connection errors, 5xx, 429 or malformed JSON that
                outlast ``http_retries`` retries.
        """
        return self._get(path, params, parse_json=True)

    def get_bytes(self, path: str, params: Mapping[str, Any] | None = None, *,
                  max_bytes: int | None = None) -> HttpResponse:
        """GET a document as bytes (a feed), with the retries of :meth:`get_json` but no JSON
        decoding: ``body`` and ``headers`` are the answer's, ``data`` is None.

        Raises:
            ApiError: the body is longer than ``max_bytes`` (read no further than that).
        """
        return self._get(path, params, parse_json=False, max_bytes=max_bytes)

    def _get(self, path: str, params: Mapping[str, Any] | None, *, parse_json: bool,
             max_bytes: int | None = None) -> HttpResponse:
        url = self.url(path, params)
        attempts = self.settings.http_retries + 1
        retrying = Retrying(stop=stop_after_attempt(attempts),
                            wait=_wait_as_asked(backoff(self.settings)),
                            retry=retry_if_exception_type(_Retry), sleep=self.sleep,
                            before_sleep=self._log_retry, reraise=True)
        with self.session():
            try:
                return retrying(self._attempt, url, parse_json, max_bytes)
            except _Retry as failure:
                raise ApiUnavailableError(self.service, attempts, redact(failure.detail)) from None

    def _attempt(self, url: str, parse_json: bool = True,
                 max_bytes: int | None = None) -> HttpResponse:
        assert self._session is not None
        shown = redact(url)
        self.requests.append(shown)
        timeout = self.settings.http_timeout_s
        try:
            status, raw_headers, body, reason = self._read(url, max_bytes)
        except httpx.TimeoutException:
            raise _Retry(f"no answer within {timeout:g}s") from None
        except httpx.ConnectError as error:
            raise _Retry(f"cannot connect to {self.base_url}: {redact(str(error))}") from None
        except httpx.TransportError as error:
            raise _Retry(f"connection failed: {type(error).__name__}: {redact(str(error))}") from None
        headers = {k.lower(): v for k, v in raw_headers.items()}
        if 200 <= status < 300 and not parse_json:
            return HttpResponse(status, headers, body, shown)
        if 200 <= status < 300:
            try:
                data = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise _Retry(f"malformed JSON in a {status} answer ({error}): {body[:60]!r}") from None
            return HttpResponse(status, headers, body, shown, data)
        if status == 429:
            wait = self.rate_limit_wait(headers)
            if wait is not None and wait > self.settings.rate_limit_max_wait_s:
                raise RateLimitedError(self.service, wait, self.settings.rate_limit_max_wait_s)
            raise _Retry("429 Too Many Requests" + (
                f" (waiting {wait:.0f}s for the window to reset)" if wait is not None else ""), wait)
        if status >= 500:
            raise _Retry(f"{status} {self._detail(body)}".strip())
        detail = self._detail(body)
        transient = self.classify(status, body)
        if transient is not None:
            raise _Retry(transient)
        if status in (401, 403):
            raise ApiAuthError(self.service, status, detail, self.auth_hint)
        raise ApiError(self.service, status, detail or reason)

    def _read(self, url: str, max_bytes: int | None
              ) -> tuple[int, httpx.Headers, bytes, str]:
        """(status, headers, body, reason) of the answer: the body read whole, or read up to
        ``max_bytes`` and then refused."""
        assert self._session is not None
        if max_bytes is None:
            answer = self._session.get(url)
            return answer.status_code, answer.headers, answer.content, answer.reason_phrase
        with self._session.stream("GET", url) as answer:
            body = bytearray()
            for chunk in answer.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise AnswerTooLargeError(self.service, max_bytes)
            return answer.status_code, answer.headers, bytes(body), answer.reason_phrase

    def classify(self, status: int, body: bytes) -> str | None:
        """A 4xx that is really temporary and worth retrying: its message, else ``None``.
        Subclasses may also raise a more precise error here (YouTube's quota 403)."""
        return None

    def _detail(self, body: bytes) -> str:
        try:
            data = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = None
        return redact(self.describe_error(data, body)[:300])


def _default_error_detail(data: Any, body: bytes) -> str:
    if isinstance(data, dict):
        for key in ("detail", "error_description", "error", "title", "message"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"]
    return body[:200].decode("utf-8", errors="replace").strip()
