"""The local Airflow: its environment, one-time set-up, and DAG runs through the `airflow` CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pantau.exceptions import BuildFailedError, MissingToolError
from pantau.orchestration.dags import WRITER_POOL
from pantau.settings import PROJECT_DIR, Settings

__all__ = ["WRITER_POOL", "environment", "run", "setup", "test_dag"]


def environment(settings: Settings) -> dict[str, str]:
    """The environment of every Airflow process Pantau starts."""
    return {
        **os.environ,
        **settings.environment(),
        "AIRFLOW_HOME": str(settings.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_DIR / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def _airflow() -> str:
    candidate = Path(sys.executable).with_name("airflow")
    found = str(candidate) if candidate.exists() else shutil.which("airflow")
    if not found:
        raise MissingToolError("The `airflow` command was not found",
                               "run `make demo` (or `make install`) to install the project")
    return found


def run(settings: Settings, *args: str,
        log_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``airflow <args>``; its output goes to ``log_path`` when given."""
    command = [_airflow(), *args]
    if log_path is None:
        return subprocess.run(command, env=environment(settings), capture_output=True, text=True,
                              check=False)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        return subprocess.run(command, env=environment(settings), stdout=log,
                              stderr=subprocess.STDOUT, text=True, check=False)


def setup(settings: Settings) -> None:
    """Create the metadata database (idempotent) and the one-slot writer pool."""
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    logs = settings.state_dir / "logs"
    migrate = run(settings, "db", "migrate", log_path=logs / "airflow-db-migrate.log")
    if migrate.returncode != 0:
        raise BuildFailedError(f"`airflow db migrate` failed; see {logs / 'airflow-db-migrate.log'}")
    pool = run(settings, "pools", "set", WRITER_POOL, "1", "The one DuckDB warehouse writer")
    if pool.returncode != 0:
        raise BuildFailedError(f"creating the Airflow pool failed: {pool.stderr[-500:]}")


def test_dag(settings: Settings, dag_id: str) -> Path:
    """Run one DAG to completion in-process (`airflow dags test`); return its log file.

    Raises:
        BuildFailedError: the run failed; the message quotes the end of the log.
    """
    log_path = settings.state_dir / "logs" / f"{dag_id}.log"
    result = run(settings, "dags", "test", dag_id, log_path=log_path)
    text = log_path.read_text(errors="replace")
    if result.returncode != 0 or "state=success" not in text.split("DagRun Finished")[-1]:
        tail = "\n".join(line for line in text.splitlines()[-4000:]
                         if "ERROR" in line or "Error" in line or "failed" in line)[-3000:]
        raise BuildFailedError(f"DAG {dag_id} failed (exit {result.returncode}). Log: {log_path}"
                               f"\n{tail}")
    return log_path
