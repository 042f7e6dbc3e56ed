"""A scripted HTTP server on 127.0.0.1 (a free port) that speaks like a real API.

Each path gets a queue of :class:`Reply` objects, answered in order; every request (GET or
POST) is recorded with its query parameters, headers and body, so a test can assert what the
client asked for. Nothing here sleeps for synchronisation: ``delay_s`` only makes one answer
slower than the client's timeout; :meth:`FakeApi.wait_for` waits on a condition until N requests
arrived, and a reply with ``hold`` is answered only once the test sets that event (a request in
flight, e.g. to kill the client mid-request).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: a JSON-able body (or raw bytes), a status, headers, a delay."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    hold: threading.Event | None = None


@dataclass
class Seen:
    """One request the server received."""

    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    received_at: float = 0.0  # the server's clock (time.monotonic) on arrival

    def json(self) -> Any:
        return json.loads(self.body)


class FakeApi:
    """The server. Use as a context manager; :attr:`url` is its base URL."""

    def __init__(self) -> None:
        self.routes: dict[str, deque[Reply]] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                split = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with api._lock:
                    api.requests.append(Seen(split.path, params, dict(self.headers.items()), body,
                                             time.monotonic()))
                    queue = api.routes.get(split.path)
                    reply = queue.popleft() if queue else Reply(
                        {"error": f"no scripted reply for {split.path}"}, status=599)
                    api._arrived.notify_all()
                if reply.hold is not None:
                    reply.hold.wait(timeout=60)
                if reply.delay_s:
                    time.sleep(reply.delay_s)  # an API slower than the client's timeout
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(
                    reply.body).encode()
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): that is the point of a slow reply

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, path: str, *replies: Reply) -> None:
        """Queue answers for ``path`` (appended after those already queued)."""
        with self._lock:
            self.routes.setdefault(path, deque()).extend(replies)

    def received(self, path: str) -> list[Seen]:
        """Every request to ``path``, in order of arrival."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, count: int, path: str | None = None, timeout: float = 30) -> bool:
        """Wait until ``count`` requests (to ``path``, or in all) arrived; False on timeout."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(
                [r for r in self.requests if path is None or r.path == path]) >= count, timeout)

    def params(self, path: str) -> list[dict[str, str]]:
        """Query parameters of every request to ``path``, in order."""
        return [r.params for r in self.requests if r.path == path]

    def __enter__(self) -> FakeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
