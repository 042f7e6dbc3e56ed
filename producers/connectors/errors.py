"""The errors a connector raises: terminal ones (a person must fix something) and temporary ones
(run again later; the cursor was kept)."""

from __future__ import annotations

from pantau.exceptions import TerminalError, TransientError


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


class QuotaExceededError(ApiUnavailableError):
    """YouTube's daily quota is spent (403 ``quotaExceeded``): retrying before it resets (midnight
    Pacific time) only spends requests, so the run stops at once, cursor kept."""

    def __init__(self, service: str, detail: str) -> None:
        self.service = service
        self.attempts = 1
        self.detail = detail
        TransientError.__init__(self, f"{service} quota is exhausted ({detail}) — not retried: the "
                                "daily quota resets at midnight Pacific time; run again then "
                                "(the cursor was kept, so the next run resumes where this one "
                                "stopped).")


class AnswerTooLargeError(TerminalError):
    """An answer longer than the client reads (a news feed over PANTAU_NEWS_MAX_FEED_BYTES)."""

    def __init__(self, service: str, max_bytes: int) -> None:
        self.service = service
        self.max_bytes = max_bytes
        super().__init__(f"{service} answered with more than {max_bytes:,} bytes, so it was not "
                         "read further — raise PANTAU_NEWS_MAX_FEED_BYTES if this feed is really "
                         "that large")
