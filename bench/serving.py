"""Latency of the serving paths on a large snapshot: DuckDB, PostgreSQL, and the dashboard.

    .venv/bin/python bench/serving.py --posts 1000000

Writes a snapshot to the marts contract with ``--posts`` rows in ``fct_posts`` (the serving
tests' writer, ``tests/serving_snapshot.py``; the other marts follow from it) under
``.pantau/bench/serving/`` (or uses ``--snapshot PATH``, e.g. one ``pantau build`` published
from real data), publishes its marts into a fresh database of the local PostgreSQL (started when
it is not running, stopped again afterwards if it was started here; the database is dropped at
the end), then times, median of ``--repeat`` runs after one warm-up:

- one query (analyst guide question 1, engagement this week per Polres with the top post) in
  DuckDB in-process, through SQLAlchemy + duckdb-engine, in PostgreSQL with psycopg as the
  reader role (an open connection; and connect + query), and `pantau sql -c` and `psql -c` as
  whole commands (process start included);
- the analyst guide's twelve questions in DuckDB (the snapshot) and in PostgreSQL (psycopg, the
  reader role), side by side, median of ``--question-repeat`` runs after one warm-up;
- every dashboard JSON endpoint (the issue view's for the issue with the biggest network), and
  the page in headless Chromium until its charts are drawn.

Figures, not pass/fail. Needs the local PostgreSQL's programs (``make install``; with
``PANTAU_PG_URL`` set there is no local server to create a database in) and Debian's chromium and
chromedriver.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb
import psycopg
import sqlalchemy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pantau.connections.postgres import reader_conninfo, reader_password
from pantau.local.postgres import LocalPostgres
from pantau.publish.postgres import publish_postgres
from pantau.serve.dashboard import create_app
from pantau.serve.queries import ROUTES
from pantau.serve.server import start_in_thread as start_dashboard
from pantau.serve.snapshot import open_snapshot, sqlalchemy_url
from pantau.settings import PROJECT_DIR, Settings
from tests.serving_snapshot import write_snapshot

GUIDE = PROJECT_DIR / "docs" / "analyst-guide.md"
_BLOCK = re.compile(r"<!-- columns: [^>]+? -->\s*```sql\n(?P<sql>.*?)```", re.S)


def guide_questions() -> list[tuple[str, str]]:
    """(number, SQL) of each question of the analyst guide, in order (one text for both engines)."""
    text = GUIDE.read_text()
    found = []
    for match in _BLOCK.finditer(text):
        heading = re.findall(r"^## (.+)$", text[:match.start()], re.M)[-1]
        found.append((heading.split(".")[0], match.group("sql").strip().rstrip(";")))
    assert len(found) == 12, f"expected twelve questions in {GUIDE}, found {len(found)}"
    return found


def timed(run: Callable[[], object], repeat: int) -> float:
    run()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def publish_into_fresh_database(snapshot: Path, base: Settings, work: Path) -> tuple[Settings, bool]:
    """Publish the snapshot's marts into a new database of the local PostgreSQL.

    Publish reads the working warehouse and records what it sent there, so it gets a copy of the
    snapshot. Returns the settings of that database and whether the server was started here.
    """
    server = LocalPostgres(base)
    if not server.is_local:
        raise SystemExit("PANTAU_PG_URL is set: this benchmark creates its database in the local "
                         "PostgreSQL; unset it")
    started_here = server.pid() is None
    server.up(say=lambda message: print(f"[postgres] {message}"))
    name = f"bench_serving_{uuid.uuid4().hex[:8]}"
    server.create_database(name)
    warehouse = work / f"{name}.duckdb"
    shutil.copyfile(snapshot, warehouse)
    settings = Settings.from_env(base.environment(), pg_database=name, warehouse_path=warehouse)
    started = time.perf_counter()
    # keyed as after a dbt build (its manifest names the incremental models and their keys)
    result = publish_postgres(settings, build_id=f"bench-{name}", say=lambda _m: None,
                              keys={"fct_posts": "post_key", "fct_post_metrics_hourly": "post_key"})
    print(f"published {snapshot.name} into PostgreSQL database {name}: {result.rows:,} rows in "
          f"{time.perf_counter() - started:.1f}s")
    return settings, started_here


def drop_database(base: Settings, settings: Settings, started_here: bool) -> None:
    server = LocalPostgres(base)
    server.drop_database(settings.pg_database)
    settings.warehouse_path.unlink(missing_ok=True)
    if started_here:
        print(f"[postgres] {server.down()}")


def page_seconds(port: int, repeat: int) -> float:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--no-first-run", "--window-size=1400,1800"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        def load() -> None:
            driver.get(f"http://127.0.0.1:{port}/")
            WebDriverWait(driver, 120).until(
                lambda d: d.execute_script("return document.body.dataset.state") == "ready")

        return timed(load, repeat)
    finally:
        driver.quit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--question-repeat", type=int, default=3,
                        help="runs of each analyst guide question per engine (median; default 3)")
    parser.add_argument("--snapshot", type=Path, default=None,
                        help="time an existing published snapshot (e.g. one `pantau build` "
                        "published from real data) instead of writing a contract-shaped one")
    args = parser.parse_args()
    settings = Settings.from_env()
    work = settings.state_dir / "bench" / "serving"
    path = args.snapshot or work / f"published-{args.posts}.duckdb"
    if args.snapshot is not None and not path.exists():
        parser.error(f"no snapshot at {path}")
    if not path.exists():
        started = time.perf_counter()
        write_snapshot(path, posts=args.posts)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - started:.1f}s")
    questions = guide_questions()
    query = questions[0][1]
    results: list[tuple[str, float]] = []

    con = open_snapshot(path)
    results.append(("DuckDB in-process", timed(lambda: con.execute(query).fetchall(), args.repeat)))

    engine = sqlalchemy.create_engine(sqlalchemy_url(path))
    with engine.connect() as sa_con:
        results.append(("SQLAlchemy + duckdb-engine",
                        timed(lambda: sa_con.execute(sqlalchemy.text(query)).fetchall(),
                              args.repeat)))
    engine.dispose()

    work.mkdir(parents=True, exist_ok=True)
    pg_settings, started_here = publish_into_fresh_database(path, settings, work)
    side_by_side: list[tuple[str, float, float]] = []
    try:
        # The reader's password is given here rather than through its passfile, which holds
        # the line of the main database.
        dsn = reader_conninfo(pg_settings, passfile=False)
        password = reader_password(pg_settings)
        with psycopg.connect(dsn, password=password, autocommit=True) as pg_con:
            results.append(("PostgreSQL, psycopg as the reader (open connection)",
                            timed(lambda: pg_con.execute(query).fetchall(), args.repeat)))
            for number, sql in questions:
                side_by_side.append((
                    number,
                    timed(lambda s=sql: con.execute(s).fetchall(), args.question_repeat),
                    timed(lambda s=sql: pg_con.execute(s).fetchall(), args.question_repeat)))

        def connect_and_query() -> None:
            with psycopg.connect(dsn, password=password, autocommit=True) as fresh:
                fresh.execute(query).fetchall()

        results.append(("PostgreSQL, psycopg as the reader (connect + query)",
                        timed(connect_and_query, args.repeat)))
        env = {**os.environ, "PGPASSWORD": password}
        results.append(("psql -c as the reader (whole command)", timed(lambda: subprocess.run(
            ["psql", "-X", "-q", dsn, "-c", query], env=env, check=True, capture_output=True),
            args.repeat)))
    finally:
        con.close()
        drop_database(settings, pg_settings, started_here)

    env = {**os.environ, "PANTAU_PUBLISHED_PATH": str(path)}
    results.append(("pantau sql -c (whole command)", timed(lambda: subprocess.run(
        [sys.executable, "-m", "pantau.cli", "sql", "--format", "csv", "-c", query], env=env,
        check=True, capture_output=True), max(1, args.repeat // 2))))

    posts = duckdb.connect(str(path), read_only=True)
    busiest = posts.execute(  # the issue with the most accounts in its network
        "select scope_id from marts.mart_issue_amplifiers where scope_type = 'issue' "
        "group by scope_id order by count(*) desc, scope_id limit 1").fetchall()
    posts.close()
    issue_routes = ["/api/voice", "/api/voice?period=day",
                    *(f"/api/issue?alert_id={urllib.parse.quote(alert_id)}" for (alert_id,) in busiest)]
    with start_dashboard(create_app(path)) as web:  # FastAPI on uvicorn, open (no users)
        for route in [*ROUTES, *issue_routes]:
            url = f"http://127.0.0.1:{web.port}{route}"
            results.append((f"dashboard {route}", timed(lambda u=url: urllib.request.urlopen(
                u, timeout=120).read(), args.repeat)))
        results.append(("dashboard page in Chromium (until charts drawn)",
                        page_seconds(web.port, max(1, args.repeat // 2))))

    posts = duckdb.connect(str(path), read_only=True)
    count = posts.execute("select count(*) from marts.fct_posts").fetchall()[0][0]
    posts.close()
    print(f"\n{count:,} posts in fct_posts; median of {args.repeat} runs after a warm-up "
          f"({os.cpu_count()} cores)")
    for name, seconds in results:
        print(f"  {name:<52} {seconds * 1000:9.1f} ms")
    print(f"\nanalyst guide questions, median of {args.question_repeat} runs after a warm-up")
    print(f"  {'question':<10} {'DuckDB snapshot':>17} {'PostgreSQL':>17}")
    for number, in_duckdb, in_postgres in side_by_side:
        print(f"  {number:<10} {in_duckdb * 1000:14.1f} ms {in_postgres * 1000:14.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
