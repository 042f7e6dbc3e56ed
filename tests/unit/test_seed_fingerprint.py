"""Which builds load the seeds again: the fingerprint of the seed files and the warehouse's record."""

from __future__ import annotations

import shutil

import duckdb

from pantau.connections import warehouse
from pantau.settings import PROJECT_DIR
from pantau.transform.dbt import _seeds_loaded, seed_fingerprint


def _project(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_DIR / "dbt_project" / "seeds", project / "seeds")
    shutil.copy(PROJECT_DIR / "dbt_project" / "dbt_project.yml", project)
    return project


def test_the_fingerprint_changes_with_a_seed_row_a_new_seed_file_or_the_seed_config(tmp_path):
    project = _project(tmp_path)
    first = seed_fingerprint(project)
    assert seed_fingerprint(project) == first == seed_fingerprint(PROJECT_DIR / "dbt_project")
    polda = project / "seeds" / "polda.csv"
    polda.write_text(polda.read_text() + "\n")
    assert seed_fingerprint(project) != first
    shutil.copy(PROJECT_DIR / "dbt_project" / "seeds" / "polda.csv", polda)
    (project / "seeds" / "extra.csv").write_text("a\n1\n")
    assert seed_fingerprint(project) != first
    (project / "seeds" / "extra.csv").unlink()
    config = project / "dbt_project.yml"
    config.write_text(config.read_text().replace("latitude: double", "latitude: float"))
    assert seed_fingerprint(project) != first


def test_seeds_count_as_loaded_only_with_every_table_and_the_same_fingerprint(tmp_path):
    project = PROJECT_DIR / "dbt_project"
    fingerprint = seed_fingerprint(project)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    warehouse.ensure_raw(con)
    con.execute("create schema reference")
    names = sorted(p.stem for p in (project / "seeds").glob("*.csv"))
    for name in names:
        con.execute(f"create table reference.{name} (x integer)")
    assert not _seeds_loaded(con, project, fingerprint)  # never recorded
    con.execute("insert into ops.dbt_seed_state values ('an older release', now()::timestamp)")
    assert not _seeds_loaded(con, project, fingerprint)
    con.execute("update ops.dbt_seed_state set fingerprint = ?", [fingerprint])
    assert _seeds_loaded(con, project, fingerprint)
    con.execute(f"drop table reference.{names[0]}")
    assert not _seeds_loaded(con, project, fingerprint)
    con.execute(f"create view reference.{names[0]} as select 1 as x")  # a view is not the seed
    assert not _seeds_loaded(con, project, fingerprint)
    con.close()
