"""Write-audit-publish: the audited marts become the read-only snapshot, atomically.

:func:`publish` copies every table of schema ``marts`` of the working warehouse into a NEW DuckDB
file beside ``settings.published_path`` (ATTACH, CREATE TABLE AS SELECT, CHECKPOINT, DETACH),
flushes it to disk and renames it over the published file with ``os.replace`` (atomic on POSIX).
Readers open the snapshot ``read_only``: one that opened the old file keeps reading it whole, the
next one opens the new file whole, and no reader ever holds the working warehouse's write lock.
When anything fails the published file stays byte for byte as it was, the temporary file is
removed, and the failure is recorded in ``audit.publish_log``.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pantau.connections import postgres, warehouse
from pantau.exceptions import BuildFailedError, TransientError, WarehouseLockedError
from pantau.publish.postgres import PgPublishResult, pg_failure, publish_postgres
from pantau.settings import Settings

log = logging.getLogger(__name__)

SNAPSHOT_ALIAS = "pantau_snapshot"


@dataclass
class PublishResult:
    """What was published: table -> rows, where, and how long it took (and PostgreSQL's part)."""

    path: Path
    tables: dict[str, int]
    seconds: float
    postgres: PgPublishResult | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _record(settings: Settings, run_id: str, *, success: bool, tables: int, rows: int,
            seconds: float, error: str | None, target: str = "duckdb") -> None:
    where = str(settings.published_path) if target == "duckdb" else postgres.where(settings)
    con = warehouse.connect(settings.warehouse_path)
    try:
        warehouse.ensure_raw(con)
        con.execute("insert into audit.publish_log (run_id, success, published_path, tables, "
                    'total_rows, seconds, error, "at", target) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
                    [run_id, success, where, tables, rows, round(seconds, 3), error,
                     datetime.now(UTC).replace(tzinfo=None), target])
    finally:
        con.close()


def _copy_marts(settings: Settings, target: Path) -> dict[str, int]:
    con = warehouse.connect(settings.warehouse_path)
    try:
        tables = [row[0] for row in con.execute("""
            select table_name from information_schema.tables
            where table_catalog = current_database() and table_schema = 'marts'
                and table_type = 'BASE TABLE'
            order by table_name""").fetchall()]
        if not tables:
            raise BuildFailedError(
                f"The warehouse {settings.warehouse_path} has no tables in schema marts: nothing "
                "to publish. Run `pantau build` (dbt build creates the marts).")
        con.execute(f"attach '{target}' as {SNAPSHOT_ALIAS}")
        try:
            con.execute(f"create schema {SNAPSHOT_ALIAS}.marts")
            counts = {}
            for table in tables:
                con.execute(f'create table {SNAPSHOT_ALIAS}.marts."{table}" as '
                            f'select * from marts."{table}"')
                counts[table] = int(warehouse.scalar(
                    con, f'select count(*) from {SNAPSHOT_ALIAS}.marts."{table}"'))
            con.execute(f"checkpoint {SNAPSHOT_ALIAS}")
        finally:
            con.execute(f"detach {SNAPSHOT_ALIAS}")
        return counts
    finally:
        con.close()


def publish(settings: Settings, *, run_id: str | None = None) -> PublishResult:
    """Copy the marts into a new snapshot file and swap it in atomically.

    Call it only after the dbt build and the audit passed (:func:`pantau.orchestration.tasks.publish`).

    Raises:
        BuildFailedError: the copy failed; the published snapshot is unchanged and the failure
            is recorded in ``audit.publish_log``.
        WarehouseLockedError: another process holds the warehouse (transient; retry).
    """
    run_id = run_id or str(uuid.uuid4())
    final = settings.published_path
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}.{uuid.uuid4().hex[:12]}.tmp")
    started = time.perf_counter()
    try:
        counts = _copy_marts(settings, temporary)
        _fsync(temporary)
        os.replace(temporary, final)
        _fsync(final.parent)
    except BaseException as error:
        for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if isinstance(error, Exception):
            detail = f"{type(error).__name__}: {error}"
            try:
                _record(settings, run_id, success=False, tables=0, rows=0,
                        seconds=time.perf_counter() - started, error=detail)
            except Exception as record_error:  # the failure itself matters more; say both
                log.error("publish: could not record the failure (%s)", record_error)
            if isinstance(error, BuildFailedError | WarehouseLockedError):
                raise
            raise BuildFailedError(
                f"Publishing the marts to {final} failed ({detail}); the published snapshot "
                "was left as it was. Fix the cause, then run `pantau build` again.") from error
        raise
    seconds = time.perf_counter() - started
    result = PublishResult(final, counts, seconds)
    _record(settings, run_id, success=True, tables=len(counts), rows=result.total_rows,
            seconds=seconds, error=None)
    log.info("publish: %d tables, %d rows to %s in %.2fs", len(counts), result.total_rows, final,
             seconds)
    _hand_off_notifications(settings)
    if settings.pg_publish:
        result.postgres = _publish_postgres(settings, run_id)
    return result


def _hand_off_notifications(settings: Settings) -> None:
    """The build is published: its outbox rows go to the notification ledger
    (:func:`pantau.notify.deliver.handoff`). A failure here does not undo the publish: the rows
    stay in the outbox and the next publish hands them off."""
    from pantau.notify.deliver import handoff

    try:
        handoff(settings)
    except Exception as error:
        log.error("publish: the notifications were not handed to the ledger %s (%s: %s); the "
                  "next publish hands them off", settings.notify_ledger_path,
                  type(error).__name__, error)


def _publish_postgres(settings: Settings, run_id: str) -> PgPublishResult:
    """The second target: PostgreSQL, for BI tools (see :mod:`pantau.publish.postgres`)."""
    started = time.perf_counter()
    try:
        sent = publish_postgres(settings, build_id=run_id)
    except Exception as error:
        failure = error if isinstance(error, TransientError | BuildFailedError) else \
            pg_failure(settings, error)
        try:
            _record(settings, run_id, success=False, tables=0, rows=0, target="postgres",
                    seconds=time.perf_counter() - started, error=str(failure))
        except Exception as record_error:
            log.error("publish: could not record the PostgreSQL failure (%s)", record_error)
        if failure is error:
            raise
        raise failure from error
    _record(settings, run_id, success=True, tables=len(sent.tables), rows=sent.rows,
            seconds=sent.seconds, error=None, target="postgres")
    log.info("publish: PostgreSQL at %s, %s, %d rows sent in %.2fs", sent.where, sent.mode,
             sent.rows, sent.seconds)
    return sent


def snapshot_tables(path: Path) -> dict[str, int]:
    """Rows per table of a published snapshot, read-only (for the demo and the tests)."""
    con = warehouse.connect(path, read_only=True)
    try:
        names = [row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by table_name").fetchall()]
        return {name: int(warehouse.scalar(con, f'select count(*) from marts."{name}"'))
                for name in names}
    finally:
        con.close()
