"""dbt's DuckDB profile: the spill folder is set once, when the database opens.

dbt-duckdb SETs each of the profile's ``settings`` on every cursor it opens (a model, a test).
Once a build has spilled, DuckDB refuses to set ``temp_directory`` again, even to the same
folder, so a sliced 5M build with ``PANTAU_DBT_MEMORY_LIMIT=6GB`` failed in its second slice.
A ``config_options`` entry is given to DuckDB once, when the database opens.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from pantau.settings import PROJECT_DIR


def _spill(con: duckdb.DuckDBPyConnection) -> None:
    """A sort larger than the 100 MB memory limit: DuckDB writes it to the spill folder."""
    con.execute("create table t as select i, md5(i::varchar) as s from range(2000000) r(i)")
    assert con.execute("select count(*) from (select * from t order by s)").fetchone() == (
        2_000_000,)


def test_the_profile_gives_the_spill_folder_when_the_database_opens() -> None:
    local = yaml.safe_load((PROJECT_DIR / "dbt_project" / "profiles.yml").read_text())[
        "pantau"]["outputs"]["local"]
    assert "temp_directory" not in local["settings"]
    assert "PANTAU_DBT_TEMP_DIRECTORY" in local["config_options"]["temp_directory"]
    assert "PANTAU_DBT_MEMORY_LIMIT" in local["settings"]["memory_limit"]  # may be SET again


def test_duckdb_refuses_the_spill_folder_again_once_it_spilled(tmp_path: Path) -> None:
    folder = str(tmp_path / "w.duckdb.tmp")
    con = duckdb.connect(str(tmp_path / "w.duckdb"),
                         config={"temp_directory": folder, "memory_limit": "100MB", "threads": 1})
    try:
        _spill(con)
        with pytest.raises(duckdb.NotImplementedException, match="Cannot switch temporary"):
            con.cursor().execute(f"set temp_directory = '{folder}'")  # what `settings` do
        cursor = con.cursor()  # what config_options leave: a new cursor works
        assert cursor.execute("select current_setting('temp_directory')").fetchone() == (folder,)
        cursor.close()
    finally:
        con.close()
