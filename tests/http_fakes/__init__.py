"""Local fake API servers for connector tests: scripted answers, recorded requests."""

from http_fakes.server import FakeApi, Reply
from http_fakes.sink import FakeSink

__all__ = ["FakeApi", "FakeSink", "Reply"]
