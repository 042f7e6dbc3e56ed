"""Live connectors to public APIs: X API v2 recent search, YouTube comment threads, Mastodon
hashtag timelines. Each reads pages from a persisted cursor, maps items to contract events
(:mod:`producers.connectors.mapping`), and advances the cursor only after Kafka acknowledged them.
"""

from producers.connectors.cursors import CursorStore
from producers.connectors.errors import (
    ApiAuthError,
    ApiError,
    ApiUnavailableError,
    QuotaExceededError,
    RateLimitedError,
)
from producers.connectors.http import HttpClient
from producers.connectors.mapping import UnmappableError, build_event, event_id_for
from producers.connectors.pages import Connector, ConnectorReport, PublisherSink

__all__ = [
    "ApiAuthError",
    "ApiError",
    "ApiUnavailableError",
    "Connector",
    "ConnectorReport",
    "CursorStore",
    "HttpClient",
    "PublisherSink",
    "QuotaExceededError",
    "RateLimitedError",
    "UnmappableError",
    "build_event",
    "event_id_for",
]
