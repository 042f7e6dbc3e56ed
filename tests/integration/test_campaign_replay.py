"""Coordinated campaigns in an export-like file: the two planted campaigns of
``fixtures/replay/campaign`` (copy-paste edits, look-alike letters, no follower counts: the
export has none) are found with their accounts and direction, and an organic wave of classic
retweets is amplification, not a campaign."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pantau.ingest import Loader
from pantau.transform.dbt import dbt_build
from producers import Publisher
from producers.replay import replay
from tests.fixtures.replay.campaign.make_campaign import ATTACK_COPIES, PRAISE_COPIES, RETWEETERS
from tests.support import query

pytestmark = pytest.mark.integration

FILE = (Path(__file__).resolve().parent.parent / "fixtures" / "replay" / "campaign"
        / "campaign_tweet_harvest.csv")


def test_the_export_s_two_campaigns_are_found_and_its_retweet_wave_is_not_one(settings):
    with Publisher(settings, source="pantau-replay-test") as publisher:
        read = replay(FILE, publisher, observed_at=datetime(2024, 8, 20, 6, tzinfo=UTC),
                      fmt="tweet-harvest")
    assert publisher.report.failed == 0 and publisher.report.dead_lettered == 0
    loaded = Loader(settings).run()
    assert loaded.loaded == read.rows - 1 and loaded.rejected == 0  # the line written twice
    assert dbt_build(settings).failed == 0

    campaigns = query(settings, """
        select c.direction, c.account_count, c.polres_id, list(f.post_id order by f.post_id)
        from marts.mart_coordinated_campaigns as c
        join marts.mart_campaign_posts as p using (campaign_id)
        join marts.fct_posts as f using (post_key)
        group by all order by c.direction""")
    with FILE.open(encoding="utf-8", newline="") as stream:
        ids: dict[str, list[str]] = {}
        for row in csv.DictReader(stream):
            ids.setdefault(row["username"], []).append(row["id_str"])
    planted = {"praise": PRAISE_COPIES, "attack": ATTACK_COPIES}
    assert [direction for direction, *_ in campaigns] == ["attack", "praise"], campaigns
    for direction, accounts, polres, post_ids in campaigns:
        copies = planted[direction]
        assert (accounts, polres) == (len(copies), "polres_metro_bekasi")
        # exactly the planted posts: every edited copy, and nothing else
        assert post_ids == sorted(ids[handle][0] for handle, _minute, _text in copies)

    # the retweets are reposts of the complaint, and none is in a campaign
    reposts = query(settings, """
        select count(*) from marts.fct_posts where post_type = 'repost'""")[0][0]
    assert reposts == len(RETWEETERS)
    assert query(settings, """
        select count(*) from marts.mart_campaign_posts as p
        join marts.fct_posts as f using (post_key) where f.post_type = 'repost'""") == [(0,)]
