"""Publish the audited marts into PostgreSQL: incremental, in one transaction per publish.

BI tools read the marts from PostgreSQL as the reader role; this module is the writer. A
publish sends only what changed since the publish PostgreSQL holds:

- **Keyed tables** (the dbt models that are incremental with a ``unique_key``: ``fct_posts``
  and ``fct_post_metrics_hourly``, keyed by ``post_key``): the warehouse keeps each row's key
  and a 64-bit hash of the row as last published (``ops.pg_published_keys``). The keys of rows
  whose hash is new (new or changed rows) or gone (changed or vanished rows) are the delta:
  their rows are deleted in PostgreSQL and the current rows inserted.
- **The other marts** (aggregates that dbt rebuilds, a few thousand rows each): all their rows
  are replaced, unless the table's fingerprint (a hash over its rows) is the one last published.

Rows travel as Arrow batches from DuckDB to PostgreSQL's binary ``COPY`` through ADBC's
PostgreSQL driver (``adbc_ingest``): DuckDB hands Arrow over without a copy per row, and the
driver writes COPY's binary format in C++, so no Python code touches single rows (psycopg's
``copy.write_row`` would: about 8x slower on a million posts). Everything happens in one
PostgreSQL transaction, committed last, with ``DELETE`` and ``INSERT`` only (no ``TRUNCATE``,
which is not MVCC-safe): a reader sees the previous publish or the new one, whole, and a reader in
a ``REPEATABLE READ`` transaction keeps its publish throughout. Only a change of a table's shape
(a new column) replaces the table with DDL, which waits for readers of that table to finish.

Which build PostgreSQL holds is written in the same transaction (``pantau_ops.publish_log``).
The warehouse records it after the commit (``ops.pg_publish_state``); when the two disagree (a
crash between the commit and that record, a restored or new database) the next publish compares
nothing and sends every row: slower, never wrong. A publish of the build PostgreSQL already holds
does nothing (idempotent by build id).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from pantau.connections import postgres, warehouse
from pantau.exceptions import BuildFailedError
from pantau.settings import Settings

log = logging.getLogger(__name__)

BATCH_ROWS = 100_000

PG_DDL = """
create table if not exists pantau_ops.publish_log (
    build_id text primary key,
    published_at timestamptz not null default now(),
    mode text not null,
    tables jsonb not null
);
create table if not exists pantau_ops.table_shapes (
    table_name text primary key,
    shape text not null
);
"""


@dataclass
class TableDelta:
    """What one publish did to one table."""

    name: str
    mode: str  # keyed | replaced | created | unchanged
    inserted: int = 0
    deleted_keys: int = 0
    fingerprint: int | None = None  # of a table without a key: its rows' hash, to skip it next time


@dataclass
class PgPublishResult:
    """What a publish into PostgreSQL sent."""

    build_id: str
    where: str
    mode: str  # incremental | full | unchanged
    tables: dict[str, TableDelta] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.inserted for t in self.tables.values())


def table_keys(settings: Settings) -> dict[str, str]:
    """Mart table -> its ``unique_key``, for the incremental dbt models (from dbt's manifest).

    Without a manifest (no build in this state directory yet) no table is keyed, and every
    table is replaced: correct, only slower.
    """
    manifest = settings.state_dir / "dbt" / "target" / "manifest.json"
    try:
        nodes = json.loads(manifest.read_text())["nodes"]
    except (OSError, ValueError, KeyError):
        return {}
    keys = {}
    for node in nodes.values():
        config = node.get("config", {})
        key = config.get("unique_key")
        if (node.get("resource_type") == "model" and node.get("schema") == "marts"
                and config.get("materialized") == "incremental" and isinstance(key, str)):
            keys[node["alias"] or node["name"]] = key
    return keys


def _target(settings: Settings) -> str:
    return postgres.where(settings)


def _shape(con: duckdb.DuckDBPyConnection, table: str) -> str:
    rows = con.execute("select column_name, data_type from information_schema.columns "
                       "where table_catalog = current_database() and table_schema = 'marts' "
                       "and table_name = ? order by ordinal_position", [table]).fetchall()
    return ",".join(f"{name} {kind}" for name, kind in rows)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _connect(settings: Settings) -> Any:
    import adbc_driver_postgresql.dbapi as adbc_pg

    try:
        return adbc_pg.connect(postgres.writer_url(settings), autocommit=False)
    except Exception as error:  # ADBC raises its own DB-API error classes
        detail = str(error).replace(postgres.writer_url(settings), "…")
        raise postgres.PostgresUnavailableError(_target(settings), detail.strip()) from None


def publish_postgres(settings: Settings, *, build_id: str,
                     say: Callable[[str], None] = log.info,
                     duck: duckdb.DuckDBPyConnection | None = None,
                     keys: dict[str, str] | None = None) -> PgPublishResult:
    """Send the marts of the working warehouse into PostgreSQL, in one transaction.

    Args:
        settings: where the warehouse and PostgreSQL are.
        build_id: the build being published (the run id); publishing it again does nothing.
        say: progress lines.
        duck: an open connection on the working warehouse (one is opened when omitted).
        keys: keyed table -> key column; by default the incremental models of dbt's manifest.

    Raises:
        PostgresUnavailableError: PostgreSQL does not answer (transient: the next run catches up).
        BuildFailedError: PostgreSQL refused the data; nothing of this publish is visible.
    """
    started = time.perf_counter()
    own = duck is None
    con = duck or warehouse.connect(settings.warehouse_path)
    target = _target(settings)
    try:
        warehouse.ensure_raw(con)
        tables = [row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_catalog = "
            "current_database() and table_schema = 'marts' and table_type = 'BASE TABLE' "
            "order by table_name").fetchall()]
        keys = {t: k for t, k in (table_keys(settings) if keys is None else keys).items()
                if t in tables}
        held_here = warehouse.scalar(con, "select build_id from ops.pg_publish_state "
                                     "where target = ?", [target])
        pg = _connect(settings)
        try:
            result = _publish(con, pg, settings, tables, keys, build_id, target,
                              None if held_here is None else str(held_here), say)
        finally:
            pg.close()
        if result.mode != "unchanged":
            noting = time.perf_counter()
            _remember(con, result, keys, target)
            say(f"  the warehouse noted what PostgreSQL holds in {time.perf_counter() - noting:.2f}s")
    finally:
        if own:
            con.close()
    result.seconds = time.perf_counter() - started
    return result


def _publish(con: duckdb.DuckDBPyConnection, pg: Any, settings: Settings, tables: list[str],
             keys: dict[str, str], build_id: str, target: str, held_here: str | None,
             say: Callable[[str], None]) -> PgPublishResult:
    cur = pg.cursor()
    try:
        for statement in PG_DDL.split(";"):
            if statement.strip():
                cur.execute(statement)
        cur.execute("select build_id from pantau_ops.publish_log "
                    "order by published_at desc, build_id limit 1")
        row = cur.fetchone()
        held_there = row[0] if row else None
        if held_there is not None and held_there == build_id:
            pg.rollback()
            say(f"PostgreSQL already holds build {build_id}: nothing to publish")
            return PgPublishResult(build_id, target, "unchanged")
        cur.execute("select table_name, shape from pantau_ops.table_shapes")
        shapes = dict(cur.fetchall())
        cur.execute("select table_name from information_schema.tables where table_schema = 'marts'")
        existing = {r[0] for r in cur.fetchall()}
        incremental = held_there is not None and held_there == held_here
        result = PgPublishResult(build_id, target, "incremental" if incremental else "full")
        for table in tables:
            started = time.perf_counter()
            shape = _shape(con, table)
            fingerprint = None if table in keys else _fingerprint(con, table)
            if table not in existing or shapes.get(table) != shape:
                delta = _create(con, cur, table, keys.get(table), shape)
            elif table in keys and incremental:
                delta = _apply_delta(con, cur, table, keys[table])
            elif incremental and fingerprint == _published_fingerprint(con, table):
                delta = TableDelta(table, "unchanged")
            else:
                delta = _replace(con, cur, table)
            delta.fingerprint = fingerprint
            result.tables[table] = delta
            say(f"  postgres marts.{table}: {delta.mode}, {delta.inserted:,} rows sent in "
                f"{time.perf_counter() - started:.2f}s")
        for gone in sorted(existing - set(tables)):  # a mart the dbt project no longer has
            cur.execute(f"drop table marts.{_ident(gone)}")
            cur.execute("delete from pantau_ops.table_shapes where table_name = $1", parameters=(gone,))
        cur.execute("insert into pantau_ops.publish_log (build_id, mode, tables) "
                    "values ($1, $2, $3::jsonb)",
                    parameters=(build_id, result.mode, json.dumps(
                        {t: d.inserted for t, d in result.tables.items()})))
        pg.commit()
    except BaseException:
        try:
            pg.rollback()
        except Exception:  # the connection may be gone; the server rolls back on its own
            pass
        raise
    finally:
        cur.close()
    return result


def _reader(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    return con.sql(sql, params=params).to_arrow_reader(BATCH_ROWS)


def _create(con: duckdb.DuckDBPyConnection, cur: Any, table: str, key: str | None,
            shape: str) -> TableDelta:
    """(Re)create a table whose shape is new to PostgreSQL, filled with every row."""
    staging = f"{table}__pantau_new"
    cur.execute(f"drop table if exists marts.{_ident(staging)}")
    inserted = cur.adbc_ingest(staging, _reader(con, f"select * from marts.{_ident(table)}"),
                               mode="create", db_schema_name="marts")
    cur.execute(f"drop table if exists marts.{_ident(table)}")
    cur.execute(f"alter table marts.{_ident(staging)} rename to {_ident(table)}")
    if key:
        cur.execute(f"create index on marts.{_ident(table)} ({_ident(key)})")
    cur.execute(f"analyze marts.{_ident(table)}")
    cur.execute("insert into pantau_ops.table_shapes values ($1, $2) on conflict (table_name) "
                "do update set shape = excluded.shape", parameters=(table, shape))
    return TableDelta(table, "created", inserted=max(inserted, 0))


def _fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """One hash of a table's rows, whatever their order (a rebuilt aggregate that came out the
    same is not sent again)."""
    return int(warehouse.scalar(
        con, f"select hash(bit_xor(hash(t)), count(*)) from marts.{_ident(table)} as t"))


def _published_fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> int | None:
    value = warehouse.scalar(con, "select row_hash from ops.pg_published_keys "
                                  "where table_name = ? and key_value = ''", [table])
    return None if value is None else int(value)


def _replace(con: duckdb.DuckDBPyConnection, cur: Any, table: str) -> TableDelta:
    """Every row anew: DELETE then COPY, in the publish's transaction."""
    cur.execute(f"delete from marts.{_ident(table)}")
    inserted = cur.adbc_ingest(table, _reader(con, f"select * from marts.{_ident(table)}"),
                               mode="append", db_schema_name="marts")
    return TableDelta(table, "replaced", inserted=max(inserted, 0))


def _current_hashes_sql(table: str, key: str) -> str:
    """Each row's key and a 64-bit hash of the whole row (the key included)."""
    return (f"select {_ident(key)}::varchar as key_value, hash(t) as row_hash "
            f"from marts.{_ident(table)} as t")


def _changed(table: str) -> str:
    """The temporary table of a keyed table's changed keys (until the connection closes)."""
    return _ident(f"pg_changed__{table}")


def _apply_delta(con: duckdb.DuckDBPyConnection, cur: Any, table: str, key: str) -> TableDelta:
    """Delete and re-insert the rows of the keys whose hash changed since the last publish."""
    # Rows are compared by their hash alone (integers join fast): a row that is new or changed
    # has a hash PostgreSQL was not sent, a row gone or replaced has a hash no longer found.
    con.execute(f"create or replace temp table {_changed(table)} as "
                f"with current_hashes as ({_current_hashes_sql(table, key)}), "
                "published as (select key_value, row_hash from ops.pg_published_keys "
                "where table_name = ?) "
                "select distinct key_value from ("
                "select key_value from current_hashes anti join published using (row_hash) "
                "union all select key_value from published "
                "anti join current_hashes using (row_hash))", [table])
    changed = int(warehouse.scalar(con, f"select count(*) from {_changed(table)}"))
    if not changed:
        return TableDelta(table, "keyed")
    cur.execute("drop table if exists pantau_changed_keys")
    cur.adbc_ingest("pantau_changed_keys", _reader(con, f"select key_value from {_changed(table)}"),
                    mode="create", temporary=True)
    # Statistics for the planner: a few keys are found through the key's index, not by reading
    # every row of the table (a temporary table has none until analysed).
    cur.execute("analyze pantau_changed_keys")
    # Through the key's index: the planner, misjudging how few keys are found, would otherwise
    # read the whole table (about a second per million posts).
    cur.execute("set local enable_seqscan = off")
    cur.execute(f"delete from marts.{_ident(table)} where {_ident(key)} in "
                "(select key_value from pantau_changed_keys)")
    cur.execute("set local enable_seqscan = on")
    inserted = cur.adbc_ingest(table, _reader(
        con, f"select t.* from marts.{_ident(table)} as t semi join {_changed(table)} as c "
             f"on t.{_ident(key)}::varchar = c.key_value"), mode="append", db_schema_name="marts")
    cur.execute("drop table pantau_changed_keys")
    return TableDelta(table, "keyed", inserted=max(inserted, 0), deleted_keys=changed)


def _remember(con: duckdb.DuckDBPyConnection, result: PgPublishResult, keys: dict[str, str],
              target: str) -> None:
    """After PostgreSQL committed: what it now holds, for the next publish's comparison."""
    con.execute("begin")
    try:
        for table, key in keys.items():
            delta = result.tables.get(table)
            if delta is None:
                continue
            if delta.mode == "keyed":
                if delta.deleted_keys:
                    con.execute("delete from ops.pg_published_keys where table_name = ? and "
                                f"key_value in (select key_value from {_changed(table)})", [table])
                    con.execute("insert into ops.pg_published_keys select ?, key_value, row_hash "
                                f"from ({_current_hashes_sql(table, key)}) "
                                f"semi join {_changed(table)} using (key_value)", [table])
            else:
                con.execute("delete from ops.pg_published_keys where table_name = ?", [table])
                con.execute("insert into ops.pg_published_keys "
                            f"select ?, key_value, row_hash from ({_current_hashes_sql(table, key)})",
                            [table])
        for table, delta in result.tables.items():  # the tables without a key: one fingerprint
            if table not in keys and delta.fingerprint is not None and delta.mode != "unchanged":
                con.execute("delete from ops.pg_published_keys where table_name = ?", [table])
                con.execute("insert into ops.pg_published_keys values (?, '', ?)",
                            [table, delta.fingerprint])
        con.execute("delete from ops.pg_publish_state where target = ?", [target])
        con.execute("insert into ops.pg_publish_state values (?, ?, ?)",
                    [target, result.build_id, datetime.now(UTC).replace(tzinfo=None)])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def pg_failure(settings: Settings, error: Exception) -> BuildFailedError:
    """A refusal by PostgreSQL, said with where and what to do."""
    return BuildFailedError(
        f"Publishing the marts into PostgreSQL at {_target(settings)} failed "
        f"({type(error).__name__}: {str(error).strip()}); readers there keep the previous "
        "publish, whole. Fix the cause, then run `pantau build` again (it catches up).")


