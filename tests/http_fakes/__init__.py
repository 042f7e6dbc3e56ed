"""Local fake API servers for connector tests: scripted answers, recorded requests."""

from http_fakes.server import FakeApi, Reply

__all__ = ["FakeApi", "Reply"]
