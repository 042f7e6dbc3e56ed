"""How Pantau reaches the serving PostgreSQL: the writer's URL, the reader's login, the passwords.

Publish logs in as the writer role (``PANTAU_PG_URL``, or the local cluster of ``pantau stack
up`` at ``PANTAU_PG_HOST:PANTAU_PG_PORT``); BI tools as the reader role. Passwords a user leaves
empty are made once and kept under ``PANTAU_PG_DIR`` (:func:`pantau.keys.kept_secret`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, urlsplit

from pantau.exceptions import PostgresUnavailableError
from pantau.keys import kept_secret
from pantau.settings import Settings

__all__ = ["PostgresUnavailableError", "client_host", "reader_conninfo", "reader_count",
           "reader_passfile", "reader_password", "where", "writer_password", "writer_url"]


def writer_password(settings: Settings) -> str:
    return kept_secret(settings.pg_dir / "writer.password", settings.pg_writer_password)


def reader_password(settings: Settings) -> str:
    return kept_secret(settings.pg_dir / "reader.password", settings.pg_reader_password)


def writer_url(settings: Settings) -> str:
    """The URL publish connects with: PANTAU_PG_URL, or the local cluster's writer role."""
    if settings.pg_url:
        return settings.pg_url
    return _url(settings, settings.pg_writer, writer_password(settings))


def _url(settings: Settings, role: str, password: str) -> str:
    """A URL for ``role`` on the server and database publish writes into (PANTAU_PG_URL's, or
    the local cluster's)."""
    if settings.pg_url:
        parts = urlsplit(settings.pg_url)
        host, port = parts.hostname or "localhost", parts.port or 5432
        database = parts.path.lstrip("/") or settings.pg_database
    else:
        host, port, database = client_host(settings.pg_host), settings.pg_port, settings.pg_database
    shown = f"[{host}]" if ":" in host else host
    return (f"postgresql://{quote(role, safe='')}:{quote(password, safe='')}@{shown}:{port}/"
            f"{quote(database, safe='')}")


def client_host(listen: str) -> str:
    """Where a local client reaches a server that listens on ``listen``."""
    if listen in ("0.0.0.0", "*", ""):
        return "127.0.0.1"
    if listen == "::":
        return "::1"
    return listen


def where(settings: Settings) -> str:
    """The server publish writes into, without its password (for messages)."""
    if settings.pg_url:
        parts = urlsplit(settings.pg_url)
        return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path} (PANTAU_PG_URL)"
    return (f"{client_host(settings.pg_host)}:{settings.pg_port}/{settings.pg_database} "
            "(PANTAU_PG_HOST, PANTAU_PG_PORT)")


def reader_passfile(settings: Settings) -> Path:
    """A libpq password file for the reader role of the local cluster (owner-only)."""
    path = settings.pg_dir / "reader.pgpass"
    host = client_host(settings.pg_host)
    # any database of this server: the one file serves every database with the reader's grants
    line = f"{host}:{settings.pg_port}:*:{settings.pg_reader}:{reader_password(settings)}\n"
    if not path.exists() or path.read_text() != line:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(line)
    return path


def reader_conninfo(settings: Settings, *, passfile: bool = True) -> str:
    """The libpq connection string a BI user of the local cluster types (no password in it)."""
    info = (f"host={client_host(settings.pg_host)} port={settings.pg_port} "
            f"dbname={settings.pg_database} user={settings.pg_reader}")
    if settings.pg_ssl_cert_file:
        info += " sslmode=require"
    if passfile:
        info += f" passfile={reader_passfile(settings)}"
    return info


def reader_count(settings: Settings, table: str) -> int:
    """Rows of ``table`` (a name from Pantau's own code, never a user's) as the reader role sees
    them: the demo's check of the second target."""
    import adbc_driver_postgresql.dbapi as adbc_pg

    url = _url(settings, settings.pg_reader, reader_password(settings))
    with adbc_pg.connect(url) as con, con.cursor() as cur:
        cur.execute(f"select count(*) from {table}")
        row = cur.fetchone()
    return int(row[0]) if row else 0
