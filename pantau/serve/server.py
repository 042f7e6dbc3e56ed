"""`pantau serve`: the dashboard on uvicorn, in the foreground until Ctrl-C or SIGTERM.

:func:`serve` is the command; :func:`start_in_thread` runs an app on a port of its own in a
background thread (for the tests and ``bench/serving.py``) and :class:`RunningServer` stops it.
The socket is bound here, before uvicorn starts, so a taken port is a clear error and port 0 is
known before the first request.
"""

from __future__ import annotations

import errno
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from pantau.exceptions import TerminalError
from pantau.ingest.corrections import Correction, Recorded, record
from pantau.keys import is_loopback
from pantau.serve.auth import login_users, session_key
from pantau.serve.dashboard import create_app
from pantau.serve.snapshot import require_snapshot, sqlalchemy_url
from pantau.settings import Settings

#: The Host headers an open (loopback, no login) dashboard answers: a page on another site that
#: rebinds its name to 127.0.0.1 sends its own name and is refused.
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


class PortInUseError(TerminalError):
    """The configured port is taken."""

    def __init__(self, host: str, port: int, variable: str = "PANTAU_SERVE_PORT") -> None:
        self.host = host
        self.port = port
        super().__init__(f"cannot listen on {host}:{port}: the port is in use — stop the program "
                         f"that holds it or choose another port with {variable}.")


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: a free port) for uvicorn.

    Raises:
        PortInUseError: the port is taken.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUseError(host, port) from None
        raise
    return sock


def _config(app: ASGIApp) -> uvicorn.Config:
    # log_config=None: uvicorn's loggers follow Pantau's logging setup instead of printing their own
    return uvicorn.Config(app, log_config=None, log_level="warning", access_log=False,
                          server_header=False, timeout_graceful_shutdown=5, lifespan="on")


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


@dataclass
class RunningServer:
    """An app served by uvicorn in a background thread; :meth:`stop` ends it."""

    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        return url_of(self.host, self.port)

    def stop(self, timeout: float = 30) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_in_thread(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0,
                    timeout: float = 30) -> RunningServer:
    """Serve ``app`` in a daemon thread; returns once uvicorn accepts connections.

    Raises:
        PortInUseError: the port is taken.
        RuntimeError: uvicorn did not start within ``timeout`` seconds.
    """
    sock = bind(host, port)
    server = uvicorn.Server(_config(app))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="pantau-dashboard")
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:  # uvicorn sets it once its lifespan and listener are up
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the dashboard's uvicorn server did not start")
        time.sleep(0.01)
    return RunningServer(server, thread, host, int(sock.getsockname()[1]))


def label_recorder(settings: Settings) -> Callable[[Correction, str], Recorded]:
    """Records a dashboard user's correction in the working warehouse (source ``dashboard``)."""

    def record_label(correction: Correction, user: str) -> Recorded:
        return record(settings, [correction], by=user, source="dashboard")

    return record_label


def serve(settings: Settings, *, say: Callable[[str], None]) -> int:
    """Serve the dashboard in the foreground, print where, block until a signal; returns 0.

    Raises:
        SnapshotMissingError: no snapshot yet.
        LoginRequiredError: the host is not loopback and the users file has no users.
        UsersFileError: the users file has a malformed line.
        PortInUseError: the port is taken.
    """
    require_snapshot(settings.published_path)
    host = settings.serve_host
    users = login_users(host, settings.serve_users_file)
    key = session_key(settings.serve_session_key, settings.state_dir) if users else None
    app = create_app(settings.published_path, users=users, session_key=key,
                     trusted_hosts=None if users else LOOPBACK_HOSTS,
                     record_label=label_recorder(settings),
                     notify_ledger=settings.notify_ledger_path)
    sock = bind(host, settings.serve_port)
    port = int(sock.getsockname()[1])
    say(f"Dashboard on {url_of(host, port)}")
    if users:
        say(f"Login on: {len(users)} user(s) in {settings.serve_users_file} "
            "(add one with `pantau serve --add-user NAME`).")
    else:
        say(f"No login: {settings.serve_users_file} has no users, so the dashboard is open to "
            f"every program on this machine ({host} only). Add a user with "
            "`pantau serve --add-user NAME` to require a login.")
    say(f"Serving {settings.published_path} read-only; SQLAlchemy URL: "
        f"{sqlalchemy_url(settings.published_path)} — Ctrl-C stops.")
    if not is_loopback(host):
        say("The dashboard speaks plain HTTP: beyond this machine, put it behind a TLS proxy.")

    # uvicorn takes SIGINT and SIGTERM while it runs, and raises them again afterwards on the
    # handlers it found: these, so a signal ends the command normally instead of killing it.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: None)
    uvicorn.Server(_config(app)).run(sockets=[sock])
    say("Stopped.")
    return 0
