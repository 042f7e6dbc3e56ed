"""Publishing the marts into PostgreSQL: the first publish of a large warehouse, then an
incremental one after new posts.

The warehouse is contract-shaped (tests/serving_snapshot.py writes the marts of N posts, the way
the serving benchmark does), so no broker and no dbt build are needed: the figures are the
publish's own. After the first (full) publish, ``--new`` posts are added to ``fct_posts`` and
``fct_post_metrics_hourly`` and the aggregate marts are rewritten, as an incremental dbt build
would, then the publish runs again and sends only those.

    .venv/bin/python bench/publish_pg.py --posts 5000000 --new 100000

Needs the local PostgreSQL (`pantau stack up`); it publishes into a database of its own
(``pantau_bench``), dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pantau.connections import warehouse
from pantau.local.postgres import LocalPostgres
from pantau.publish.postgres import publish_postgres
from pantau.settings import Settings
from tests.serving_snapshot import write_snapshot

KEYS = {"fct_posts": "post_key", "fct_post_metrics_hourly": "post_key"}


def _add_posts(path: Path, new: int) -> None:
    """``new`` posts more, as an incremental build leaves them: new rows in the two keyed
    tables, and every aggregate mart rebuilt with every row changed (the worst case: new posts
    move every rank and share)."""
    con = warehouse.connect(path)
    try:
        con.execute(f"""
            create temp table new_posts as
            select * replace (post_key || '-new' as post_key, post_id || 'n' as post_id)
            from marts.fct_posts using sample {new} rows (reservoir, 7)""")
        con.execute("insert into marts.fct_posts select * from new_posts")
        con.execute("""
            insert into marts.fct_post_metrics_hourly
            select h.* replace (h.post_key || '-new' as post_key)
            from marts.fct_post_metrics_hourly as h
            semi join new_posts as n on h.post_key || '-new' = n.post_key""")
        for (table,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "and table_name not in ('fct_posts', 'fct_post_metrics_hourly')").fetchall():
            numeric = con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? and data_type in ('BIGINT', 'INTEGER', 'DOUBLE') "
                "order by ordinal_position limit 1", [table]).fetchall()
            changed = f'"{numeric[0][0]}" + 1' if numeric else None
            con.execute(f'create or replace table marts."{table}" as select * '
                        + (f'replace ({changed} as "{numeric[0][0]}") ' if changed else "")
                        + f'from marts."{table}"')
        con.execute("checkpoint")
    finally:
        con.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database pantau_bench")
    args = parser.parse_args()

    base = Settings.from_env()
    server = LocalPostgres(base)
    server.up(say=lambda m: print(f"  {m}"))
    workdir = Path(tempfile.mkdtemp(prefix="pantau-bench-pg-"))
    settings = Settings.from_env({**base.environment(), "PANTAU_STATE_DIR": str(workdir)},
                                 pg_dir=base.pg_dir, pg_database="pantau_bench",
                                 warehouse_path=workdir / "warehouse.duckdb")
    server.drop_database("pantau_bench")
    server.create_database("pantau_bench")
    try:
        started = time.perf_counter()
        write_snapshot(settings.warehouse_path, posts=args.posts)
        print(f"wrote a warehouse of {args.posts:,} posts in {time.perf_counter() - started:.1f}s")
        first = publish_postgres(settings, build_id="bench-1", keys=KEYS, say=lambda _m: None)
        print(f"first publish ({first.mode}): {first.rows:,} rows in {first.seconds:.1f}s")
        for name, delta in first.tables.items():
            print(f"  {name:32} {delta.mode:9} {delta.inserted:>12,}")
        _add_posts(settings.warehouse_path, args.new)
        second = publish_postgres(settings, build_id="bench-2", keys=KEYS, say=lambda _m: None)
        print(f"incremental publish after {args.new:,} new posts ({second.mode}): "
              f"{second.rows:,} rows in {second.seconds:.2f}s")
        for name, delta in second.tables.items():
            print(f"  {name:32} {delta.mode:9} {delta.inserted:>12,}")
        third = publish_postgres(settings, build_id="bench-3", keys=KEYS, say=lambda _m: None)
        print(f"publish with nothing changed in the keyed tables: {third.rows:,} rows in "
              f"{third.seconds:.2f}s")
    finally:
        if not args.keep:
            server.drop_database("pantau_bench")
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
