"""Fixtures of the attack tests: a contract-shaped snapshot and the real dashboard on uvicorn,
open (loopback, no users) or with a login, each on a free port of 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pantau.serve.auth import Users, add_user
from pantau.serve.dashboard import create_app
from pantau.serve.server import LOOPBACK_HOSTS, RunningServer, start_in_thread
from tests.security.attack_client import PASSWORD, SESSION_KEY, USER
from tests.serving_snapshot import write_snapshot


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One snapshot per test module (the attack tests only read it)."""
    return write_snapshot(tmp_path_factory.mktemp("state") / "published.duckdb")


@pytest.fixture(scope="module")
def open_dashboard(snapshot: Path) -> Iterator[RunningServer]:
    """The dashboard as `pantau serve` runs it on loopback with no users (one per module)."""
    with start_in_thread(create_app(snapshot, trusted_hosts=LOOPBACK_HOSTS)) as server:
        yield server


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "dashboard-users"
    add_user(path, USER, PASSWORD)
    return path


@pytest.fixture
def login_dashboard(snapshot: Path, users_file: Path) -> Iterator[RunningServer]:
    """The dashboard as `pantau serve` runs it with a user (alice) in the users file."""
    app = create_app(snapshot, users=Users(users_file), session_key=SESSION_KEY)
    with start_in_thread(app) as server:
        yield server
