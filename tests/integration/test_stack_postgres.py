"""`pantau stack` and PostgreSQL: a cluster of its own is created, started, reported and
stopped; the server runs as the postgres system user, never as root; a folder the server
cannot reach is a clear error; and `stack down` of one cluster leaves any other running."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pantau.connections.postgres import reader_conninfo, writer_url
from pantau.local.postgres import LocalPostgres
from pantau.settings import Settings
from tests.support import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def own_cluster(postgres_server: LocalPostgres) -> Iterator[LocalPostgres]:
    """A second local cluster on a free port, in a folder the postgres user can reach."""
    folder = Path(tempfile.mkdtemp(prefix="pantau-pg-"))
    folder.chmod(0o755)
    settings = Settings.from_env({"PANTAU_STATE_DIR": str(folder / "state")},
                                 pg_dir=folder / "postgres", pg_port=free_port(),
                                 pg_reader_connections=5)
    cluster = LocalPostgres(settings)
    yield cluster
    if cluster.pid():
        cluster.down()
    shutil.rmtree(folder, ignore_errors=True)


def test_up_twice_status_down_and_the_server_is_not_root(own_cluster: LocalPostgres,
                                                         postgres_server: LocalPostgres):
    assert own_cluster.status().state == "not-initialised"
    lines: list[str] = []
    first = own_cluster.up(say=lines.append)
    assert first.state == "running" and first.pid
    assert any(line.startswith("Creating a PostgreSQL cluster") for line in lines)
    owner = Path(f"/proc/{first.pid}").stat().st_uid
    if os.geteuid() == 0:
        assert owner != 0, "the server must not run as root"
        assert (own_cluster.data_dir.stat().st_uid) == owner
    again = own_cluster.up(say=lambda _m: None)
    assert again.pid == first.pid

    settings = own_cluster.settings
    with psycopg.connect(reader_conninfo(settings)) as con:
        assert con.execute("select current_user, current_setting('transaction_read_only')"
                           ).fetchone() == (settings.pg_reader, "on")
    with psycopg.connect(writer_url(settings)) as con:
        assert con.execute("select current_user").fetchone() == (settings.pg_writer,)
    conf = (own_cluster.data_dir / "pantau.conf").read_text()
    assert f"port = {settings.pg_port}" in conf and "max_connections = 25" in conf

    assert own_cluster.down().startswith("Stopped PostgreSQL")
    assert own_cluster.status().state == "not-running"
    assert own_cluster.down() == "PostgreSQL: nothing to stop."
    assert postgres_server.status().state == "running"  # the other cluster was left alone


def test_a_folder_the_postgres_user_cannot_reach_moves_the_cluster_and_says_so(tmp_path: Path):
    """A checkout under a folder closed to other users (a home directory, ``mktemp -d``): the
    server must not run as root, so its files go to the postgres user's home, and it says so."""
    if os.geteuid() != 0:
        pytest.skip("only root hands the cluster to the postgres system user")
    hidden = tmp_path / "private"
    hidden.mkdir(mode=0o700)
    cluster = LocalPostgres(Settings.from_env({"PANTAU_STATE_DIR": str(hidden)},
                                              pg_port=free_port()))
    lines: list[str] = []
    try:
        assert cluster.up(say=lines.append).state == "running"
        assert any("cannot reach" in line and "PANTAU_PG_DIR" in line for line in lines)
        assert not str(cluster.data_dir).startswith(str(hidden))
        again = LocalPostgres(cluster.settings)  # a later command finds it through the note
        assert again.data_dir == cluster.data_dir and again.status().state == "running"
        assert again.down().startswith("Stopped PostgreSQL")
    finally:
        if cluster.pid():
            cluster.down()
        shutil.rmtree(cluster.home, ignore_errors=True)


def test_an_external_server_is_neither_started_nor_stopped(tmp_path: Path):
    cluster = LocalPostgres(Settings.from_env({
        "PANTAU_STATE_DIR": str(tmp_path), "PANTAU_PG_URL": "postgresql://w:secret@db:5432/x"}))
    assert cluster.status().state == "external"
    assert "secret" not in cluster.status().detail
    assert cluster.down() == "PostgreSQL: external (PANTAU_PG_URL), left alone."


def test_tls_when_a_certificate_is_configured_and_only_tls_beyond_loopback(own_cluster):
    folder = own_cluster.dir.parent
    cert, key = folder / "server.crt", folder / "server.key"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                           "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    settings = own_cluster.settings.replace(pg_ssl_cert_file=str(cert), pg_ssl_key_file=str(key))
    cluster = LocalPostgres(settings)
    cluster.up(say=lambda _m: None)
    assert "sslmode=require" in reader_conninfo(settings)
    with psycopg.connect(reader_conninfo(settings)) as con:
        assert con.execute("select ssl from pg_stat_ssl where pid = pg_backend_pid()"
                           ).fetchone() == (True,)
    # beyond loopback, the rules written for PANTAU_PG_HOST=0.0.0.0 accept TLS connections only
    LocalPostgres(settings.replace(pg_host="0.0.0.0"))._configure()
    hba = (cluster.data_dir / "pg_hba.conf").read_text()
    assert "hostssl all all 0.0.0.0/0 scram-sha-256" in hba
    assert "\nhost all all 0.0.0.0/0" not in hba and "trust" not in hba
    cluster._configure()  # back to loopback before the fixture stops it
