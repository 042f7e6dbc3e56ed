"""Shared fixtures. Integration tests talk to a real Kafka broker and a real PostgreSQL server: the
session fixtures use the ones that answer (at PANTAU_KAFKA_BOOTSTRAP_SERVERS, in PANTAU_PG_DIR), or
start the local ones, which the session stops at its end (only what it started).

The suite runs in several processes (pytest-xdist, ``-n auto`` in pyproject.toml): the workers
share the one broker and the one server. The first worker that needs either starts it, under a
file lock in a folder of this session (made by the controlling process, which every worker
inherits through ``PYTEST_PANTAU_SESSION_DIR``); the controlling process stops at the end what a
worker started. Each worker has its own PostgreSQL database (``tests.support.TEST_DATABASE``)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from pantau.local.kafka import LocalKafka
from pantau.local.postgres import LocalPostgres
from pantau.settings import Settings
from tests.support import TEST_DATABASE, free_port, state_paths

#: The folder the processes of one pytest session share: the stack's lock and the marks of what
#: the session started.
SESSION_DIR = "PYTEST_PANTAU_SESSION_DIR"
KAFKA_STARTED = "kafka.started"
POSTGRES_STARTED = "postgres.started"


def _controls(config: pytest.Config) -> bool:
    """True in the process that controls the session (the only one without xdist)."""
    return not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if _controls(config):
        os.environ[SESSION_DIR] = tempfile.mkdtemp(prefix="pantau-tests-")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop what this session's workers started, once they are all gone."""
    if not _controls(config) or SESSION_DIR not in os.environ:
        return
    folder = Path(os.environ.pop(SESSION_DIR))
    settings = Settings.from_env()
    if (folder / KAFKA_STARTED).exists():
        print(f"[kafka fixture] {LocalKafka(settings).down()}")
    if (folder / POSTGRES_STARTED).exists():
        print(f"[postgres fixture] {LocalPostgres(settings).down()}")
    shutil.rmtree(folder, ignore_errors=True)


def _stack_lock() -> FileLock:
    return FileLock(Path(os.environ[SESSION_DIR]) / "stack.lock")


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def kafka_broker(base_settings: Settings) -> Settings:
    """A live broker for the whole session (started here only when none answers)."""
    with _stack_lock():
        broker = LocalKafka(base_settings)
        if not broker.status().answering:
            broker.up(say=lambda message: print(f"[kafka fixture] {message}"))
            (Path(os.environ[SESSION_DIR]) / KAFKA_STARTED).touch()
    return base_settings


@pytest.fixture(scope="session")
def postgres_server(base_settings: Settings) -> LocalPostgres:
    """The local PostgreSQL for the whole session (started here only when it is not running),
    with a fresh database of this worker, ``TEST_DATABASE``, that publish writes into."""
    server = LocalPostgres(base_settings)
    with _stack_lock():
        if server.pid() is None:
            (Path(os.environ[SESSION_DIR]) / POSTGRES_STARTED).touch()
        server.up(say=lambda message: print(f"[postgres fixture] {message}"))
    server.drop_database(TEST_DATABASE)
    server.create_database(TEST_DATABASE)
    return server


@pytest.fixture
def settings(kafka_broker: Settings, postgres_server: LocalPostgres, tmp_path: Path) -> Settings:
    """Settings for one test: its own topics, consumer group, warehouse and state directory."""
    from pantau.connections.kafka import ensure_topics

    run = uuid.uuid4().hex[:10]
    test_settings = Settings.from_env(
        {**kafka_broker.environment(), "PANTAU_STATE_DIR": str(tmp_path / "state")},
        **{**state_paths(tmp_path / "state"),  # warehouse, snapshot, ledger, cursors, reports…
           "topic_posts": f"test.{run}.posts",
           "topic_dlq": f"test.{run}.dlq",
           "consumer_group": f"test-{run}",
           "topic_partitions": 3,
           "pg_dir": postgres_server.settings.pg_dir,  # the session's server
           "pg_database": TEST_DATABASE},
    )
    ensure_topics(test_settings)
    return test_settings


@pytest.fixture
def second_broker(kafka_broker: Settings, tmp_path: Path) -> Iterator[LocalKafka]:
    """A second local broker on free ports, in its own state dir, reusing the resolved jars.

    Not started: the test starts (and may stop) it; it is stopped at the end if still running.
    """
    settings = Settings.from_env(
        {**kafka_broker.environment(), "PANTAU_STATE_DIR": str(tmp_path / "broker2")},
        kafka_bootstrap_servers=f"localhost:{free_port()}",
        kafka_controller_port=free_port(),
        warehouse_path=tmp_path / "broker2" / "warehouse.duckdb",
        topic_partitions=3,
    )
    broker = LocalKafka(settings)
    shared = LocalKafka(kafka_broker).resolve_jars()
    broker.lib_dir.parent.mkdir(parents=True)
    broker.lib_dir.symlink_to(shared, target_is_directory=True)
    yield broker
    if broker.running_pid():
        broker.down()


@pytest.fixture
def pg_database(postgres_server: LocalPostgres, tmp_path: Path) -> Iterator[Settings]:
    """Settings whose PostgreSQL database is this test's own (same roles; dropped afterwards)."""
    name = f"test_{uuid.uuid4().hex[:10]}"
    postgres_server.create_database(name)
    state = tmp_path / "pg-state"
    yield Settings.from_env(
        {**postgres_server.settings.environment(), "PANTAU_STATE_DIR": str(state)},
        **{**state_paths(state), "pg_dir": postgres_server.settings.pg_dir,
           "pg_database": name},
    )
    postgres_server.drop_database(name)


@pytest.fixture
def pg_marts(pg_database: Settings) -> Settings:
    """A PostgreSQL database holding the marts of the serving tests' snapshot (600 posts),
    published by Pantau's own publish from a warehouse with those marts."""
    from pantau.publish.postgres import publish_postgres
    from tests.serving_snapshot import write_snapshot

    write_snapshot(pg_database.warehouse_path)
    publish_postgres(pg_database, build_id="fixture-build", say=lambda _m: None)
    return pg_database


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium (Debian's chromium and chromedriver, through selenium)."""
    from tests.browser import chromium

    driver = chromium(tmp_path / "chromium-profile")
    yield driver
    driver.quit()
