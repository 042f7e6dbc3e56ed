"""Fixtures of the serving tests: a published snapshot written to the marts contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from pantau.settings import Settings
from tests.serving_snapshot import write_snapshot


@pytest.fixture
def serving_settings(tmp_path: Path) -> Settings:
    """Settings whose published snapshot exists (600 posts) and whose state dir is the test's."""
    state = tmp_path / "state"
    settings = Settings.from_env(
        {"PANTAU_STATE_DIR": str(state)},
        published_path=state / "published.duckdb",
        warehouse_path=state / "warehouse.duckdb",
        serve_port=0,
    )
    write_snapshot(settings.published_path)
    return settings
