"""Latency of the serving paths on a large snapshot: one query through each path, and the dashboard.

    .venv/bin/python bench/serving.py --posts 1000000

Writes a snapshot to the marts contract with ``--posts`` rows in ``fct_posts`` (the serving
tests' writer, ``tests/serving_snapshot.py``; the other marts follow from it) under
``.pantau/bench/serving/`` (or uses ``--snapshot PATH``, e.g. one ``pantau build`` published
from real data), then times, median of ``--repeat`` runs after one warm-up:

- one query (analyst guide question 1, engagement this week per Polres with the top post) in
  DuckDB in-process, through SQLAlchemy + duckdb-engine, through the Postgres endpoint with
  psycopg (an open connection; and connect + query), and `pantau sql -c` and `psql -c` as
  whole commands (process start included);
- every dashboard JSON endpoint, and the page in headless Chromium until its charts are drawn.

Figures, not pass/fail. Needs Debian's chromium and chromedriver (`make install`).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import duckdb
import psycopg
import sqlalchemy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pantau.serve.dashboard import ROUTES, create_app
from pantau.serve.pgwire import make_server as make_pg
from pantau.serve.pgwire import start_in_thread
from pantau.serve.server import start_in_thread as start_dashboard
from pantau.serve.snapshot import open_snapshot, sqlalchemy_url
from pantau.settings import PROJECT_DIR, Settings
from tests.serving_snapshot import write_snapshot

GUIDE = PROJECT_DIR / "docs" / "analyst-guide.md"


def question_one() -> str:
    block = re.search(r"## 1\..*?```sql\n(.*?)```", GUIDE.read_text(), re.S)
    assert block, "analyst guide question 1 not found"
    return block.group(1).strip().rstrip(";")


def timed(run: Callable[[], object], repeat: int) -> float:
    run()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


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
    parser.add_argument("--snapshot", type=Path, default=None,
                        help="time an existing published snapshot (e.g. one `pantau build` "
                        "published from real data) instead of writing a contract-shaped one")
    args = parser.parse_args()
    settings = Settings.from_env()
    path = args.snapshot or settings.state_dir / "bench" / "serving" / f"published-{args.posts}.duckdb"
    if args.snapshot is not None and not path.exists():
        parser.error(f"no snapshot at {path}")
    if not path.exists():
        started = time.perf_counter()
        write_snapshot(path, posts=args.posts)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - started:.1f}s")
    query = question_one()
    results: list[tuple[str, float]] = []

    con = open_snapshot(path)
    results.append(("DuckDB in-process", timed(lambda: con.execute(query).fetchall(), args.repeat)))
    con.close()

    engine = sqlalchemy.create_engine(sqlalchemy_url(path))
    with engine.connect() as sa_con:
        results.append(("SQLAlchemy + duckdb-engine",
                        timed(lambda: sa_con.execute(sqlalchemy.text(query)).fetchall(),
                              args.repeat)))
    engine.dispose()

    pg = make_pg(snapshot=path, host="127.0.0.1", port=0, user="bench", password="bench")
    start_in_thread(pg)
    dsn = f"host=127.0.0.1 port={pg.port} user=bench password=bench"
    with psycopg.connect(dsn, autocommit=True) as pg_con:
        results.append(("Postgres endpoint, psycopg (open connection)",
                        timed(lambda: pg_con.execute(query).fetchall(), args.repeat)))

    def connect_and_query() -> None:
        with psycopg.connect(dsn, autocommit=True) as fresh:
            fresh.execute(query).fetchall()

    results.append(("Postgres endpoint, psycopg (connect + query)",
                    timed(connect_and_query, args.repeat)))
    env = {**os.environ, "PGPASSWORD": "bench"}
    results.append(("psql -c (whole command)", timed(lambda: subprocess.run(
        ["psql", "-X", "-q", f"host=127.0.0.1 port={pg.port} user=bench", "-c", query],
        env=env, check=True, capture_output=True), args.repeat)))
    pg.shutdown()
    pg.server_close()

    env = {**os.environ, "PANTAU_PUBLISHED_PATH": str(path)}
    results.append(("pantau sql -c (whole command)", timed(lambda: subprocess.run(
        [sys.executable, "-m", "pantau.cli", "sql", "--format", "csv", "-c", query], env=env,
        check=True, capture_output=True), max(1, args.repeat // 2))))

    with start_dashboard(create_app(path)) as web:  # FastAPI on uvicorn, open (no users)
        for route in ROUTES:
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
