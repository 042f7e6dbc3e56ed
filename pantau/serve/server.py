"""`pantau serve`: run the dashboard and/or the Postgres endpoint until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

from pantau.serve.snapshot import require_snapshot, sqlalchemy_url
from pantau.settings import Settings


def serve(settings: Settings, *, pg: bool, dashboard: bool, say: Callable[[str], None]) -> int:
    """Start what was asked for, print where it listens, block until a signal; returns 0."""
    require_snapshot(settings.published_path)
    servers = []
    if pg:
        from pantau.serve.pgwire import make_server

        pg_server = make_server(snapshot=settings.published_path, host=settings.pg_host,
                                port=settings.pg_port, user=settings.pg_user,
                                password=settings.pg_password)
        servers.append(pg_server)
        say(f"Postgres endpoint on {settings.pg_host}:{pg_server.port} (read-only, user "
            f"{settings.pg_user}): psql \"host={settings.pg_host} port={pg_server.port} "
            f"user={settings.pg_user} dbname=pantau\"")
    if dashboard:
        from pantau.serve.dashboard import make_server as make_dashboard

        web = make_dashboard(snapshot=settings.published_path, host=settings.serve_host,
                             port=settings.serve_port)
        servers.append(web)
        say(f"Dashboard on http://{settings.serve_host}:{web.server_address[1]}/")
    say(f"Serving {settings.published_path} read-only; SQLAlchemy URL: "
        f"{sqlalchemy_url(settings.published_path)} — Ctrl-C stops.")
    stop = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    stop.wait()
    for server in servers:
        server.shutdown()
        server.server_close()
    say("Stopped.")
    return 0
