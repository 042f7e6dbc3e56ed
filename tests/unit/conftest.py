"""Fixtures of the unit tests that talk to a local fake API (the connectors')."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from http_fakes import FakeApi


@pytest.fixture
def api() -> Iterator[FakeApi]:
    """A scripted local HTTP server speaking a third-party API's shapes."""
    with FakeApi() as server:
        yield server
