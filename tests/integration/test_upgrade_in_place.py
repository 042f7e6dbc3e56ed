"""Upgrade in place: a warehouse built by a previous release, then this release's build on it.

The previous releases are commit ``311b96b`` (the last one: no model's columns changed since, so
this release rebuilds no incremental model), ``2c08c8b`` (the one before: the network models
without ``built_at``, so this release rebuilds those five models whole and leaves every other
incremental model as it was) and the older ``e1b519d`` (Polres-only attribution and marts, before the national
and Polda grains, the incremental aggregate marts, the network models, the package layout in
subpackages and publishing into PostgreSQL; the releases between the two, such as ``81cd25f``
with the aggregate marts as tables, differ from today's in a subset of what it does, and each
case costs CI some 45 s). Each tree is extracted from git history and run
as a child process with the same interpreter (``PYTHONPATH`` and ``cwd`` point at the extracted
tree, so its own ``pantau`` package, dbt project and text models are used): it produces 300
synthetic posts, ingests them and builds. Then this release produces and ingests 100 more and runs
``build_audit_publish`` on the same state directory, warehouse and snapshot, with no manual step in
between; every model then equals a ``--full-refresh`` build of this release. Needs a git clone with
history: without the commit the test fails, it does not skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pantau.connections import warehouse
from pantau.connections.postgres import reader_count
from pantau.ingest.loader import Loader
from pantau.orchestration.tasks import build_audit_publish
from pantau.settings import PROJECT_DIR, Settings
from pantau.transform.dbt import _incremental_models, dbt_build
from producers import Publisher, synthetic
from tests.support import model_rows, query

pytestmark = pytest.mark.integration

#: The releases a warehouse may come from: the last one, the one before, and the oldest that has
#: to keep working (Polres-only, before the layout moved).
PREVIOUS_RELEASES = ("311b96b", "2c08c8b", "e1b519d")
#: The incremental models an upgrade from a release rebuilds whole (their columns changed since,
#: or they are downstream of one that did), and no other: none since the last release; the
#: network models (their built_at) since the one before.
REBUILT_BY_THE_UPGRADE = {
    "311b96b": set(),
    "2c08c8b": {"int_network_interactions", "int_network_communities", "mart_network_edges",
                "mart_network_communities", "mart_issue_amplifiers"},
}

#: The incremental models new since those releases (built whole by the upgrade's first build).
NEW_SINCE_THE_RELEASES = {
    "int_campaign_components", "int_issue_cluster_conversations", "int_issue_summaries"}


def _mark_incremental_tables(settings: Settings) -> set[str]:
    """Comment every incremental model's table (dbt keeps no comments here: persist_docs is off),
    so that a table dropped and built again shows by the comment it lost; the tables marked."""
    incremental = _incremental_models(PROJECT_DIR / "dbt_project")
    marked = set()
    con = warehouse.connect(settings.warehouse_path)
    try:
        for schema, name in con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where schema_name in ('staging', 'intermediate', 'marts')").fetchall():
            if name in incremental:
                con.execute(f"comment on table {schema}.{name} is 'before the upgrade'")
                marked.add(name)
    finally:
        con.close()
    return marked


def _incremental_tables_since(settings: Settings, marked: set[str]) -> tuple[set[str], set[str]]:
    """The incremental models' tables built again since :func:`_mark_incremental_tables` (the
    marked ones that lost their comment), and those created since (models new to the release)."""
    incremental = _incremental_models(PROJECT_DIR / "dbt_project")
    tables = {name: comment for name, comment in query(
        settings, "select table_name, comment from duckdb_tables() "
                  "where schema_name in ('staging', 'intermediate', 'marts')")
        if name in incremental}
    rebuilt = {name for name in marked if tables.get(name) != "before the upgrade"}
    return rebuilt, set(tables) - marked


OLD_POSTS = 300
NEW_POSTS = 100


def _model_rows(settings: Settings) -> dict[str, list[tuple]]:
    """Every table of the dbt schemas, its rows sorted (without the build times)."""
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        return model_rows(con)
    finally:
        con.close()


def _git(*args: str, **kwargs: object) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=PROJECT_DIR, check=False, **kwargs)  # type: ignore[call-overload]


def extract_previous_release(target: Path, release: str) -> None:
    """``git archive <release> | tar -x -C target``; fails clearly when the history lacks it."""
    if _git("cat-file", "-e", f"{release}^{{commit}}", capture_output=True).returncode:
        pytest.fail(f"commit {release} (a previous release) is not in this checkout's "
                    "git history: the upgrade test needs a clone with history "
                    "(git fetch --unshallow, or clone without --depth)")
    target.mkdir(parents=True)
    archive = subprocess.Popen(["git", "archive", release], cwd=PROJECT_DIR,
                               stdout=subprocess.PIPE)
    untar = subprocess.run(["tar", "-x", "-C", str(target)], stdin=archive.stdout,
                           capture_output=True, check=False)
    assert archive.stdout is not None
    archive.stdout.close()
    assert archive.wait() == 0 and untar.returncode == 0, untar.stderr


def old_pantau(old: Path, settings: Settings, *args: str, timeout: float = 300) -> str:
    """Run the previous release's ``pantau <args>`` with this venv's interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env.update(settings.environment())
    env["PYTHONPATH"] = str(old)
    done = subprocess.run([sys.executable, "-m", "pantau.cli", *args], cwd=old, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, (
        f"the previous release's `pantau {' '.join(args)}` failed ({done.returncode}):\n"
        f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


@pytest.mark.parametrize("release", PREVIOUS_RELEASES)
def test_this_release_builds_and_publishes_on_the_previous_release_warehouse(settings, tmp_path,
                                                                             release):
    started = time.monotonic()
    old = tmp_path / "old"
    extract_previous_release(old, release)

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")},
           "PYTHONPATH": str(old)}
    picked = subprocess.run([sys.executable, "-c", "import pantau; print(pantau.__file__)"],
                            cwd=old, env=env, capture_output=True, text=True, check=True)
    assert Path(picked.stdout.strip()).resolve() == (old / "pantau" / "__init__.py").resolve(), (
        f"the child imported {picked.stdout.strip()}, not the previous release under {old}")

    # The previous release: 300 posts produced, ingested and built (it publishes the snapshot).
    steps: dict[str, float] = {}
    for name, args in (("produce", ("produce", "synthetic", "--count", str(OLD_POSTS))),
                       ("ingest", ("ingest",)), ("build", ("build",))):
        step = time.monotonic()
        old_pantau(old, settings, *args)
        steps[f"old {name}"] = time.monotonic() - step
    [(old_posts,)] = query(settings, "select count(*) from marts.fct_posts")
    assert old_posts == OLD_POSTS
    old_runs = {run for (run,) in query(settings, "select run_id from audit.publish_log")}
    assert old_runs, "the previous release recorded no publish"
    assert settings.published_path.exists()

    [(old_ingested,)] = query(settings, "select max(ingested_at) from raw.social_posts")
    marked = _mark_incremental_tables(settings)

    # This release, on the same state directory: 100 more posts, then build, audit and publish.
    # half of them with the contract's optional account creation time (revision 1.1)
    new_events = list(synthetic.generate(NEW_POSTS, seed=20260101))
    for event in new_events[::2]:
        event["author"]["created_at"] = "2020-02-02T02:02:02Z"
    with Publisher(settings, source="test") as publisher:
        assert publisher.publish_all(new_events).ok
    Loader(settings).run()
    step = time.monotonic()
    # a run id of this release alone: PostgreSQL (the session's test database, which the other
    # release's case published into too) skips a build id it already holds
    run_id = f"upgrade-from-{release}"
    result = build_audit_publish(settings, run_id=run_id, say=print)
    steps["new build_audit_publish"] = time.monotonic() - step
    assert result["publish"]["postgres"], "the build did not publish into PostgreSQL"
    if release in REBUILT_BY_THE_UPGRADE:
        # only the models whose columns changed, and those downstream of them, were rebuilt
        # (a model new to this release is built whole: it has no table to keep)
        rebuilt, created = _incremental_tables_since(settings, marked)
        assert rebuilt == REBUILT_BY_THE_UPGRADE[release], rebuilt
        assert created == NEW_SINCE_THE_RELEASES, created

    log = query(settings, "select run_id, target, success from audit.publish_log order by \"at\"")
    for run, target, success in log:
        if run in old_runs:
            assert target in ("duckdb", "postgres") and success, (run, target, success)
    new_rows = {(target, success) for run, target, success in log if run == run_id}
    assert new_rows == {("duckdb", True), ("postgres", True)}, log

    [(posts, distinct)] = query(
        settings, "select count(*), count(distinct (platform, post_id)) from marts.fct_posts")
    assert posts == distinct == OLD_POSTS + NEW_POSTS
    [(raw,)] = query(settings, "select count(distinct (platform, post_id)) from raw.social_posts")
    assert raw == OLD_POSTS + NEW_POSTS

    import duckdb

    snapshot = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        [(published,)] = snapshot.execute("select count(*) from marts.fct_posts").fetchall()
    finally:
        snapshot.close()
    assert published == OLD_POSTS + NEW_POSTS
    assert reader_count(settings, "marts.fct_posts") == OLD_POSTS + NEW_POSTS

    # the new grains and columns, on the old posts too (no manual step, no full refresh asked)
    [(levels, posts_with_level)] = query(settings, """
        select list(distinct unit_level order by unit_level), count(unit_level)
        from marts.fct_posts""")
    assert set(levels) <= {"national", "polda", "polres"} and posts_with_level > 0
    [(grains,)] = query(settings, "select list(distinct unit_level order by unit_level) "
                                  "from marts.mart_unit_scorecard")
    assert grains == ["national", "polda", "polres"]
    [(polres_rows, unit_polres_rows)] = query(settings, """
        select (select count(*) from marts.mart_polres_scorecard),
               (select count(*) from marts.mart_unit_scorecard where unit_level = 'polres')""")
    assert polres_rows == unit_polres_rows > 0
    # the analysts' corrections table and label_source (issue 16) arrive with no manual step too
    [(model_rows,)] = query(settings, "select count(*) from marts.fct_posts "
                                      "where label_source = 'model'")
    assert model_rows == OLD_POSTS + NEW_POSTS
    assert query(settings, "select count(*) from audit.label_corrections") == [(0,)]
    # the account creation time (contract revision 1.1): a new raw column, filled for the new
    # events that carry it, empty for the old rows and the events without it
    [(with_age, without_age)] = query(settings, """
        select count(*) filter (where author_created_at = timestamp '2020-02-02 02:02:02'),
               count(*) filter (where author_created_at is null)
        from marts.fct_posts""")
    assert (with_age, without_age) == (NEW_POSTS // 2, OLD_POSTS + NEW_POSTS // 2)

    # the amplification network (issue 18): its marts, built on the old posts too, published,
    # and the audit's counts recorded in the old audit table
    [(old_sources,)] = query(settings, f"""
        select count(distinct interactions.post_key)
        from intermediate.int_network_interactions as interactions
        inner join marts.fct_posts as posts
            on interactions.post_key = posts.post_key
        where interactions.interaction_type <> 'post'
            and posts.last_ingested_at <= '{old_ingested}'""")
    assert old_sources > 0
    for mart in ("mart_network_edges", "mart_issue_amplifiers", "mart_network_communities"):
        [(rows,)] = query(settings, f"select count(*) from marts.{mart}")
        assert rows > 0 and reader_count(settings, f"marts.{mart}") == rows, mart
    [(counts,)] = query(settings, f"""select counts from audit.validation_results
                                      where run_id = '{run_id}'
                                          and suite_name = 'marts.network.input'""")
    assert "self_loops" in counts

    # the upgraded warehouse, built incrementally on the old tables, equals a full refresh of
    # this release (model for model, row for row)
    upgraded = _model_rows(settings)
    dbt_build(settings, full_refresh=True)  # with the text version, as `pantau build` runs it
    refreshed = _model_rows(settings)
    assert upgraded.keys() == refreshed.keys()
    for table in upgraded:
        assert upgraded[table] == refreshed[table], f"{table} differs from a full refresh"

    elapsed = time.monotonic() - started
    print(f"upgrade in place from {release}: {elapsed:.1f}s; "
          + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in steps.items()))
