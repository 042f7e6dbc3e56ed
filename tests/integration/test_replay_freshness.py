"""Freshness is judged per source: a replayed archive (years old) builds, audits and publishes,
while a live source whose newest observation is older than PANTAU_FRESHNESS_HOURS fails the
audit with a message that names the setting and the query to see which source stopped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pantau.connections.postgres import reader_count
from pantau.exceptions import BuildFailedError
from pantau.ingest import Loader
from pantau.orchestration.tasks import build_audit_publish
from pantau.publish.snapshot import snapshot_tables
from producers import Publisher, synthetic
from producers.replay import replay
from tests.support import query

pytestmark = pytest.mark.integration

ARCHIVE = Path(__file__).resolve().parent.parent / "fixtures" / "replay" / "tweet_harvest_2024.csv"


def _quiet(_message: str) -> None:
    pass


def test_a_replayed_archive_publishes_and_a_stale_live_source_fails_naming_the_setting(settings):
    with Publisher(settings, source="test-replay") as publisher:
        replay(ARCHIVE, publisher, observed_at=datetime(2024, 12, 1, 6, 0, tzinfo=UTC))
    assert Loader(settings).run().loaded > 0
    build_audit_publish(settings, say=_quiet)  # an archive of 2024 is not a stale live feed
    posts = snapshot_tables(settings.published_path)["fct_posts"]
    assert posts == query(settings, "select count(distinct (platform, post_id)) "
                                    "from raw.social_posts")[0][0] > 0
    assert reader_count(settings, "marts.fct_posts") == posts

    # a live source that stopped three days ago
    stopped = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    with Publisher(settings, source="test-live") as publisher:
        publisher.publish_all(synthetic.generate(20, seed=7, start=stopped - timedelta(days=1)))
    assert Loader(settings).run().loaded == 20
    with pytest.raises(BuildFailedError) as failed:
        build_audit_publish(settings, say=_quiet)
    message = str(failed.value)
    assert "hours_since_latest_observation" in message
    assert f"PANTAU_FRESHNESS_HOURS={settings.freshness_hours}" in message
    assert "source_name, max(observed_at)" in message
    assert snapshot_tables(settings.published_path)["fct_posts"] == posts  # left as it was
