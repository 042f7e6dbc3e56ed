"""The published marts in PostgreSQL with the PostgreSQL JDBC driver (pgjdbc, resolved from Maven Central like
the Kafka jars), as Metabase and other JDBC-based BI tools use it: DatabaseMetaData and a
prepared statement."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pantau.connections.postgres import reader_password
from pantau.settings import Settings

pytestmark = pytest.mark.integration

PGJDBC_VERSION = "42.7.14"
PROBE = Path(__file__).with_name("JdbcProbe.java")


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    assert java, "Java 17+ is needed (`make install` installs it: scripts/system-deps.sh)"
    return java


@pytest.fixture(scope="session")
def pgjdbc_jar() -> Path:
    """The driver jar, resolved once into the state dir (.pantau/jdbc) by Maven."""
    target = Settings.from_env().state_dir / "jdbc"
    jar = target / f"postgresql-{PGJDBC_VERSION}.jar"
    if not jar.exists():
        mvn = shutil.which("mvn")
        assert mvn, "Maven is needed (`make install` installs it: scripts/system-deps.sh)"
        subprocess.run([mvn, "-q", "-B", "dependency:copy",
                        f"-Dartifact=org.postgresql:postgresql:{PGJDBC_VERSION}",
                        f"-DoutputDirectory={target}"], check=True, timeout=600)
    return jar


def test_jdbc_driver_reads_metadata_and_runs_a_prepared_query(pg_marts, pgjdbc_jar):
    done = subprocess.run([_java(), "-cp", str(pgjdbc_jar), str(PROBE),
                           f"jdbc:postgresql://127.0.0.1:{pg_marts.pg_port}/{pg_marts.pg_database}",
                           pg_marts.pg_reader, reader_password(pg_marts)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("product PostgreSQL 1")
    assert "schema marts" in lines
    assert "table marts.fct_posts" in lines and "table marts.mart_polres_scorecard" in lines
    assert "column response_minutes float8 8" in lines  # java.sql.Types.DOUBLE
    assert "column is_open bool -7" in lines  # java.sql.Types.BIT, as for Postgres booleans
    assert "column top_post_keys _text 2003" in lines  # java.sql.Types.ARRAY
    rows = [line for line in lines if line.startswith("row ")]
    assert len(rows) == 6 and rows[0].split()[2].isdigit()
