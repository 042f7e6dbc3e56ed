"""dbt kept warm between builds, for a long-lived worker (``pantau build --follow``).

A cold build (:func:`pantau.transform.dbt.run_dbt`) starts a new Python for every build, which
imports dbt, reads the parsed project back and loads the text models before the first query (at
1M posts, a build with nothing new took 13.3 s cold and 9.9 s warm). A warm runner pays that
once. One
spawned child process (a :class:`~concurrent.futures.ProcessPoolExecutor` of one worker) keeps
dbt imported, the project parsed (``dbtRunner(manifest=...)``) and the text models loaded, and
runs each ``dbt build`` in it. After each build it closes dbt-duckdb's DuckDB instance, so the
warehouse's write lock is free between builds as it is after a cold one (the loader, the audit
and publish need it).

The worker is replaced when what it holds could be stale: the project's files, the environment
dbt reads (settings, mart tunables, the pseudonym key) or the text models changed since it
started; after ``PANTAU_DBT_WARM_BUILDS`` builds (what dbt caches never grows without bound); or
when it died (the build fails with the reason, the next one starts a new worker).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType
from typing import Any

from pantau.exceptions import BuildFailedError
from pantau.settings import Settings

#: the worker's dbt: the runner holding the parsed project (a worker never outlives its key:
#: WarmDbt replaces the worker when what it parsed changed)
_RUNNER: Any | None = None
_LOG: list[Any] = []  # the open build log of the invocation under way (worker process only)
_LOG_LOCK = threading.Lock()


def _start_worker(environment: dict[str, str]) -> None:
    """In the worker: the environment of a dbt run (what ``run_dbt`` gives its child), and no
    standard output: dbt's console lines go to the build's log (:func:`_write_event`), as a
    cold build's do, not to the terminal or task log of the process that follows."""
    os.environ.clear()
    os.environ.update(environment)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # for the life of the worker


def _write_event(event: Any) -> None:
    """dbt's console lines (info and above) into the build's log, as a cold build writes them
    (dbt's threads call this at once: one line at a time)."""
    if event.info.level in ("info", "warn", "error"):
        with _LOG_LOCK:
            if _LOG:
                _LOG[0].write(f"{event.info.ts.ToDatetime():%H:%M:%S}  {event.info.msg}\n")


#: dbt's own console logger is off in the worker: its standard output goes nowhere, and the
#: build's log gets dbt's lines from the callback (_write_event). Formatting every line for
#: nothing cost a warm build about 0.4 s (1M posts, +1,000: 7.3-7.9 s with it, 6.6-7.4 s
#: without, alternating rounds; docs/scaling.md).
_QUIET = ["--log-level", "none"]
#: A build does not write dbt's manifest.json again: the worker's manifest is the one its
#: `dbt parse` wrote, and serialising it again took about 0.5 s of every warm build at 1M
#: posts. The build's run_results.json is written here instead (what Pantau reads).
_NO_ARTIFACTS = ["--no-write-json"]


def _invoke(project_dir: str, args: list[str], log_path: str) -> tuple[int, int]:
    """In the worker: run ``dbt <args>`` (parsing the project first if this worker has not);
    returns dbt's exit code (0 ok, 1 a node failed, 2 dbt could not run) and the worker's pid."""
    global _RUNNER
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    with open(log_path, "w", encoding="utf-8") as log:
        _LOG[:] = [log]
        try:
            if _RUNNER is None:
                parsed = dbtRunner(callbacks=[_write_event]).invoke(
                    ["parse", "--project-dir", project_dir, *_QUIET])
                if not parsed.success:
                    log.write(f"dbt parse failed: {parsed.exception}\n")
                    return 2, os.getpid()
                manifest = parsed.result  # `dbt parse` gives the Manifest
                _RUNNER = dbtRunner(manifest=manifest,  # type: ignore[arg-type]
                                    callbacks=[_write_event])
            result = _RUNNER.invoke(
                [*args, "--project-dir", project_dir, *_QUIET, *_NO_ARTIFACTS])
            written = getattr(result.result, "write", None)  # a RunExecutionResult's
            if written is not None:  # where dbt writes it when it writes artifacts
                written(str(Path(os.environ["DBT_TARGET_PATH"]) / "run_results.json"))
            if result.exception is not None:
                log.write(f"dbt could not run: {result.exception}\n")
                return 2, os.getpid()
            return (0 if result.success else 1), os.getpid()
        finally:
            with _LOG_LOCK:
                _LOG.clear()
            # the DuckDB instance dbt-duckdb keeps for the life of the process: closed, so the
            # warehouse's lock is free until the next build
            environment = DuckDBConnectionManager._ENV
            if environment is not None:
                environment.close()
                DuckDBConnectionManager._ENV = None


def _project_files(project_dir: Path) -> list[tuple[str, int, int]]:
    """(path, modification time, size) of every file dbt parses."""
    files = []
    for path in project_dir.rglob("*"):
        if path.suffix in (".sql", ".py", ".yml", ".yaml", ".csv", ".md") and path.is_file():
            stat = path.stat()
            files.append((str(path.relative_to(project_dir)), stat.st_mtime_ns, stat.st_size))
    return sorted(files)


class WarmDbt:
    """dbt in a worker process that outlives one build (use as a context manager)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool: ProcessPoolExecutor | None = None
        self._key: str | None = None
        self.worker_pid: int | None = None

    def _key_now(self, environment: dict[str, str]) -> str:
        from pantau.transform.text.versions import model_version

        dbt_reads = {k: v for k, v in environment.items()
                     if k.startswith(("PANTAU", "DBT_"))}
        return hashlib.sha256(json.dumps(
            [model_version(), dbt_reads, _project_files(self.settings.dbt_project_dir)],
            sort_keys=True).encode()).hexdigest()

    def run(self, *args: str) -> int:
        """Run ``dbt <args>`` in the worker; its console lines go to ``<state>/dbt/<cmd>.log``.
        Returns dbt's exit code.

        Raises:
            BuildFailedError: the worker died (killed, out of memory); the next call starts a
                new one.
        """
        from pantau.transform.dbt import dbt_environment

        environment = dbt_environment(self.settings)
        key = self._key_now(environment)
        if self._pool is None or key != self._key:
            self.close()
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(environment,),
                max_tasks_per_child=self.settings.dbt_warm_builds)
            self._key = key
        log_path = self.settings.state_dir / "dbt" / f"{args[0]}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            code, self.worker_pid = self._pool.submit(
                _invoke, str(self.settings.dbt_project_dir), list(args), str(log_path)).result()
        except BrokenProcessPool as error:
            self.close()
            raise BuildFailedError(
                f"the warm dbt worker died during the build ({error}); the next build starts "
                f"a new one (log: {log_path})") from None
        return code

    def close(self) -> None:
        """Stop the worker (its DuckDB instance is already closed after each build)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._key = None

    def __enter__(self) -> WarmDbt:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
