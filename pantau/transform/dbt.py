"""Running dbt on the working warehouse.

dbt runs in a child process (``python -m dbt.cli.main``): dbt-duckdb keeps its DuckDB connection
open for the life of the process, and a child that exits releases the warehouse's write lock when
the build is over. A long-lived worker (``pantau build --follow``) runs it instead in a process
kept warm between builds, which closes that connection after each (:mod:`pantau.transform.warm`).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pantau.exceptions import BuildFailedError
from pantau.keys import kept_secret
from pantau.settings import PROJECT_DIR, MartTunables, Settings
from pantau.transform.text.versions import model_version

if TYPE_CHECKING:
    from pantau.transform.warm import WarmDbt

log = logging.getLogger(__name__)


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
    return kept_secret(settings.state_dir / "pseudonym.key",
                       MartTunables.from_env().pseudonym_key,
                       make=lambda: secrets.token_hex(32))


def dbt_environment(settings: Settings) -> dict[str, str]:
    """The environment of a dbt run: the settings (profiles.yml reads PANTAU_WAREHOUSE_PATH),
    the mart tunables the models read (checked, defaults filled in) and the pseudonym key, with
    dbt's target and logs in the state directory.

    Raises:
        ConfigurationError: a mart tunable has the wrong form; the message names the variable.
    """
    dbt_state = settings.state_dir / "dbt"
    tunables = MartTunables.from_env()
    return {
        **os.environ,
        **settings.environment(),
        **tunables.environment(),
        # DuckDB's own default, made explicit: profiles.yml always names the folder
        "PANTAU_DBT_TEMP_DIRECTORY": (tunables.dbt_temp_directory
                                      or f"{settings.warehouse_path}.tmp"),
        "PANTAU_PSEUDONYM_KEY": pseudonym_key(settings),
        "DBT_PROFILES_DIR": str(settings.dbt_project_dir),
        "DBT_TARGET_PATH": str(dbt_state / "target"),
        "DBT_LOG_PATH": str(dbt_state / "logs"),
        # dbt's debug log file costs every build about a second at 1M posts (docs/scaling.md):
        # written only when PANTAU_DBT_LOG_LEVEL_FILE asks for it
        "DBT_LOG_LEVEL_FILE": tunables.dbt_log_level_file,
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


def observations_missing_from_raw(settings: Settings) -> int:
    """How many observations the incremental staging holds that raw no longer has.

    The incremental models only ever add what raw gained since their last run; rows deleted
    from raw (retention by the maintenance DAG, or bad rows removed by hand after a failed
    build) stay in them until a full refresh. Zero when the warehouse or staging is not built.

    Staging holds one row per event_id of raw up to its watermark (the latest ``ingested_at``
    it read), and the loader writes an event_id once, so the raw rows up to that watermark
    must number as many: fewer means rows went. Counting up to the watermark, not all of raw,
    keeps rows loaded since the last build from hiding a loss; the ``ingested_at`` filter
    skips most of raw by its zone maps, so the check costs milliseconds, not a scan of raw.
    """
    if not settings.warehouse_path.exists():
        return 0
    from pantau.connections import warehouse

    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        if not _holds_staging(con):
            return 0
        return int(warehouse.scalar(con, """
            with staged as (
                select count(*) as observations, max(ingested_at) as watermark
                from staging.stg_post_observations
            )
            select staged.observations - (
                select count(*) from raw.social_posts
                where raw.social_posts.ingested_at <= staged.watermark
            )
            from staged"""))
    finally:
        con.close()


def raw_slices(settings: Settings, since: datetime | None = None) -> list[datetime]:
    """Where a build cuts raw (PANTAU_DBT_BUILD_SLICE_ROWS): the last ``ingested_at`` of each
    slice but the last, which is the rest. Only raw ingested after ``since`` counts (the
    backlog of an incremental build; all of raw when None, as for a full build). Empty when
    that holds at most one slice (or the setting is 0): the build runs once.

    The cuts are quantiles of ``ingested_at``, so a slice holds about the setting's rows; the
    rows of one load share their ``ingested_at`` and so stay in one slice.
    """
    if not settings.dbt_build_slice_rows or not settings.warehouse_path.exists():
        return []
    from pantau.connections import warehouse

    after = "where ingested_at > ?" if since is not None else ""
    bound: list[object] = [since] if since is not None else []
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        rows = int(warehouse.scalar(con, f"select count(*) from raw.social_posts {after}",
                                    bound))
        slices = -(-rows // settings.dbt_build_slice_rows)
        if slices < 2:
            return []
        cuts = warehouse.scalar(
            con, f"select quantile_disc(ingested_at, ?) from raw.social_posts {after}",
            [[number / slices for number in range(1, slices)], *bound])
        newest = warehouse.scalar(con, "select max(ingested_at) from raw.social_posts")
    finally:
        con.close()
    return sorted({cut for cut in cuts if cut < newest})


def staged_until(settings: Settings) -> datetime | None:
    """The newest ``ingested_at`` staging holds (``stg_post_observations``): what an
    incremental build reads of raw starts after it. None when nothing is staged."""
    return _newest(settings, "staging", "stg_post_observations", "ingested_at")


def _newest(settings: Settings, schema: str, table: str, column: str) -> datetime | None:
    """The largest ``column`` of the model ``schema.table`` (a name from this module, never
    from input); None when the warehouse or the table does not exist, or holds no row."""
    if not settings.warehouse_path.exists():
        return None
    from pantau.connections import warehouse

    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        if not _holds(con, schema, table):
            return None
        newest: datetime | None = warehouse.scalar(
            con, f"select max({column}) from {schema}.{table}")
        return newest
    finally:
        con.close()


def _build_slice(settings: Settings, name: str, until: datetime, *, select: str, version: str,
                 full_refresh: bool, seeds: bool = False) -> None:
    """``dbt build --select <select>`` of raw up to ``until`` (an ``ingested_at``), without
    data tests (and seeds unless ``seeds``).

    Raises:
        BuildFailedError: the run failed; the message names the slice (``name``) and dbt's log.
    """
    process = run_dbt(
        settings, "build", "--select", select,
        "--exclude-resource-type", "unit_test", "--exclude-resource-type", "test",
        *([] if seeds else ["--exclude", "resource_type:seed"]),
        "--vars", json.dumps({"text_model_version": version,
                              "ingested_until": until.isoformat()}),
        *(["--full-refresh"] if full_refresh else []))
    if process.returncode != 0:
        failures = _failures(_run_results(settings))
        raise BuildFailedError(
            f"{name} (raw ingested up to {until.isoformat()}) failed (exit "
            f"{process.returncode}): {'; '.join(failures) or 'dbt could not run'} "
            f"(log: {settings.state_dir / 'dbt' / 'build.log'})")


def models_built_until(settings: Settings) -> datetime | None:
    """The newest ingestion the models after staging hold: ``fct_posts``' largest
    ``last_ingested_at`` (its watermark). None when it is not built or empty."""
    return _newest(settings, "marts", "fct_posts", "last_ingested_at")


def restage(settings: Settings, until: datetime, *, version: str) -> None:
    """Rebuild staging from raw up to ``until`` (an ``ingested_at``), in slices of raw
    (PANTAU_DBT_BUILD_SLICE_ROWS): the first from scratch, each next one only what its slice
    added, the last up to ``until``. Only the staging models run.

    For a build that failed part-way, after staging but before the models after it: staging
    then holds more of raw than they do, and since the models after staging read all that
    staging gained since their watermark, no slice of raw would bound what they read next
    (at 20M posts, ``fct_posts`` ran out of memory on two slices at once). Staging is a
    function of raw, so it is rebuilt as it was at their watermark; the build then catches up
    slice by slice with staging. The models that did finish in the failed build already hold
    the newest rows: they find nothing new to read.

    Raises:
        BuildFailedError: a slice of staging failed; the message names it and dbt's log.
    """
    cuts = [cut for cut in raw_slices(settings) if cut < until] + [until]
    log.info("staging holds more of raw than the models after it (a build that failed "
             "part-way; they hold raw up to %s): staging is rebuilt up to there in %d slices, "
             "then the build catches up slice by slice", until.isoformat(), len(cuts))
    for number, cut in enumerate(cuts, start=1):
        started = time.perf_counter()
        _build_slice(settings, f"staging slice {number} of {len(cuts)}", cut,
                     select="path:models/staging,config.materialized:incremental",
                     version=version, full_refresh=number == 1)
        log.info("staging slice %d of %d (raw ingested up to %s) staged in %.1f s: %s "
                 "observations", number, len(cuts), cut.isoformat(),
                 time.perf_counter() - started, f"{_staged(settings):,}")


def _holds_staging(con: Any) -> bool:
    """Whether the warehouse holds the models' first table (staging of the observations)."""
    return _holds(con, "staging", "stg_post_observations")


def _holds(con: Any, schema: str, table: str) -> bool:
    """Whether the warehouse holds the table ``schema.table`` (a table, not a view)."""
    from pantau.connections import warehouse

    return bool(warehouse.scalar(con, """
        select count(*) from information_schema.tables
        where table_schema = ? and table_name = ? and table_type = 'BASE TABLE'""",
                                 [schema, table]))


def _staged(settings: Settings) -> int:
    """The observations staging holds (``stg_post_observations``)."""
    from pantau.connections import warehouse

    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        return int(warehouse.scalar(con, "select count(*) from staging.stg_post_observations"))
    finally:
        con.close()


def build_slices(settings: Settings, cuts: list[datetime], *, version: str, full_refresh: bool,
                 seeds_loaded: bool, since: datetime | None = None) -> None:
    """Build the incremental models (and what they read) on raw up to each of ``cuts`` in turn,
    as incremental builds would have built them while raw was loaded: the first run from
    scratch (a full build) or from what the models hold (``since``: the backlog of an
    incremental build), each next one only what its slice added. No data tests run here; the
    build that follows (the last slice) tests every row it writes.

    Raises:
        BuildFailedError: a slice's run failed; the message names the slice and dbt's log. The
            models then hold the slices before it, and the next build goes on from there.
    """
    from pantau.connections import warehouse

    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        raw_rows = int(warehouse.scalar(con, "select count(*) from raw.social_posts"))
    finally:
        con.close()
    if since is None:
        log.info("raw holds %s observations, more than PANTAU_DBT_BUILD_SLICE_ROWS=%s: this "
                 "full build runs in %d slices of raw, in the order it was ingested",
                 f"{raw_rows:,}", f"{settings.dbt_build_slice_rows:,}", len(cuts) + 1)
    else:
        log.info("raw holds more than PANTAU_DBT_BUILD_SLICE_ROWS=%s observations ingested "
                 "since the last build (after %s): this build catches up in %d slices of raw, "
                 "in the order it was ingested", f"{settings.dbt_build_slice_rows:,}",
                 since.isoformat(), len(cuts) + 1)
    for number, until in enumerate(cuts, start=1):
        started = time.perf_counter()
        first = number == 1
        _build_slice(settings, f"slice {number} of {len(cuts) + 1} of the build", until,
                     select="+config.materialized:incremental", version=version,
                     full_refresh=first and full_refresh,
                     seeds=first and (full_refresh or not seeds_loaded))
        log.info("slice %d of %d (raw ingested up to %s) built in %.1f s: %s observations "
                 "staged of %s", number, len(cuts) + 1, until.isoformat(),
                 time.perf_counter() - started, f"{_staged(settings):,}", f"{raw_rows:,}")


def _yaml(text: str) -> Any:
    """``text`` parsed as YAML, by libyaml when PyYAML was built with it (its wheels are): the
    pure-Python parser took 1.5 s for the project's model files, at every build."""
    import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _incremental_models(project_dir: Path) -> dict[str, tuple[str, set[str]]]:
    """Every incremental model of the project (SQL and Python): name -> (schema, the columns its
    YAML declares).

    A model is incremental when its ``config`` says so, or when it says nothing and its
    folder's default in ``dbt_project.yml`` is incremental (the folder is the schema).
    """
    import re

    project = _yaml((project_dir / "dbt_project.yml").read_text())
    folders = project["models"]["pantau"]
    models: dict[str, tuple[str, set[str]]] = {}
    for sql in sorted([*(project_dir / "models").rglob("*.sql"),
                       *(project_dir / "models").rglob("*.py")]):
        folder = sql.relative_to(project_dir / "models").parts[0]
        default = (folders.get(folder) or {}).get("+materialized")
        found = re.search(r"materialized\s*=\s*['\"](\w+)['\"]", sql.read_text())
        if (found.group(1) if found else default) != "incremental":
            continue
        spec = sql.with_suffix(".yml")
        if not spec.is_file():
            continue
        for model in _yaml(spec.read_text()).get("models", []):
            if model["name"] == sql.stem:
                models[sql.stem] = (folder, {c["name"] for c in model.get("columns", [])})
    return models


def incremental_models_changed(settings: Settings) -> list[str]:
    """The incremental models whose table in the warehouse has other columns than this
    release's model declares (an upgrade added or renamed some): they must be rebuilt whole.
    Empty when the warehouse or the models are not built yet."""
    if not settings.warehouse_path.exists():
        return []
    from pantau.connections import warehouse

    declared = _incremental_models(PROJECT_DIR / "dbt_project")
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        rows = con.execute(
            "select table_schema, table_name, list(column_name) from information_schema.columns "
            "group by all").fetchall()
    finally:
        con.close()
    built = {(schema, table): set(columns) for schema, table, columns in rows}
    return sorted(name for name, (schema, columns) in declared.items()
                  if (schema, name) in built and built[(schema, name)] != columns)


def text_version_changed(settings: Settings, version: str) -> str | None:
    """The text version the warehouse's posts were read with, when it is not ``version`` (the
    models or rules changed since: every post must be read again); None when it is, or when
    nothing is built yet."""
    if not settings.warehouse_path.exists():
        return None
    from pantau.connections import warehouse

    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        has_column = warehouse.scalar(
            con, "select count(*) from information_schema.columns where table_schema = "
                 "'intermediate' and table_name = 'int_posts_enriched' "
                 "and column_name = 'model_version'")
        if not has_column:
            return None
        versions = [v for (v,) in con.execute(
            "select distinct model_version from intermediate.int_posts_enriched").fetchall()]
    finally:
        con.close()
    stale = sorted(v for v in versions if v != version)
    return ", ".join(v or "unknown" for v in stale) if stale else None


def _full_refresh_reason(settings: Settings, version: str) -> str | None:
    """Why every incremental model must be rebuilt whole, or None: raw lost observations, or the
    text models or rules changed."""
    missing = observations_missing_from_raw(settings)
    if missing:
        return f"raw lost {missing} observations since the last build (retention or a manual fix)"
    before = text_version_changed(settings, version)
    if before is not None:
        return (f"the text models or rules changed since the last build ({before} -> "
                f"{version}), every post is read again")
    return None


def models_downstream(settings: Settings, models: list[str]) -> list[tuple[str, str, str]]:
    """``(schema, name, materialization)`` of ``models`` and of every model downstream of them,
    as ``dbt ls`` selects them (``model+``).

    Raises:
        BuildFailedError: dbt could not list them; the message names its log.
    """
    process = run_dbt(settings, "ls", "--quiet", "--select", " ".join(f"{m}+" for m in models),
                      "--resource-type", "model", "--output", "json",
                      "--output-keys", "name schema config")
    log_path = settings.state_dir / "dbt" / "ls.log"
    if process.returncode != 0:
        raise BuildFailedError(f"dbt ls could not list the models downstream of "
                               f"{', '.join(models)} (exit {process.returncode}; log: {log_path})")
    found = []
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            node = json.loads(line)
            found.append((node["schema"], node["name"], node["config"]["materialized"]))
    return found


def rebuild_whole(settings: Settings, models: list[str]) -> list[str]:
    """Drop the tables of the incremental ``models`` and of the incremental models downstream of
    them, so that the next build builds them whole (a model without its table is built as in a
    full refresh) and leaves every other incremental model as it is. Returns the dropped
    models, by name.

    An upgrade in place that changes the columns of one model so rebuilds that model and what
    reads it, not the whole warehouse (at 20M posts a full build ran 75 minutes here without
    finishing: docs/scaling.md). A build
    that fails after the drop leaves the tables missing, and the next build builds them whole.
    """
    from pantau.connections import warehouse

    dropped = sorted((schema, name) for schema, name, materialized
                     in models_downstream(settings, models) if materialized == "incremental")
    con = warehouse.connect(settings.warehouse_path)
    try:
        con.execute("begin")
        for schema, name in dropped:
            con.execute(f'drop table if exists "{schema}"."{name}"')
        con.execute("commit")
    finally:
        con.close()
    return [name for _, name in dropped]


def seed_fingerprint(project_dir: Path) -> str:
    """A digest of what the seeds load: every file of the seeds folder (the CSVs and their YAML),
    the ``seeds`` configuration of ``dbt_project.yml`` and the versions of dbt and dbt-duckdb
    (whose seed materialisation writes the tables)."""
    import hashlib
    from importlib.metadata import version as installed

    digest = hashlib.sha256()
    seeds = project_dir / "seeds"
    for path in sorted(p for p in seeds.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(seeds)).encode() + b"\0" + path.read_bytes() + b"\0")
    project = _yaml((project_dir / "dbt_project.yml").read_text())
    digest.update(json.dumps(project.get("seeds"), sort_keys=True).encode())
    digest.update(f"dbt-core {installed('dbt-core')} dbt-duckdb {installed('dbt-duckdb')}".encode())
    return digest.hexdigest()


def _seeds_loaded(con: Any, project_dir: Path, fingerprint: str) -> bool:
    """Whether the warehouse holds every seed's table, loaded by a build of these same seeds."""
    from pantau.connections import warehouse

    names = {p.stem for p in (project_dir / "seeds").glob("*.csv")}
    tables = {name for (name,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'reference' "
        "and table_type = 'BASE TABLE'").fetchall()}
    loaded = warehouse.scalar(con, "select max(fingerprint) from ops.dbt_seed_state")
    return names <= tables and loaded == fingerprint


def _record_seeds(settings: Settings, fingerprint: str) -> None:
    from pantau.connections import warehouse

    con = warehouse.connect(settings.warehouse_path)
    try:
        con.execute("begin")
        con.execute("delete from ops.dbt_seed_state")
        con.execute("insert into ops.dbt_seed_state values (?, now()::timestamp)", [fingerprint])
        con.execute("commit")
    finally:
        con.close()


def _run_results_path(settings: Settings) -> Path:
    """dbt's ``run_results.json`` (under ``DBT_TARGET_PATH``, :func:`dbt_environment`)."""
    return settings.state_dir / "dbt" / "target" / "run_results.json"


def _run_results(settings: Settings) -> list[dict[str, Any]]:
    """The results of dbt's last run (``run_results.json``), none when it wrote none."""
    try:
        return list(json.loads(_run_results_path(settings).read_text())["results"])
    except (OSError, ValueError, KeyError):
        return []


def _failures(results: list[dict[str, Any]]) -> tuple[str, ...]:
    """:func:`_failure` of each node of ``results`` that errored or failed."""
    return tuple(_failure(r) for r in results if r["status"] in ("error", "fail", "runtime error"))


def _failure(result: dict[str, Any]) -> str:
    """``<node>: <status>``, with the cause for a model that failed (a constraint it broke, a
    schema change), from dbt's message."""
    line = f"{result['unique_id'].split('.')[2]}: {result['status']}"
    message = (result.get("message") or "").strip()
    if result["unique_id"].startswith("model.") and message:
        cause = " ".join(message.split())
        line += f" ({cause[:300]}{'…' if len(cause) > 300 else ''})"
    return line


def dbt_build(settings: Settings, *, select: str | None = None,
              full_refresh: bool | None = None, warm: WarmDbt | None = None) -> BuildResult:
    """Run ``dbt build`` (seeds, models, data tests; not the unit tests) against the working
    warehouse.

    Args:
        select: a dbt selection (default: everything).
        full_refresh: rebuild the incremental models from scratch; by default only when raw
            lost rows since the last build (:func:`observations_missing_from_raw`), so the marts
            never keep what raw no longer holds, or when the text models or rules changed
            (:func:`text_version_changed`). A full build, like the first build, runs in slices
            of raw when raw holds more than PANTAU_DBT_BUILD_SLICE_ROWS observations
            (:func:`build_slices`), and so does an incremental build when more than that
            many were ingested since the last build (:func:`staged_until`), staging first
            put back where the models after it are when a failed build left it ahead
            (:func:`restage`). When only some incremental models' columns changed since the
            warehouse was built (:func:`incremental_models_changed`: an upgrade in place),
            those and the incremental models downstream of them are rebuilt whole
            (:func:`rebuild_whole`) and the rest stay incremental: no manual step.
        warm: run dbt in this long-lived worker (:mod:`pantau.transform.warm`) instead of a
            new process.

    Raises:
        BuildFailedError: dbt could not run, or a model or test failed; the message lists them
            and names the log.
    """
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    from pantau.connections import warehouse

    # the raw tables as this release reads them, before dbt does: a warehouse of an earlier
    # release gains the new raw columns (author_created_at) even before the loader runs
    fingerprint = seed_fingerprint(settings.dbt_project_dir)
    con = warehouse.connect(settings.warehouse_path)
    try:
        warehouse.ensure_raw(con)
        seeds_loaded = _seeds_loaded(con, settings.dbt_project_dir, fingerprint)
    finally:
        con.close()
    version = model_version()  # the PANTAU_TEXT_* variables dbt's plugin reads too
    if full_refresh is None:
        reason = _full_refresh_reason(settings, version)
        full_refresh = reason is not None
        if reason is not None:
            log.info("%s: this build is a full refresh", reason)
        elif changed := incremental_models_changed(settings):
            rebuilt = rebuild_whole(settings, changed)
            log.info("the columns of %s changed since the warehouse was built (a new release): "
                     "this build rebuilds whole %s (the models downstream of them too); the "
                     "other incremental models stay incremental", ", ".join(changed),
                     ", ".join(rebuilt))
    # A build that would read more of raw than PANTAU_DBT_BUILD_SLICE_ROWS runs slice by slice,
    # the last slice being the build below: a full build (or the first) of a large raw, and an
    # incremental one with a large backlog (the build stopped for days while the loader ran, or
    # a sliced build that failed part-way and goes on from its last slice). The last slice
    # tests every row, as a full build does: the slices run no tests. (A build of a selection
    # is not sliced: the slices build every incremental model.)
    since = None if full_refresh else staged_until(settings)  # None: every row of raw
    # a sliced build that failed after staging: staging is put back where the models after it
    # are, so that the slices bound what those read (restage)
    if select is None and since is not None and (built := models_built_until(settings)) \
            and built < since and raw_slices(settings, built):
        restage(settings, built, version=version)
        since = built
    if select is None and (cuts := raw_slices(settings, since)):
        build_slices(settings, cuts, version=version, full_refresh=bool(full_refresh),
                     seeds_loaded=seeds_loaded, since=since)
        if full_refresh or not seeds_loaded:  # the first slice loaded them
            _record_seeds(settings, fingerprint)
        seeds_loaded = True
        settings = settings.replace(dbt_tests="all")  # the slices' rows are tested here
        full_refresh = False
        warm = None  # the warm worker's dbt runs with the environment it was started with
    # Seeds the warehouse already holds, unchanged since they were loaded, are not loaded again
    # (nor their tests run): the reference tables change only with the seed files, and
    # reloading seven of them added about a second to every build.
    skip_seeds = seeds_loaded and not full_refresh
    # The dbt unit tests (fixed rows in, rows out: the logic of the models) do not depend on
    # the warehouse's data, so they run in the test suite, not in every build (they added 2 to
    # 7 s to an incremental build whose floor is about 10 s).
    args = ["build", *(["--select", select] if select else []),
            "--exclude-resource-type", "unit_test",
            *(["--exclude", "resource_type:seed"] if skip_seeds else []),
            "--vars", json.dumps({"text_model_version": version}),
            *(["--full-refresh"] if full_refresh else [])]
    # a build that dbt could not run writes no results: never read an earlier build's instead
    _run_results_path(settings).unlink(missing_ok=True)
    returncode = warm.run(*args) if warm is not None else run_dbt(settings, *args).returncode
    log_path = settings.state_dir / "dbt" / "build.log"
    results = _run_results(settings)
    # unique ids look like "test.pantau.<name>.<hash>" and "model.pantau.<name>"
    statuses = [(r["unique_id"].split(".")[2], r["status"]) for r in results]
    failures = _failures(results)
    result = BuildResult(
        passed=sum(status in ("success", "pass") for _, status in statuses),
        failed=len(failures),
        skipped=sum(status == "skipped" for _, status in statuses),
        failures=failures,
        log_path=log_path,
    )
    if returncode != 0:
        if not failures:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
            raise BuildFailedError(f"dbt build could not run (exit {returncode}); "
                                   f"last lines of {log_path}:\n{tail}")
        raise BuildFailedError(f"dbt build failed: {'; '.join(failures)} (log: {log_path})")
    if not skip_seeds and select is None:
        _record_seeds(settings, fingerprint)
    return result
