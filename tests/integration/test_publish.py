"""Write-audit-publish on real Kafka, DuckDB, dbt and GX: atomic swaps under a reading process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pantau.connections import warehouse
from pantau.exceptions import BuildFailedError
from pantau.ingest import Loader
from pantau.orchestration import tasks as pipeline
from pantau.publish.snapshot import publish, snapshot_tables
from pantau.settings import PROJECT_DIR, Settings
from producers import Publisher, synthetic
from tests.snapshot_reader import read_state
from tests.support import query, sha256

pytestmark = pytest.mark.integration

CYCLES = 3  # the first publish creates the snapshot, the next two swap it under the reader
POSTS_PER_CYCLE = 40


def wait_for(condition, *, timeout_s: float, what: str, process=None) -> None:
    """Poll ``condition`` until true or the deadline; fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if process is not None and process.poll() is not None:
            pytest.fail(f"the reader exited ({process.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.05)


def produce_and_load(settings: Settings, seed: int) -> None:
    with Publisher(settings, source="test") as publisher:
        assert publisher.publish_all(synthetic.generate(POSTS_PER_CYCLE, seed=seed)).ok
    Loader(settings).run()


def announce_and_publish(settings: Settings, expected: Path, cycle: int) -> dict:
    """Build and audit, write the marts' state to ``expected`` BEFORE the swap, then publish."""
    built = pipeline.build(settings)
    pipeline.audit(settings, run_id=f"cycle-{cycle}", raw_watermark=built["raw_watermark"])
    state = read_state(settings.warehouse_path)  # what the reader must see after the swap
    [(raw_posts,)] = query(settings,
                           "select count(distinct (platform, post_id)) from raw.social_posts")
    assert state["posts_counted"] == raw_posts == POSTS_PER_CYCLE * (cycle + 1)
    with expected.open("a") as handle:
        handle.write(json.dumps({"cycle": cycle, "state": state}) + "\n")
    pipeline.publish(settings, run_id=f"cycle-{cycle}")
    return state


def test_a_reader_process_sees_only_whole_snapshots_during_three_build_cycles(settings, tmp_path):
    expected, out = tmp_path / "expected.jsonl", tmp_path / "reader"
    out.mkdir()
    expected.touch()
    states: list[dict] = []
    reader = subprocess.Popen(
        [sys.executable, "-m", "tests.snapshot_reader", str(settings.published_path),
         str(expected), str(out)], cwd=PROJECT_DIR)
    try:
        seen = out / "seen.jsonl"

        def reader_saw(state: dict) -> bool:
            return seen.exists() and json.dumps(state, sort_keys=True) in seen.read_text()

        wait_for((out / "ready").exists, timeout_s=60, what="the reader to start", process=reader)
        for cycle in range(CYCLES):
            produce_and_load(settings, seed=100 + cycle)
            states.append(announce_and_publish(settings, expected, cycle))
            # the next cycle starts only when the reader has read this one's snapshot
            wait_for(lambda: reader_saw(states[-1]), timeout_s=60,
                     what=f"the reader to see cycle {cycle}", process=reader)
        (out / "stop").touch()
        assert reader.wait(timeout=60) == 0
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    report = json.loads((out / "report.json").read_text())
    assert len(states) == CYCLES
    assert report["errors"] == []
    assert report["partial"] == []
    assert report["seen"] == states  # every snapshot, in order, each whole
    assert report["reads"] > CYCLES
    assert query(settings, "select target, count(*), bool_and(success) from audit.publish_log "
                           "group by target order by target") == [
        ("duckdb", CYCLES, True), ("postgres", CYCLES, True)]
    leftovers = [p.name for p in settings.published_path.parent.iterdir()
                 if p.name.endswith(".tmp") or p.name.endswith(".tmp.wal")]
    assert leftovers == []


def test_a_failed_publish_leaves_the_published_file_byte_for_byte_and_is_recorded(settings):
    settings.published_path.parent.mkdir(parents=True, exist_ok=True)
    con = warehouse.connect(settings.published_path)
    con.execute("create schema marts; create table marts.kept as select 42 as answer")
    con.close()
    before = sha256(settings.published_path)

    with pytest.raises(BuildFailedError, match="no tables in schema marts"):
        publish(settings, run_id="nothing-built")  # the working warehouse has no marts

    assert sha256(settings.published_path) == before
    assert snapshot_tables(settings.published_path) == {"kept": 1}
    assert query(settings, "select run_id, success from audit.publish_log") == [
        ("nothing-built", False)]
    assert [p.name for p in settings.published_path.parent.iterdir()
            if ".tmp" in p.name] == []
