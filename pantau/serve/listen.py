"""What the dashboard and the Postgres endpoint share: a bound socket server over a snapshot."""

from __future__ import annotations

import errno
import socketserver
from pathlib import Path
from typing import Any

from pantau.exceptions import TerminalError
from pantau.serve.snapshot import SnapshotReader


class PortInUseError(TerminalError):
    """The configured port is taken."""

    def __init__(self, host: str, port: int, variable: str) -> None:
        self.host = host
        self.port = port
        super().__init__(f"cannot listen on {host}:{port}: the port is in use — stop the program "
                         f"that holds it or choose another port with {variable}.")


class SnapshotServerMixin:
    """Binds a ``socketserver`` server and gives it a locked-down :class:`SnapshotReader`.

    Mix in before the ``socketserver`` class; the reader is closed with the server.
    """

    daemon_threads = True
    allow_reuse_address = True
    reader: SnapshotReader

    def bind_snapshot_server(self, snapshot: Path, host: str, port: int, handler: Any,
                             port_variable: str) -> None:
        self.reader = SnapshotReader(snapshot, lock_down=True)
        try:
            socketserver.TCPServer.__init__(self, (host, port), handler)  # type: ignore[arg-type]
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(host, port, port_variable) from None
            raise

    @property
    def port(self) -> int:
        return int(self.server_address[1])  # type: ignore[attr-defined]

    def server_close(self) -> None:
        super().server_close()  # type: ignore[misc]
        self.reader.close()
