"""`pantau serve --pg`: the published snapshot behind the Postgres wire protocol, read-only.

BI tools (Metabase, Superset, Tableau, Power BI) and psql speak Postgres; this server speaks
enough of protocol 3.0 for them: the startup handshake (SSL and GSSAPI requests are declined, so
clients continue in plain text), MD5 password authentication, the simple query protocol and the
extended one (Parse, Bind, Describe, Execute, Close, Sync, Flush), text results and text or
binary parameters. Queries run in DuckDB, whose ``pg_catalog`` and ``information_schema`` answer
most catalogue queries; the few Postgres-only forms clients send on connect (``version()``,
``SHOW``, ``current_setting``, ``OPERATOR(pg_catalog.~)``, ``::regclass``...) are rewritten or
answered here (:mod:`pantau.serve.pgcompat`).

Every client connection gets its own DuckDB connection on the snapshot, opened read-only in a
locked-down instance (no file access, no ATTACH, no extension installs), so no client can reach
the working warehouse or another file. A republished snapshot (a new file renamed over the path)
is picked up by the next client connection, and by an open session at its next statement outside
a transaction block. Anything but reading is refused with SQLSTATE 25006.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pantau.exceptions import ConfigurationError
from pantau.serve import pgcompat
from pantau.serve.listen import SnapshotServerMixin
from pantau.serve.pgcompat import PgError
from pantau.serve.snapshot import Lease, SnapshotMissingError, SnapshotReader, require_snapshot

log = logging.getLogger(__name__)

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
PROTOCOL_3 = 196608
FETCH_BATCH = 2048


# ---------------------------------------------------------------------------------------------
# Wire helpers


def _fatal(sqlstate: str, message: str, *, hint: str = "") -> PgError:
    error = PgError(sqlstate, message, hint=hint)
    error.fatal = True
    return error


def _message(kind: bytes, payload: bytes = b"") -> bytes:
    return kind + struct.pack("!i", len(payload) + 4) + payload


def _cstr(text: str) -> bytes:
    return text.encode() + b"\0"


def _error(kind: bytes, error: PgError) -> bytes:
    severity = "FATAL" if error.fatal else "ERROR"
    fields = [b"S" + _cstr(severity), b"V" + _cstr(severity), b"C" + _cstr(error.sqlstate),
              b"M" + _cstr(error.message)]
    if error.hint:
        fields.append(b"H" + _cstr(error.hint))
    return _message(kind, b"".join(fields) + b"\0")


def _row_description(columns: Sequence[pgcompat.Column]) -> bytes:
    payload = struct.pack("!h", len(columns))
    for column in columns:
        payload += _cstr(column.name) + struct.pack("!ihihih", 0, 0, column.type_oid,
                                                    column.type_size, -1, 0)
    return _message(b"T", payload)


def _data_row(values: Sequence[bytes | None]) -> bytes:
    parts = [struct.pack("!h", len(values))]
    for value in values:
        if value is None:
            parts.append(b"\xff\xff\xff\xff")
        else:
            parts.append(struct.pack("!i", len(value)))
            parts.append(value)
    return _message(b"D", b"".join(parts))


class _Reader:
    def __init__(self, sock: socket.socket) -> None:
        self.file = sock.makefile("rb")

    def exact(self, n: int) -> bytes:
        data = self.file.read(n)
        if data is None or len(data) < n:
            raise ConnectionResetError("client went away")
        return data

    def message(self) -> tuple[bytes, bytes]:
        kind = self.exact(1)
        (length,) = struct.unpack("!i", self.exact(4))
        return kind, self.exact(length - 4)


def _split_cstrings(data: bytes) -> list[str]:
    return [part.decode() for part in data.split(b"\0")]


# ---------------------------------------------------------------------------------------------
# Sessions


@dataclass
class _Prepared:
    sql: str
    param_oids: list[int]


@dataclass
class _Portal:
    statement: _Prepared
    result: pgcompat.Result | None
    result_formats: list[int]
    described: bool = False


@dataclass(frozen=True)
class PgServerConfig:
    """What the server needs: the snapshot, where to listen and who may log in."""

    snapshot: Path
    host: str
    port: int
    user: str
    password: str


class _Session:
    """One client connection: handshake, then messages until Terminate or disconnect."""

    def __init__(self, sock: socket.socket, config: PgServerConfig, reader: SnapshotReader) -> None:
        self.sock = sock
        self.config = config
        self.snapshot = reader
        self.reader = _Reader(sock)
        self.out: list[bytes] = []
        self.statements: dict[str, _Prepared] = {}
        self.portals: dict[str, _Portal] = {}
        self.transaction = "I"  # I idle, T in a transaction block, E failed transaction
        self.skip_until_sync = False
        self.con: duckdb.DuckDBPyConnection | None = None
        self.active: pgcompat.Result | None = None
        self.lease: Lease | None = None
        self.settings: dict[str, str] = {}

    # -- plumbing
    def send(self, data: bytes) -> None:
        self.out.append(data)

    def flush(self) -> None:
        if self.out:
            self.sock.sendall(b"".join(self.out))
            self.out.clear()

    def ready(self) -> None:
        self.send(_message(b"Z", self.transaction.encode()))
        self.flush()

    # -- startup
    def startup(self) -> dict[str, str] | None:
        while True:
            (length,) = struct.unpack("!i", self.reader.exact(4))
            body = self.reader.exact(length - 4)
            (code,) = struct.unpack("!i", body[:4])
            if code in (SSL_REQUEST, GSSENC_REQUEST):
                self.sock.sendall(b"N")  # no encryption: the client continues in plain text
                continue
            if code == CANCEL_REQUEST:
                return None
            if code != PROTOCOL_3:
                raise _fatal("08P01", f"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}")
            parts = _split_cstrings(body[4:])
            return dict(zip(parts[0::2], parts[1::2], strict=False))

    def authenticate(self, params: dict[str, str]) -> None:
        user = params.get("user", "")
        if self.config.password:
            salt = os.urandom(4)
            self.send(_message(b"R", struct.pack("!i", 5) + salt))
            self.flush()
            kind, body = self.reader.message()
            if kind != b"p":
                raise _fatal("08P01", "expected a password message")
            given = body.rstrip(b"\0").decode()
            inner = hashlib.md5((self.config.password + user).encode()).hexdigest()
            expected = "md5" + hashlib.md5(inner.encode() + salt).hexdigest()
            good = hmac.compare_digest(given, expected)
        else:
            good = True
        if not good or user != self.config.user:
            raise _fatal("28P01", f'password authentication failed for user "{user}"',
                         hint="Log in with the user and password set in PANTAU_PG_USER and "
                              "PANTAU_PG_PASSWORD of the server.")
        self.send(_message(b"R", struct.pack("!i", 0)))
        settings = pgcompat.session_settings(params)
        for name in ("server_version", "server_encoding", "client_encoding", "DateStyle",
                     "TimeZone", "integer_datetimes", "standard_conforming_strings",
                     "IntervalStyle", "is_superuser", "session_authorization", "application_name",
                     "default_transaction_read_only", "in_hot_standby"):
            self.send(_message(b"S", _cstr(name) + _cstr(settings[name])))
        self.send(_message(b"K", struct.pack("!ii", os.getpid() & 0x7FFFFFFF,
                                             int.from_bytes(os.urandom(4), "big") & 0x7FFFFFFF)))
        self.settings = settings

    # -- main loop
    def serve(self) -> None:
        try:
            params = self.startup()
            if params is None:
                return
            self.authenticate(params)
            self.lease = self.snapshot.acquire()
            try:
                pgcompat.prepare_session(self.lease.con, self.settings)
                self.con = self.lease.con
                self.ready()
                self.loop()
            finally:
                self.lease.release()
        except PgError as error:
            self.send(_error(b"E", error))
            self.flush()
        except SnapshotMissingError as error:
            self.send(_error(b"E", _fatal("3D000", str(error))))
            self.flush()

    def loop(self) -> None:
        handlers: dict[bytes, Callable[[bytes], None]] = {
            b"Q": self.on_query, b"P": self.on_parse, b"B": self.on_bind, b"D": self.on_describe,
            b"E": self.on_execute, b"C": self.on_close, b"S": self.on_sync, b"H": self.on_flush,
        }
        while True:
            kind, body = self.reader.message()
            if kind == b"X":
                return
            if self.skip_until_sync and kind != b"S":
                continue
            handler = handlers.get(kind)
            try:
                if handler is None:
                    raise PgError("08P01", f"unsupported message type {kind!r}")
                handler(body)
            except PgError as error:
                self.fail(error)
                if kind == b"Q":
                    self.ready()
                else:
                    self.skip_until_sync = True
                    self.flush()

    def fail(self, error: PgError) -> None:
        if self.transaction == "T":
            self.transaction = "E"
        self.send(_error(b"E", error))

    # -- running statements
    def run(self, sql: str, params: Sequence[Any] = ()) -> pgcompat.Result:
        assert self.con is not None
        if self.transaction == "E" and not pgcompat.ends_transaction(sql):
            raise PgError("25P02", "current transaction is aborted, commands ignored until end of "
                          "transaction block")
        if self.active is not None:
            self.active.abandon()  # one open result per DuckDB connection
        if self.transaction == "I":
            self.follow_republished_snapshot()
        result = pgcompat.execute(self.con, sql, params, self.settings)
        self.active = result
        if result.tag in ("BEGIN", "START TRANSACTION"):
            self.transaction = "T" if self.transaction == "I" else self.transaction
        elif result.tag in ("COMMIT", "ROLLBACK"):
            if self.transaction == "E" and result.tag == "COMMIT":
                result.tag = "ROLLBACK"
            self.transaction = "I"
        return result

    def follow_republished_snapshot(self) -> None:
        """Outside a transaction block, move the session to a republished snapshot file.

        Pooled BI connections live for hours: without this they would read the snapshot of the
        moment they connected. Inside ``BEGIN … COMMIT`` a session keeps its file, so a
        transaction reads one snapshot throughout.
        """
        if self.lease is None or not self.lease.is_stale:
            return
        fresh = self.snapshot.acquire()
        try:
            pgcompat.prepare_session(fresh.con, self.settings)
        except BaseException:
            fresh.release()
            raise
        self.portals.clear()
        self.active = None
        self.lease.release()
        self.lease, self.con = fresh, fresh.con

    def send_rows(self, result: pgcompat.Result, formats: Sequence[int], limit: int = 0) -> bool:
        """Send DataRows (at most ``limit`` when > 0); True when the result is exhausted."""
        if any(f == 1 for f in formats):
            raise PgError("0A000", "binary result format is not supported; request text results")
        encoders = [pgcompat.encoder(c.type_oid) for c in result.columns or []]
        sent = 0
        while not limit or sent < limit:
            rows = result.fetch(FETCH_BATCH if not limit else min(FETCH_BATCH, limit - sent))
            if not rows:
                return True
            for row in rows:
                self.send(_data_row([None if v is None else encode(v)
                                     for v, encode in zip(row, encoders, strict=True)]))
            sent += len(rows)
            result.row_count += len(rows)
            self.flush()
        return False

    def on_query(self, body: bytes) -> None:
        sql = body.rstrip(b"\0").decode()
        statements = pgcompat.split(sql)
        if not statements:
            self.send(_message(b"I"))
        for statement in statements:
            try:
                result = self.run(statement)
                if result.columns is not None:
                    self.send(_row_description(result.columns))
                    self.send_rows(result, [])
                elif result.tag == "EMPTY":
                    self.send(_message(b"I"))
                    continue
                self.send(_message(b"C", _cstr(result.command_tag())))
            except PgError as error:
                self.fail(error)
                break
        self.ready()

    def on_parse(self, body: bytes) -> None:
        name_end = body.index(b"\0")
        name = body[:name_end].decode()
        sql_end = body.index(b"\0", name_end + 1)
        sql = body[name_end + 1:sql_end].decode()
        (count,) = struct.unpack("!h", body[sql_end + 1:sql_end + 3])
        oids = list(struct.unpack(f"!{count}i", body[sql_end + 3:sql_end + 3 + 4 * count]))
        self.statements[name] = _Prepared(sql, oids)
        self.send(_message(b"1"))

    def on_bind(self, body: bytes) -> None:
        pos = body.index(b"\0")
        portal_name = body[:pos].decode()
        end = body.index(b"\0", pos + 1)
        statement_name = body[pos + 1:end].decode()
        pos = end + 1
        statement = self.statements.get(statement_name)
        if statement is None:
            raise PgError("26000", f'prepared statement "{statement_name}" does not exist')
        (n_formats,) = struct.unpack("!h", body[pos:pos + 2])
        pos += 2
        formats = list(struct.unpack(f"!{n_formats}h", body[pos:pos + 2 * n_formats]))
        pos += 2 * n_formats
        (n_params,) = struct.unpack("!h", body[pos:pos + 2])
        pos += 2
        values: list[Any] = []
        for i in range(n_params):
            (length,) = struct.unpack("!i", body[pos:pos + 4])
            pos += 4
            raw = None if length < 0 else body[pos:pos + length]
            pos += max(length, 0)
            fmt = formats[i] if len(formats) > 1 else (formats[0] if formats else 0)
            oid = statement.param_oids[i] if i < len(statement.param_oids) else 0
            values.append(pgcompat.decode_param(raw, oid, fmt))
        (n_results,) = struct.unpack("!h", body[pos:pos + 2])
        pos += 2
        result_formats = list(struct.unpack(f"!{n_results}h", body[pos:pos + 2 * n_results]))
        result = self.run(statement.sql, values)
        self.portals[portal_name] = _Portal(statement, result, result_formats)
        self.send(_message(b"2"))

    def on_describe(self, body: bytes) -> None:
        kind, name = body[:1], body[1:].rstrip(b"\0").decode()
        if kind == b"S":
            statement = self.statements.get(name)
            if statement is None:
                raise PgError("26000", f'prepared statement "{name}" does not exist')
            oids = [oid or 25 for oid in statement.param_oids]
            count = max(len(oids), pgcompat.parameter_count(statement.sql))
            oids += [25] * (count - len(oids))
            self.send(_message(b"t", struct.pack(f"!h{len(oids)}i", len(oids), *oids)))
            if self.active is not None:
                self.active.abandon()
            columns = pgcompat.describe(self.con, statement.sql, count, self.settings)
            self.send(_row_description(columns) if columns else _message(b"n"))
            return
        portal = self.portals.get(name)
        if portal is None:
            raise PgError("34000", f'portal "{name}" does not exist')
        portal.described = True
        columns = portal.result.columns if portal.result else None
        self.send(_row_description(columns) if columns is not None else _message(b"n"))

    def on_execute(self, body: bytes) -> None:
        end = body.index(b"\0")
        name = body[:end].decode()
        (limit,) = struct.unpack("!i", body[end + 1:end + 5])
        portal = self.portals.get(name)
        if portal is None or portal.result is None:
            raise PgError("34000", f'portal "{name}" does not exist')
        result = portal.result
        if result.columns is None and result.tag != "EMPTY":
            self.send(_message(b"C", _cstr(result.command_tag())))
            return
        if result.tag == "EMPTY":
            self.send(_message(b"I"))
        elif self.send_rows(result, portal.result_formats, limit):
            self.send(_message(b"C", _cstr(result.command_tag())))
        else:
            self.send(_message(b"s"))

    def on_close(self, body: bytes) -> None:
        kind, name = body[:1], body[1:].rstrip(b"\0").decode()
        (self.statements if kind == b"S" else self.portals).pop(name, None)
        self.send(_message(b"3"))

    def on_sync(self, _body: bytes) -> None:
        self.skip_until_sync = False
        self.portals.pop("", None)
        self.ready()

    def on_flush(self, _body: bytes) -> None:
        self.flush()


# ---------------------------------------------------------------------------------------------
# Server


class _Handler(socketserver.BaseRequestHandler):
    server: PgServer

    def handle(self) -> None:
        session = _Session(self.request, self.server.config, self.server.reader)
        try:
            session.serve()
        except (ConnectionError, OSError):
            pass  # the client went away
        except Exception:  # pragma: no cover - a bug: log it, keep serving other clients
            log.exception("Postgres endpoint: unexpected error in a client session")


class PgServer(SnapshotServerMixin, socketserver.ThreadingTCPServer):
    """The Postgres wire-protocol endpoint; ``serve_forever`` in the foreground or a thread."""

    def __init__(self, config: PgServerConfig) -> None:
        self.config = config
        self.bind_snapshot_server(config.snapshot, config.host, config.port, _Handler,
                                  "PANTAU_PG_PORT")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_server(*, snapshot: Path, host: str, port: int, user: str, password: str) -> PgServer:
    """A bound (not yet serving) endpoint on the snapshot.

    Raises:
        SnapshotMissingError: no snapshot yet.
        ConfigurationError: no password while listening beyond loopback.
        PortInUseError: the port is taken.
    """
    require_snapshot(snapshot)
    if not password and not _is_loopback(host):
        raise ConfigurationError("PANTAU_PG_PASSWORD", "", f"a password when PANTAU_PG_HOST={host} "
                                 "is reachable from other machines")
    return PgServer(PgServerConfig(snapshot, host, port, user, password))


def start_in_thread(server: PgServer) -> threading.Thread:
    """Serve in a daemon thread (tests, the combined `pantau serve --pg` with the dashboard)."""
    thread = threading.Thread(target=server.serve_forever, name="pantau-pg", daemon=True)
    thread.start()
    return thread
