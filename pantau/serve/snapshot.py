"""Read-only access to the published snapshot of the marts, for every serving path.

The publish step replaces the snapshot by renaming a new file over the old path. A reader that
keeps a DuckDB instance open would go on reading the old file (its inode), and ``duckdb.connect``
on the same path hands back that cached instance. :class:`SnapshotReader` therefore notices when
the file at the path is a different one (inode, size, modification time) and opens the new one,
while the connections already handed out keep reading the file they started with. It attaches
the file to a fresh in-memory instance, so no process-wide instance cache is involved.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import duckdb

from pantau.exceptions import TerminalError


class SnapshotMissingError(TerminalError):
    """The published snapshot does not exist yet."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"no published snapshot at {path} — run `pantau build` or `pantau demo` first (or point "
            "PANTAU_PUBLISHED_PATH at one; `pantau sql --warehouse` queries the working warehouse)."
        )


def require_snapshot(path: Path) -> Path:
    """Return ``path`` if the snapshot exists; raise :class:`SnapshotMissingError` otherwise."""
    if not path.is_file():
        raise SnapshotMissingError(path)
    return path


def catalog_name(path: Path) -> str:
    """The name DuckDB gives the snapshot's database when it opens ``path`` (its file stem)."""
    return path.stem.replace('"', "")


def sqlalchemy_url(path: Path) -> str:
    """A read-only SQLAlchemy URL (duckdb-engine) for the snapshot, e.g. for Superset."""
    return f"duckdb:///{quote(str(path))}?access_mode=read_only"


def open_snapshot(path: Path, *, lock_down: bool = False) -> duckdb.DuckDBPyConnection:
    """A new read-only connection on the snapshot at ``path``, in its own DuckDB instance.

    Args:
        path: the snapshot file.
        lock_down: also forbid file access, ATTACH and extension installs for the rest of the
            connection's life (for connections that run SQL from the network).

    Raises:
        SnapshotMissingError: there is no file at ``path``.
    """
    require_snapshot(path)
    con = duckdb.connect(":memory:")
    try:
        alias = catalog_name(path)
        quoted = str(path).replace("'", "''")
        con.execute(f"attach '{quoted}' as \"{alias}\" (read_only)")
        con.execute(f'use "{alias}"')
        if lock_down:
            con.execute("set enable_external_access = false")
            con.execute("set lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


@dataclass(frozen=True)
class _FileIdentity:
    inode: int
    size: int
    mtime_ns: int


def _identity(path: Path) -> _FileIdentity:
    stat = os.stat(path)
    return _FileIdentity(stat.st_ino, stat.st_size, stat.st_mtime_ns)


class _Generation:
    """One opened snapshot file and how many connections still read it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, identity: _FileIdentity) -> None:
        self.con = con
        self.identity = identity
        self.users = 0
        self.retired = False


class Lease:
    """A connection on one snapshot file, from :meth:`SnapshotReader.acquire`; ``release`` it."""

    def __init__(self, reader: SnapshotReader, generation: _Generation,
                 con: duckdb.DuckDBPyConnection) -> None:
        self.reader = reader
        self.generation = generation
        self.con = con
        self.released = False

    @property
    def is_stale(self) -> bool:
        """True when the file at the path is no longer the one this connection reads."""
        try:
            return _identity(self.reader.path) != self.generation.identity
        except FileNotFoundError:
            return False  # nothing newer to read: keep serving what we have

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.con.close()
            self.reader._returned(self.generation)


class SnapshotReader:
    """Hands out read-only connections on the current snapshot; reopens it when it is republished.

    Thread-safe. Each connection is a separate DuckDB connection (a cursor) on one shared
    instance per snapshot file, so concurrent readers share the buffer cache. The instance of a
    replaced file is closed when its last connection is returned.
    """

    def __init__(self, path: Path, *, lock_down: bool = False) -> None:
        self.path = path
        self.lock_down = lock_down
        self._lock = threading.Lock()
        self._current: _Generation | None = None

    def acquire(self) -> Lease:
        """A connection on the snapshot as it is now; the caller releases it.

        Raises:
            SnapshotMissingError: there is no file at the path (yet).
        """
        with self._lock:
            try:
                identity = _identity(self.path)
            except FileNotFoundError:
                raise SnapshotMissingError(self.path) from None
            if self._current is None or identity != self._current.identity:
                if self._current is not None:
                    self._retire(self._current)
                self._current = _Generation(open_snapshot(self.path, lock_down=self.lock_down),
                                            identity)
            generation = self._current
            generation.users += 1
            cursor = generation.con.cursor()
        lease = Lease(self, generation, cursor)
        try:
            # a cursor starts in the in-memory catalog: make the snapshot the default one
            cursor.execute(f'use "{catalog_name(self.path)}"')
        except BaseException:
            lease.release()
            raise
        return lease

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection on the snapshot as it is now, closed when the block ends."""
        lease = self.acquire()
        try:
            yield lease.con
        finally:
            lease.release()

    def _returned(self, generation: _Generation) -> None:
        with self._lock:
            generation.users -= 1
            if generation.retired and generation.users == 0:
                generation.con.close()

    def _retire(self, generation: _Generation) -> None:
        generation.retired = True
        if generation.users == 0:
            generation.con.close()

    def close(self) -> None:
        """Close the current snapshot once its connections are returned."""
        with self._lock:
            if self._current is not None:
                self._retire(self._current)
                self._current = None
