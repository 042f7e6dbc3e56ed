"""A reader of the published snapshot, run as its own process by the publish test.

    python -m tests.snapshot_reader PUBLISHED EXPECTED_JSONL OUT_DIR

Loops until ``OUT_DIR/stop`` exists (idle while nothing is published yet): opens the snapshot
read-only, reads every mart table's row count (and the number of posts) in one connection,
closes it. Each state read must be one of the states the writer announced in ``EXPECTED_JSONL``
before publishing it; a state never announced is a partial one. Appends every newly seen state
to ``OUT_DIR/seen.jsonl`` (the test waits on it) and writes ``OUT_DIR/report.json`` at the end.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb


def read_state(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by table_name").fetchall()]
        state = {t: con.execute(f'select count(*) from marts."{t}"').fetchall()[0][0]
                 for t in tables}
        # the posts of this snapshot: one row each in fct_posts; before the marts of issue 6,
        # the engagement mart's count (each simple synthetic post names one precinct)
        state["posts_counted"] = state["fct_posts"] if "fct_posts" in state else con.execute(
            "select sum(post_count)::bigint from marts.mart_polres_engagement_daily"
        ).fetchall()[0][0]
        return state
    finally:
        con.close()


def announced(expected: Path) -> list[dict]:
    return [json.loads(line)["state"] for line in expected.read_text().splitlines() if line]


def main() -> int:
    published, expected, out = (Path(arg) for arg in sys.argv[1:4])
    reads, errors, partial, seen = 0, [], [], []
    (out / "ready").touch()
    while not (out / "stop").exists():
        if not seen and not published.exists():
            time.sleep(0.005)  # nothing published yet; pacing, not synchronisation
            continue
        try:
            state = read_state(published)
        except Exception as error:  # any error is a finding, not a crash of the reader
            errors.append(f"{type(error).__name__}: {error}")
            continue
        reads += 1
        if state not in seen:
            if state not in announced(expected):
                partial.append(state)
            seen.append(state)
            with (out / "seen.jsonl").open("a") as handle:
                handle.write(json.dumps(state, sort_keys=True) + "\n")
        time.sleep(0.005)  # pacing, not synchronisation: leave the writer some CPU
    (out / "report.json").write_text(json.dumps(
        {"reads": reads, "errors": errors, "partial": partial, "seen": seen}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
