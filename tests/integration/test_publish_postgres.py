"""Publishing the marts into the real PostgreSQL: incremental, idempotent, atomic, consistent.

Each test has a PostgreSQL database of its own (``pg_database``) and a warehouse whose marts are
those of the serving tests' snapshot (``tests/serving_snapshot.py``), changed by plain SQL
between publishes. The keyed tables are given explicitly (no dbt manifest in these tests).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import psycopg
import pytest

from pantau.connections import warehouse
from pantau.connections.postgres import PostgresUnavailableError, reader_conninfo, writer_url
from pantau.local.postgres import LocalPostgres
from pantau.publish.postgres import publish_postgres
from pantau.publish.snapshot import publish
from pantau.settings import Settings
from tests.serving_snapshot import write_snapshot
from tests.support import free_port

pytestmark = pytest.mark.integration

KEYS = {"fct_posts": "post_key", "fct_post_metrics_hourly": "post_key"}
ROOT = Path(__file__).resolve().parents[2]


def _quiet(_message: str) -> None:
    pass


def _publish(settings: Settings, build_id: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return publish_postgres(settings, build_id=build_id, keys=KEYS, say=_quiet, **kwargs)  # type: ignore[arg-type]


def _admin(settings: Settings) -> psycopg.Connection:
    return psycopg.connect(LocalPostgres(settings).admin_conninfo(settings.pg_database),
                           autocommit=True)


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def _norm(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def _order(row: tuple) -> tuple:
    return tuple((v is None, 0 if v is None else v) for v in row)


def _sorted_rows(rows: list) -> list[tuple]:
    return sorted((tuple(_norm(v) for v in row) for row in rows), key=_order)


def _duck_tables(settings: Settings) -> dict[str, tuple[list[str], list[tuple]]]:
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        out = {}
        for (table,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "and table_type = 'BASE TABLE' order by 1").fetchall():
            cur = con.execute(f'select * from marts."{table}"')
            out[table] = ([d[0] for d in cur.description], _sorted_rows(cur.fetchall()))
        return out
    finally:
        con.close()


def _pg_tables(settings: Settings) -> dict[str, tuple[list[str], list[tuple]]]:
    with psycopg.connect(writer_url(settings)) as con:
        out = {}
        for (table,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "order by 1").fetchall():
            cur = con.execute(f'select * from marts."{table}"')
            out[table] = ([d.name for d in cur.description], _sorted_rows(cur.fetchall()))
        return out


def _assert_equal_to_warehouse(settings: Settings) -> None:
    """Every PostgreSQL mart equals the warehouse's, column for column and row for row.

    PostgreSQL's tables travel as Arrow (ADBC) into the warehouse's DuckDB, which compares them
    with ``EXCEPT ALL`` both ways (duplicates count): fast enough for 200,000 posts.
    """
    import adbc_driver_postgresql.dbapi as adbc_pg

    pg = adbc_pg.connect(writer_url(settings))
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        cur = pg.cursor()
        cur.execute("select table_name from information_schema.tables "
                    "where table_schema = 'marts' order by 1")
        pg_tables = [r[0] for r in cur.fetchall()]
        duck_tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and table_type = 'BASE TABLE' order by 1").fetchall()]
        assert pg_tables == duck_tables
        for table in duck_tables:
            cur.execute(f'select * from marts."{table}"')
            theirs = cur.fetch_arrow_table()  # DuckDB reads it by its name below
            ours = con.execute(f'select * from marts."{table}" limit 0')
            assert theirs.column_names == [d[0] for d in ours.description], table
            ours.fetchall()
            counts = con.execute(
                f'select (select count(*) from marts."{table}"), (select count(*) from theirs), '
                f'(select count(*) from (select * from marts."{table}" except all '
                f'select * from theirs)), (select count(*) from (select * from theirs '
                f'except all select * from marts."{table}"))').fetchall()[0]
            assert counts[0] == counts[1] and counts[2:] == (0, 0), (table, counts)
        cur.close()
    finally:
        con.close()
        pg.close()


def _publish_log(settings: Settings) -> list[tuple]:
    with psycopg.connect(writer_url(settings)) as con:
        return con.execute("select build_id, published_at, mode from pantau_ops.publish_log "
                           "order by published_at").fetchall()


def _change(settings: Settings) -> None:
    """Build B: 7 posts changed, 5 new posts with hourly rows, 2 posts gone, one aggregate edited."""
    con = duckdb.connect(str(settings.warehouse_path))

    def run(sql: str, params: list | None = None) -> list:
        return con.execute(sql, params).fetchall()

    try:
        keys = [r[0] for r in run("select post_key from marts.fct_posts order by post_key limit 9")]
        changed, gone = keys[:7], keys[7:]
        run("update marts.fct_posts set likes = likes + 1000, engagement = engagement + 1000 "
                    "where post_key in (select unnest(?::varchar[]))", [changed])
        for table in ("fct_posts", "fct_post_metrics_hourly"):
            run(f"delete from marts.{table} where post_key in (select unnest(?::varchar[]))",
                        [gone])
        run("create temp table new_posts as select * from marts.fct_posts "
                    "order by post_key desc limit 5")
        run("create temp table new_hourly as select h.* from marts.fct_post_metrics_hourly h "
                    "semi join new_posts p using (post_key)")
        for temp in ("new_posts", "new_hourly"):
            run(f"update {temp} set post_key = 'new:' || post_key")
        run("update new_posts set post_id = 'new' || post_id")
        run("insert into marts.fct_posts select * from new_posts")
        run("insert into marts.fct_post_metrics_hourly select * from new_hourly")
        assert run("select count(*) from new_hourly")[0][0] > 0
        run("update marts.mart_polres_scorecard set post_count = post_count + 1")
    finally:
        con.close()


def _table_stats(settings: Settings) -> dict[str, tuple[int, int, int]]:
    with _admin(settings) as admin:
        admin.execute("select pg_stat_clear_snapshot()")
        return {r[0]: (r[1], r[2], r[3]) for r in admin.execute(
            "select relname, n_tup_ins, n_tup_upd, n_tup_del from pg_stat_user_tables "
            "where schemaname = 'marts'").fetchall()}


def _writer_gone(settings: Settings) -> bool:
    """No writer session is left in this database (its statistics are flushed when it ends)."""
    with _admin(settings) as admin:
        return admin.execute("select count(*) from pg_stat_activity where datname = %s and "
                             "usename = %s", [settings.pg_database, settings.pg_writer]
                             ).fetchone()[0] == 0  # type: ignore[index]


def _every_table_counted(settings: Settings, tables: tuple[str, ...] | None = None) -> bool:
    stats = _table_stats(settings)
    return bool(stats) and all(ins + upd + dele > 0 for name, (ins, upd, dele) in stats.items()
                               if tables is None or name in tables)


def _reset_stats(settings: Settings) -> None:
    """Zero this database's table statistics once the previous publish's are all in."""
    _wait_for(lambda: _writer_gone(settings), "the writer's session to end")
    _wait_for(lambda: _every_table_counted(settings), "the previous publish's statistics")
    with _admin(settings) as admin:
        admin.execute("select pg_stat_reset()")
    assert all(v == (0, 0, 0) for v in _table_stats(settings).values())


@pytest.fixture
def build_a(pg_database: Settings) -> Settings:
    """A warehouse with the 600-post marts, published into PostgreSQL as build A."""
    write_snapshot(pg_database.warehouse_path)
    result = _publish(pg_database, "A")
    assert result.mode == "full"
    return pg_database


def test_incremental_publish_sends_only_what_changed(build_a: Settings) -> None:
    settings = build_a
    _assert_equal_to_warehouse(settings)
    _change(settings)
    _reset_stats(settings)
    result = _publish(settings, "B")
    assert result.mode == "incremental"
    assert result.tables["fct_posts"].mode == "keyed"
    assert result.tables["fct_posts"].inserted == 12  # 7 changed + 5 new
    assert result.tables["fct_posts"].deleted_keys == 14  # and 2 gone
    _wait_for(lambda: _writer_gone(settings), "the publish's session to end")
    changed = ("fct_posts", "fct_post_metrics_hourly", "mart_polres_scorecard")
    _wait_for(lambda: _every_table_counted(settings, changed), "the publish's statistics")
    stats = _table_stats(settings)
    rows = {t: len(r) for t, (_, r) in _duck_tables(settings).items()}
    # the aggregates that came out the same were not sent again (their fingerprint matched)
    assert {t for t, counts in stats.items() if counts == (0, 0, 0)} == set(stats) - set(changed)
    assert result.tables["mart_polres_scorecard"].mode == "replaced"
    assert result.tables["dim_polres"].mode == "unchanged"
    ins, upd, _ = stats["fct_posts"]
    assert ins + upd <= 12, stats["fct_posts"]
    for table, (ins, upd, _) in stats.items():
        assert ins + upd <= rows[table], (table, stats[table], rows[table])
    hourly_ins = stats["fct_post_metrics_hourly"][0]
    assert hourly_ins < rows["fct_post_metrics_hourly"] / 10, hourly_ins
    _assert_equal_to_warehouse(settings)
    assert [r[0] for r in _publish_log(settings)] == ["A", "B"]
    with psycopg.connect(writer_url(settings)) as con:  # the comparison does see one wrong value
        con.execute("update marts.fct_posts set likes = likes + 1 where post_key = "
                    "(select min(post_key) from marts.fct_posts)")
    with pytest.raises(AssertionError, match="fct_posts"):
        _assert_equal_to_warehouse(settings)


def test_same_build_again_does_nothing(build_a: Settings) -> None:
    settings = build_a
    log_before = _publish_log(settings)

    def versions() -> dict[str, tuple]:
        with psycopg.connect(writer_url(settings)) as con:
            tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                                "where table_schema = 'marts'").fetchall()]
            return {t: con.execute(f"select count(*), sum(xmin::text::bigint), "
                                   f"string_agg(ctid::text, ',') from marts.{t}").fetchone()
                    for t in tables}

    before = versions()
    _change(settings)  # even a changed warehouse: the build id decides
    assert _publish(settings, "A").mode == "unchanged"
    assert _publish_log(settings) == log_before
    assert versions() == before


def test_disagreeing_state_falls_back_to_a_full_publish(build_a: Settings, tmp_path: Path) -> None:
    settings = build_a
    # The warehouse forgot what PostgreSQL holds (a crash after PostgreSQL's commit).
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("delete from ops.pg_publish_state")
    con.close()
    _change(settings)
    result = _publish(settings, "B")
    assert result.mode == "full"
    assert result.tables["fct_posts"].mode == "replaced"
    _assert_equal_to_warehouse(settings)
    # Another warehouse publishes into the same database: the first one's record is stale.
    other = settings.replace(warehouse_path=tmp_path / "other" / "warehouse.duckdb")
    write_snapshot(other.warehouse_path, posts=300)
    assert _publish(other, "other-1").mode == "full"
    _assert_equal_to_warehouse(other)
    result = _publish(settings, "C")
    assert result.mode == "full"
    _assert_equal_to_warehouse(settings)
    assert _publish(settings, "D").mode == "incremental"  # and agreeing again
    _assert_equal_to_warehouse(settings)


def test_shape_change_recreates_the_table(build_a: Settings) -> None:
    settings = build_a
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("alter table marts.mart_polres_scorecard add column note varchar default 'baru'")
    con.execute("alter table marts.fct_posts add column reviewed boolean default false")
    con.close()
    result = _publish(settings, "B")
    assert result.tables["mart_polres_scorecard"].mode == "created"
    assert result.tables["fct_posts"].mode == "created"
    assert result.tables["dim_polres"].mode != "created"
    _assert_equal_to_warehouse(settings)
    with psycopg.connect(reader_conninfo(settings)) as reader:  # the reader keeps its grant
        assert reader.execute("select count(*) from marts.mart_polres_scorecard where note = 'baru'"
                              ).fetchone()[0] > 0  # type: ignore[index]
    # An incremental publish after the recreation works on the new table (its key index too).
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("update marts.fct_posts set reviewed = true where post_key in "
                "(select post_key from marts.fct_posts order by post_key limit 3)")
    con.close()
    result = _publish(settings, "C")
    assert result.tables["fct_posts"].inserted == 3
    _assert_equal_to_warehouse(settings)


def test_repeatable_read_reader_keeps_its_publish(build_a: Settings) -> None:
    settings = build_a
    queries = ["select count(*), sum(likes), sum(engagement) from marts.fct_posts",
               "select count(*), sum(post_count) from marts.mart_polres_scorecard",
               "select count(*), sum(likes) from marts.fct_post_metrics_hourly"]
    with psycopg.connect(reader_conninfo(settings), autocommit=True) as reader:
        reader.execute("begin isolation level repeatable read")
        old = [reader.execute(q).fetchone() for q in queries]
        _change(settings)
        assert _publish(settings, "B").mode == "incremental"
        assert [reader.execute(q).fetchone() for q in queries] == old
        reader.execute("commit")
    with psycopg.connect(reader_conninfo(settings)) as fresh:
        new = [fresh.execute(q).fetchone() for q in queries]
    assert new != old
    assert new[0][0] == old[0][0] + 3 and new[0][1] > old[0][1]  # type: ignore[index,operator]
    assert new[1][1] == old[1][1] + new[1][0]  # type: ignore[index,operator]


def test_killed_publish_leaves_the_previous_build(build_a: Settings) -> None:
    settings = build_a
    before = _pg_tables(settings)
    log_before = _publish_log(settings)
    write_snapshot(settings.warehouse_path, posts=200_000)
    child_code = (
        "from pantau.publish.postgres import publish_postgres\n"
        "from pantau.settings import Settings\n"
        f"publish_postgres(Settings.from_env(), build_id='big', keys={KEYS!r})\n")
    child = subprocess.Popen([sys.executable, "-c", child_code], cwd=ROOT,
                             env={**os.environ, **settings.environment()},
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        def copying_posts() -> bool:
            assert child.poll() is None, f"the publish ended before it was killed: {child.stderr}"
            with _admin(settings) as admin:
                return admin.execute(
                    "select count(*) from pg_stat_activity where datname = %s and usename = %s "
                    "and state = 'active' and query ilike 'copy %%fct_posts\"%%'",
                    [settings.pg_database, settings.pg_writer]).fetchone()[0] > 0  # type: ignore[index]

        _wait_for(copying_posts, "the COPY into fct_posts", timeout=60)
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
    _wait_for(lambda: _writer_gone(settings), "the killed publish's session to end")
    assert _publish_log(settings) == log_before
    assert _pg_tables(settings) == before
    result = _publish(settings, "big")
    assert result.mode == "full"
    _assert_equal_to_warehouse(settings)


def _duck_publish_log(settings: Settings) -> list[tuple]:
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        return con.execute("select run_id, target, success, error from audit.publish_log "
                           'order by "at"').fetchall()
    finally:
        con.close()


def test_unreachable_postgres_fails_the_publish_but_not_the_snapshot(pg_database: Settings) -> None:
    write_snapshot(pg_database.warehouse_path)
    nowhere = pg_database.replace(pg_port=free_port())
    with pytest.raises(PostgresUnavailableError) as caught:
        publish(nowhere, run_id="run-1")
    message = str(caught.value)
    assert "PANTAU_PG_URL" in message and "pantau stack up" in message
    assert nowhere.published_path.exists()  # the DuckDB snapshot went out all the same
    log = _duck_publish_log(nowhere)
    assert [(r[0], r[1], r[2]) for r in log] == [("run-1", "duckdb", True),
                                                  ("run-1", "postgres", False)]
    assert "PANTAU_PG_URL" in log[1][3]
    result = publish(pg_database, run_id="run-2")
    assert result.postgres is not None and result.postgres.mode == "full"
    _assert_equal_to_warehouse(pg_database)
    assert [(r[0], r[1], r[2]) for r in _duck_publish_log(pg_database)][2:] == [
        ("run-2", "duckdb", True), ("run-2", "postgres", True)]


def test_upgrade_in_place_from_the_previous_release(pg_database: Settings) -> None:
    settings = pg_database
    write_snapshot(settings.warehouse_path)
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("create schema audit")
    con.execute("""create table audit.publish_log (
        run_id varchar not null, success boolean not null, published_path varchar not null,
        tables integer not null, total_rows bigint not null, seconds double not null,
        error varchar, "at" timestamp not null)""")
    con.execute("insert into audit.publish_log values ('old-run', true, '/old/published.duckdb', "
                "10, 1234, 0.5, null, timestamp '2026-01-01 00:00:00')")
    assert not con.execute("select count(*) from information_schema.tables "
                           "where table_name like 'pg\\_%' escape '\\'").fetchone()[0]  # type: ignore[index]
    con.close()
    result = publish(settings, run_id="new-run")
    assert result.postgres is not None and result.postgres.mode == "full"
    _assert_equal_to_warehouse(settings)
    assert [(r[0], r[1], r[2]) for r in _duck_publish_log(settings)] == [
        ("old-run", "duckdb", True), ("new-run", "duckdb", True), ("new-run", "postgres", True)]
