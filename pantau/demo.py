"""`pantau demo`: the whole pipeline on local defaults, ending with a summary."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from pantau import airflow_local, warehouse
from pantau.settings import Settings

DAG_ID = "social_posts_pipeline"
EXAMPLE_QUERY = ("select polres_id, sum(post_count) as posts, sum(engagement) as engagement "
                 "from marts.mart_polres_engagement_daily group by all "
                 "order by engagement desc limit 5")


def run_demo(settings: Settings, *, count: int, seed: int | None,
             say: Callable[[str], None] = print) -> int:
    from pantau.stack import LocalKafka
    from producers import Publisher, synthetic

    started = time.monotonic()
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)

    say("[1/4] Kafka")
    LocalKafka(settings).up(say=lambda m: say(f"      {m}"))

    say(f"[2/4] Producing {count:,} synthetic posts (seed {seed})")
    with Publisher(settings, source="synthetic") as publisher:
        report = publisher.publish_all(synthetic.generate(count, seed=seed))
    say(f"      {report.summary()}")
    if not report.ok:
        return 1

    say("[3/4] Airflow: preparing the metadata database and the duckdb_writer pool")
    airflow_local.setup(settings)
    say(f"[4/4] Airflow: running DAG {DAG_ID} (ingest → dbt build → GX audit)")
    log_path = airflow_local.test_dag(settings, DAG_ID)
    say(f"      DAG run succeeded (log: {log_path})")

    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        marts = con.execute("""
            select table_name from information_schema.tables
            where table_schema = 'marts' order by table_name""").fetchall()
        raw_posts = warehouse.scalar(
            con, "select count(distinct platform || ':' || post_id) from raw.social_posts")
        rejected = warehouse.scalar(con, "select count(*) from raw.rejected_messages")
        counted = warehouse.scalar(
            con, "select sum(post_count) from marts.mart_polres_engagement_daily")
        say("")
        say(f"Done in {time.monotonic() - started:.0f}s. This run produced {report.sent:,} posts; "
            f"the warehouse now holds {raw_posts:,} posts from all runs "
            f"({rejected:,} rejected messages).")
        say("Rows per mart:")
        for (table,) in marts:
            rows = warehouse.scalar(con, f"select count(*) from marts.{table}")
            say(f"  marts.{table}: {rows:,} rows")
        say(f"  posts counted in marts.mart_polres_engagement_daily: {counted or 0:,}")
        if counted != raw_posts:
            say(f"MISMATCH: the mart counts {counted} posts but raw holds {raw_posts} — please "
                "report this with the log above.")
            return 1
        say("  = every post in the warehouse, counted once")
        say(f"Warehouse: {settings.warehouse_path}")
        say("Try:")
        say(f'  .venv/bin/pantau sql -c "{EXAMPLE_QUERY}"')
    finally:
        con.close()
    return 0
