"""What every live connector shares, re-exported from the modules that hold it.

:mod:`~producers.connectors.errors` (the API errors), :mod:`~producers.connectors.http` (the
retrying JSON client), :mod:`~producers.connectors.cursors` (atomic cursor files) and
:mod:`~producers.connectors.pages` (sinks and the page loop that writes a cursor only after Kafka
acknowledged the page). Import from those; this module keeps older imports working.
"""

from producers.connectors.cursors import CursorStore, cursor_name
from producers.connectors.errors import (
    ApiAuthError,
    ApiError,
    ApiUnavailableError,
    QuotaExceededError,
    RateLimitedError,
)
from producers.connectors.http import USER_AGENT, HttpClient, HttpResponse, parse_link_header
from producers.connectors.pages import Connector, ConnectorReport, Page, PublisherSink, Sink

__all__ = [
    "USER_AGENT",
    "ApiAuthError",
    "ApiError",
    "ApiUnavailableError",
    "Connector",
    "ConnectorReport",
    "CursorStore",
    "HttpClient",
    "HttpResponse",
    "Page",
    "PublisherSink",
    "QuotaExceededError",
    "RateLimitedError",
    "Sink",
    "cursor_name",
    "parse_link_header",
]
