"""Running dbt on the working warehouse.

dbt runs in a child process (``python -m dbt.cli.main``): dbt-duckdb keeps its DuckDB connection
open for the life of the process, and a child that exits is the only way to be sure the
warehouse's write lock is released when the build is over.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pantau.exceptions import BuildFailedError
from pantau.settings import Settings


@dataclass(frozen=True)
class BuildResult:
    """Outcome of ``dbt build``: node counts by status."""

    passed: int
    failed: int
    skipped: int
    failures: tuple[str, ...]
    log_path: Path


def pseudonym_key(settings: Settings) -> str:
    """PANTAU_PSEUDONYM_KEY, or the key kept in ``<state>/pseudonym.key`` (created once, random,
    readable by its owner only), so the pseudonyms of the marts stay stable between builds."""
    key = os.environ.get("PANTAU_PSEUDONYM_KEY", "")
    if key:
        return key
    path = settings.state_dir / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def dbt_environment(settings: Settings) -> dict[str, str]:
    """The environment of a dbt run: the settings (profiles.yml reads PANTAU_WAREHOUSE_PATH;
    the models read the mart tunables and the pseudonym key), with dbt's target and logs in
    the state directory."""
    dbt_state = settings.state_dir / "dbt"
    return {
        **os.environ,
        **settings.environment(),
        "PANTAU_PSEUDONYM_KEY": pseudonym_key(settings),
        "DBT_PROFILES_DIR": str(settings.dbt_project_dir),
        "DBT_TARGET_PATH": str(dbt_state / "target"),
        "DBT_LOG_PATH": str(dbt_state / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def run_dbt(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``dbt <args>`` on the project; its console output goes to ``<state>/dbt/<cmd>.log``."""
    log_path = settings.state_dir / "dbt" / f"{args[0]}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        return subprocess.run(
            [sys.executable, "-m", "dbt.cli.main", *args,
             "--project-dir", str(settings.dbt_project_dir)],
            env=dbt_environment(settings), stdout=log, stderr=subprocess.STDOUT, text=True,
            check=False)


def dbt_build(settings: Settings, *, select: str | None = None) -> BuildResult:
    """Run ``dbt build`` (seeds, models, tests) against the working warehouse.

    Raises:
        BuildFailedError: dbt could not run, or a model or test failed; the message lists them
            and names the log.
    """
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    args = ["build", *(["--select", select] if select else [])]
    process = run_dbt(settings, *args)
    log_path = settings.state_dir / "dbt" / "build.log"
    results_path = settings.state_dir / "dbt" / "target" / "run_results.json"
    try:
        results = json.loads(results_path.read_text())["results"]
    except (OSError, ValueError, KeyError):
        results = []
    # unique ids look like "test.pantau.<name>.<hash>" and "model.pantau.<name>"
    statuses = [(r["unique_id"].split(".")[2], r["status"]) for r in results]
    failures = tuple(f"{name}: {status}" for name, status in statuses
                     if status in ("error", "fail", "runtime error"))
    result = BuildResult(
        passed=sum(status in ("success", "pass") for _, status in statuses),
        failed=len(failures),
        skipped=sum(status == "skipped" for _, status in statuses),
        failures=failures,
        log_path=log_path,
    )
    if process.returncode != 0:
        if not failures:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
            raise BuildFailedError(f"dbt build could not run (exit {process.returncode}); "
                                   f"last lines of {log_path}:\n{tail}")
        raise BuildFailedError(f"dbt build failed: {'; '.join(failures)} (log: {log_path})")
    return result
