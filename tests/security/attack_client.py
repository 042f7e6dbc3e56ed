"""A plain HTTP client for the attack tests: sends the request target byte for byte (no path
normalisation, unlike httpx or a browser), over a new connection each time."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

#: The user of the ``login_dashboard`` fixture, and the key that signs its session cookies.
USER, PASSWORD = "alice", "kata-sandi-alice"
SESSION_KEY = "attack-tests-" + "s" * 40


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        assert self.headers.get("Content-Type", "").startswith("application/json"), self.headers
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def cookie(self, name: str) -> str | None:
        """The value the reply sets for cookie ``name`` (None: not set)."""
        for header in self.headers.get_all("Set-Cookie") or []:
            key, _, rest = header.partition("=")
            if key.strip() == name:
                return rest.split(";", 1)[0]
        return None


def request(port: int, method: str, target: str, *, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> Reply:
    """``method target`` to 127.0.0.1:``port`` exactly as written."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def get(port: int, target: str, *, cookie: str | None = None) -> Reply:
    return request(port, "GET", target,
                   headers={"Cookie": f"pantau_session={cookie}"} if cookie else None)


def post_login(port: int, username: str, password: str) -> Reply:
    return request(port, "POST", "/login", body=urlencode(
        {"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
