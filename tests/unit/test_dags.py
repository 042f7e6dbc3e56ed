"""Every DAG file imports cleanly, fast, with nothing heavy at import; DAGs carry tags, retries
with backoff, the failure callback, the writer pool and a docstring."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pantau.orchestration.alerts import on_failure_callback
from pantau.orchestration.dags import DAG_IDS, RAW_POSTS_URI, WRITER_POOL
from pantau.settings import PROJECT_DIR

DAG_FILES = sorted((PROJECT_DIR / "dags").glob("*.py"))
HEAVY_MODULES = ("duckdb", "great_expectations", "dbt", "kafka", "pandas", "pyarrow",
                 "pantau.ingest.loader", "pantau.quality.audit", "pantau.publish.snapshot",
                 "pantau.transform.text")
#: Tasks that never open the warehouse (notify reads the delivery ledger only).
READS_NO_WAREHOUSE = {"notify"}

#: Imports airflow.sdk first (the DAG processor has it loaded already, and on a busy machine it
#: alone can take seconds), then times the DAG file itself and lists the heavy modules it pulled.
_MEASURE = """
import json, runpy, sys, time
import airflow.sdk
before = set(sys.modules)
started = time.perf_counter()
runpy.run_path(sys.argv[1])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "new": sorted(set(sys.modules) - before)}))
"""


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_DIR / "dags"))


def test_the_three_dags_and_nothing_else(dagbag):
    assert sorted(dagbag.dags) == sorted(DAG_IDS)
    assert {Path(p).stem for p in map(str, DAG_FILES)} == set(DAG_IDS)


def test_no_import_errors_at_all(dagbag):
    assert dagbag.import_errors == {}


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_imports_cleanly_and_carries_tags_retries_callback_pool_and_docs(dagbag, path):
    assert str(path) not in dagbag.import_errors, dagbag.import_errors.get(str(path))
    dags = [dag for dag in dagbag.dags.values() if Path(dag.fileloc) == path]
    assert len(dags) == 1, f"{path.name} must define exactly one DAG"
    dag = dags[0]
    assert dag.dag_id == path.stem, f"{path.name}: the DAG id should be the file name"
    assert dag.tags, f"{path.name}: no tags"
    assert dag.doc_md and len(dag.doc_md) > 200, f"{path.name}: no docstring for the UI"
    assert dag.catchup is False, f"{path.name}: must not catch up"
    assert dag.max_active_runs == 1, f"{path.name}: one run at a time"
    for task in dag.tasks:
        where = f"{path.name}: task {task.task_id}"
        assert task.retries >= 1, f"{where} has no retries"
        assert task.retry_exponential_backoff >= 2, f"{where} retries without backoff"
        assert task.max_retry_delay, f"{where} has no longest retry delay"
        if task.task_id in READS_NO_WAREHOUSE:
            assert task.pool != WRITER_POOL, f"{where} would hold the writer slot while it sends"
        else:
            assert task.pool == WRITER_POOL, f"{where} writes the warehouse outside the pool"
        assert on_failure_callback in (task.on_failure_callback or []), (
            f"{where} raises no alert when it fails")


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_imports_in_under_two_seconds_without_heavy_modules(path):
    measured = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True,
                              text=True, check=True, cwd=PROJECT_DIR)
    report = json.loads(measured.stdout.strip().splitlines()[-1])
    assert report["seconds"] < 2.0, f"{path.name} took {report['seconds']:.2f}s to import"
    heavy = [m for m in report["new"] if m.split(".")[0] in HEAVY_MODULES or m in HEAVY_MODULES]
    assert not heavy, f"{path.name} imports heavy modules at parse time: {heavy}"


def test_schedules_link_the_dags_through_the_raw_posts_asset(dagbag):
    ingest, build, upkeep = (dagbag.dags[d] for d in DAG_IDS)
    assert "expression='* * * * *'" in repr(ingest.timetable)
    assert [o.uri for o in ingest.get_task("ingest").outlets] == [RAW_POSTS_URI]
    assert "AssetTriggeredTimetable" in repr(build.timetable)
    assert f"uri='{RAW_POSTS_URI}'" in repr(build.timetable)
    assert [t.task_id for t in build.topological_sort()] == ["build", "audit", "publish", "notify"]
    assert "expression='0 0 * * *'" in repr(upkeep.timetable)
    assert {t.task_id for t in upkeep.tasks} == {"retention", "checkpoint", "kafka_lag"}
