"""dbt kept warm between builds (``pantau build --follow``): the same worker builds again, the
warehouse is free between builds, a changed setting or a dead worker gives a new one, and a failed
build fails as a cold one does."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from pantau.connections import warehouse
from pantau.contract.reference import load_polres
from pantau.exceptions import BuildFailedError
from pantau.ingest import Loader
from pantau.orchestration.tasks import follow
from pantau.publish.postgres import table_keys
from pantau.publish.snapshot import snapshot_tables
from pantau.transform.dbt import dbt_build
from pantau.transform.warm import WarmDbt
from producers import Publisher, synthetic
from tests.support import query

pytestmark = pytest.mark.integration


def _produce(settings, count: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    with Publisher(settings, source="test") as publisher:
        assert publisher.publish_all(synthetic.generate(count, seed=seed)).ok


def _seeds_in_last_build(settings) -> set[str]:  # type: ignore[no-untyped-def]
    results = json.loads((settings.state_dir / "dbt" / "target" / "run_results.json").read_text())
    return {r["unique_id"].split(".")[2] for r in results["results"]
            if r["unique_id"].startswith("seed.")}


def test_a_warm_worker_builds_again_frees_the_warehouse_and_is_replaced_when_stale(
        settings, monkeypatch, capfd):
    """Also: a build loads the seeds again only when the warehouse lacks one or they changed
    (the fingerprint's cases: tests/unit/test_seed_fingerprint.py)."""
    seeds = {p.stem for p in (settings.dbt_project_dir / "seeds").glob("*.csv")}
    _produce(settings, 120, seed=41)
    Loader(settings).run()
    with WarmDbt(settings) as warm:
        first = dbt_build(settings, warm=warm)
        assert first.failed == 0 and first.passed > 100
        assert _seeds_in_last_build(settings) == seeds
        worker = warm.worker_pid
        assert worker is not None and worker != os.getpid()
        assert "Completed successfully" in (settings.state_dir / "dbt" / "build.log").read_text()
        assert "Running with dbt" not in capfd.readouterr().out  # the log has it, not stdout
        # the worker's `dbt parse` wrote the manifest (the PostgreSQL publish reads the marts'
        # keys from it); its builds write their run results, not the manifest again
        target = settings.state_dir / "dbt" / "target"
        parsed_at = (target / "manifest.json").stat().st_mtime_ns
        assert table_keys(settings)["fct_posts"] == "post_key"
        first_results = (target / "run_results.json").read_text()

        _produce(settings, 60, seed=42)  # the loader writes between builds: the lock is free
        assert Loader(settings).run().loaded == 60
        assert dbt_build(settings, warm=warm).failed == 0
        assert warm.worker_pid == worker  # the same process, dbt already loaded
        assert (target / "manifest.json").stat().st_mtime_ns == parsed_at
        assert (target / "run_results.json").read_text() != first_results
        assert query(settings, "select count(*) from marts.fct_posts") == [(180,)]
        assert _seeds_in_last_build(settings) == set()  # unchanged: not loaded again
        assert query(settings, "select count(*) from reference.polres") == [(len(load_polres()),)]

        os.kill(worker, signal.SIGKILL)  # killed between builds (out of memory, by hand)
        with pytest.raises(BuildFailedError, match="warm dbt worker died"):
            dbt_build(settings, warm=warm)

        # a mart tunable dbt reads changed: a new worker reads it; a reference table went
        # missing (a manual fix, a restore): the seeds are loaded again
        monkeypatch.setenv("PANTAU_VIRAL_MIN_ENGAGEMENT", "7")
        con = warehouse.connect(settings.warehouse_path)
        con.execute("drop table reference.polda")
        con.close()
        assert dbt_build(settings, warm=warm).failed == 0
        assert warm.worker_pid not in (None, worker)
        assert _seeds_in_last_build(settings) == seeds
        assert query(settings, "select count(*) from reference.polda")[0][0] > 30

        con = warehouse.connect(settings.warehouse_path)
        con.execute("update raw.social_posts set likes = -1 where event_id in "
                    "(select event_id from raw.social_posts limit 1)")
        con.close()
        with pytest.raises(BuildFailedError, match=r"stg_post_observations: error"):
            dbt_build(settings, warm=warm, full_refresh=True)
    # closed: nothing holds the warehouse
    warehouse.connect(settings.warehouse_path).close()


def test_follow_publishes_what_arrives_in_cycles_until_stopped(settings):
    settings = settings.replace(follow_interval_s=0.2)
    _produce(settings, 80, seed=43)
    stop = threading.Event()
    said: list[str] = []
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["builds"] = follow(settings, stop=stop, say=said.append)
        except BaseException as error:  # handed to the test thread
            outcome["error"] = error

    def published_posts() -> int:
        if not settings.published_path.exists():
            return 0
        return snapshot_tables(settings.published_path).get("fct_posts", 0)

    def wait_for(posts: int) -> None:
        deadline = time.monotonic() + 240
        while published_posts() < posts:
            assert thread.is_alive(), outcome
            assert time.monotonic() < deadline, said
            stop.wait(0.2)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        wait_for(80)
        _produce(settings, 40, seed=44)
        wait_for(120)
    finally:
        stop.set()
        thread.join(timeout=240)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome
    # one build per cycle that loaded something (the second batch may arrive over two cycles);
    # the cycles that loaded nothing built nothing
    builds = outcome["builds"]
    assert isinstance(builds, int) and 2 <= builds <= 3, said
    assert sum(" mart tables to " in line for line in said) == builds
    assert published_posts() == 120
