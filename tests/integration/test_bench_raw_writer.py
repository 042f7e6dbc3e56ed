"""bench/raw_writer.py: scenario chunks written into raw through the loader's write path, killed
with SIGKILL midway, resumed from ``ops.kafka_offsets``, then built and audited.

Needs no broker: the rows carry the coordinates of a bench topic no broker holds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from bench.raw_writer import TOPIC, Stream, write_chunks, written_offsets
from pantau.orchestration import tasks
from pantau.settings import PROJECT_DIR, Settings
from tests.support import state_paths

BATCH = 500  # messages per transaction, so that a few thousand posts make several batches
STOP_AFTER = 2  # batches committed before the kill

#: The child: writes the chunks and, once its second batch has committed, says so and waits on
#: stdin, where the test kills it (no sleep: it is killed while it certainly holds two batches).
CHILD = """
import sys
from datetime import datetime
from bench.raw_writer import Stream, write_chunks
from pantau.settings import Settings

start, posts = datetime.fromisoformat(sys.argv[1]), int(sys.argv[2])
stream = Stream(start=start, posts_per_day=posts, seed=11, cast_posts=posts, campaigns_per_day=1)
committed = 0

def on_batch(batch, report):
    global committed
    committed += 1
    print(f"committed {committed} {batch.count}", flush=True)
    if committed == int(sys.argv[3]):
        sys.stdin.readline()  # the test kills us here

write_chunks(Settings.from_env(), stream.chunks(0, posts, chunk_posts=posts // 3),
             on_batch=on_batch)
print("finished", flush=True)
"""


def _settings(state: Path) -> tuple[Settings, dict[str, str]]:
    env = {**os.environ, "PANTAU_STATE_DIR": str(state), "PANTAU_INGEST_BATCH_SIZE": str(BATCH),
           "PANTAU_PG_PUBLISH": "false",
           **{Settings.env_name(name): str(path) for name, path in state_paths(state).items()}}
    return Settings.from_env(env), env


def test_raw_writer_resumes_after_kill_without_duplicates_and_the_build_passes(
        tmp_path: Path) -> None:
    settings, env = _settings(tmp_path / "state")
    posts = 3000
    start = (datetime.now(UTC) - timedelta(days=1)).replace(second=0, microsecond=0)
    stream = Stream(start=start, posts_per_day=posts, seed=11, cast_posts=posts,
                    campaigns_per_day=1)
    chunks = stream.chunks(0, posts, chunk_posts=posts // 3)
    assert [c.partition for c in chunks] == [0, 1000, 2000]
    expected = {chunk.partition: [json.loads(value)["event_id"] for _key, value in
                                  chunk.messages()] for chunk in chunks}
    total = sum(map(len, expected.values()))
    assert total > 4 * BATCH  # the kill comes before the end

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, start.isoformat(), str(posts), str(STOP_AFTER)],
        cwd=PROJECT_DIR, env={**env, "PYTHONPATH": str(PROJECT_DIR)},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        lines = [child.stdout.readline().split() for _ in range(STOP_AFTER)]
        assert [line[:2] for line in lines] == [["committed", "1"], ["committed", "2"]]
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL

    # what the killed writer left: exactly its two committed batches, offsets with them
    written = sum(int(line[2]) for line in lines)
    assert written == STOP_AFTER * BATCH
    assert written_offsets(settings) == {0: written}
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        assert con.execute("select count(*) from raw.social_posts").fetchone() == (written,)
    finally:
        con.close()

    resumed = write_chunks(settings, chunks)
    assert resumed.skipped == written
    assert resumed.ingest.loaded == total - written
    assert (resumed.ingest.rejected, resumed.ingest.duplicates) == (0, 0)
    assert written_offsets(settings) == {p: len(ids) for p, ids in expected.items()}

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute("""
            select kafka_partition, kafka_offset, event_id from raw.social_posts
            where kafka_topic = ? order by kafka_partition, kafka_offset""", [TOPIC]).fetchall()
        assert con.execute("select count(*) from raw.social_posts").fetchone() == (total,)
    finally:
        con.close()
    # each observation once, at the offset the scenario gave it: nothing doubled or missing
    assert rows == [
        (p, offset, event_id) for p, ids in expected.items()
        for offset, event_id in enumerate(ids)]

    # a rerun with everything written writes nothing
    again = write_chunks(settings, chunks)
    assert (again.ingest.loaded, again.skipped) == (0, total)

    built = tasks.build(settings, run_id="bench-raw-writer")
    assert built["failed"] == 0 and built["passed"] > 0
    audited = tasks.audit(settings, run_id="bench-raw-writer",
                          raw_watermark=built["raw_watermark"])
    assert audited["suites"]
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        fct_posts, raw_posts = con.execute("""
            select (select count(*) from marts.fct_posts),
                (select count(distinct (platform, post_id)) from raw.social_posts)""").fetchone()
    finally:
        con.close()
    assert fct_posts == raw_posts >= posts
