"""The campaign scoring of producers.scenario.scoring on small hand-made marts (real DuckDB):
precision, recall, organic events flagged, and the community criterion read from
mart_issue_amplifiers (the interface of issue 18, built on another branch)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from producers.scenario.scoring import score_campaign_communities, score_campaigns


def _truth(path: Path) -> Path:
    records = [
        {"record": "run", "seed": 1},
        {"record": "event", "event_key": "evt-0", "post_ids": ["x:e1", "x:e2"]},
        {"record": "event", "event_key": "evt-1", "post_ids": ["x:e3", "x:p9"]},
        {"record": "campaign", "campaign_id": "cmp-0", "direction": "praise",
         "polres_id": "polres_bogor", "post_ids": ["x:p1", "x:p2", "x:p3"],
         "network_post_ids": ["x:r1"], "account_ids": ["1", "2", "3"]},
        {"record": "campaign", "campaign_id": "cmp-1", "direction": "attack",
         "polres_id": "polres_bogor", "post_ids": ["x:a1", "x:a2"], "network_post_ids": [],
         "account_ids": ["4", "5"]},
        {"record": "summary", "posts": 10},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema marts")
    con.execute("""create table marts.mart_campaign_posts as select * from (values
        ('d-1', 'x:p1'), ('d-1', 'x:p2'), ('d-1', 'x:x1'),
        ('d-2', 'x:e3'), ('d-2', 'x:p9'), ('d-2', 'x:x2')) t(campaign_id, post_key)""")
    con.execute("""create table marts.mart_coordinated_campaigns as select * from (values
        ('d-1', 'attack'), ('d-2', 'neutral')) t(campaign_id, direction)""")
    con.execute("""create table marts.fct_posts as select * from (values
        ('x:p1', 'x:u1', 'polres_bogor', date '2026-11-01'),
        ('x:p2', 'x:u2', 'polres_bogor', date '2026-11-01'),
        ('x:p3', 'x:u3', 'polres_bogor', date '2026-11-02'),
        ('x:r1', 'x:u3', null, date '2026-11-01'),
        ('x:a1', 'x:u4', 'polres_bogor', date '2026-11-03'),
        ('x:a2', 'x:u5', 'polres_bogor', date '2026-11-03'))
        t(post_key, author_key, polres_id, created_date)""")


def test_campaigns_are_matched_by_their_majority_and_organic_events_flagged(
        tmp_path: Path) -> None:
    con = duckdb.connect()
    _marts(con)
    score = score_campaigns(con, [_truth(tmp_path / "t.jsonl")])
    # d-1 holds 2 of 3 posts of cmp-0: found (with the wrong direction); d-2 is no campaign of
    # ours and flags the organic event evt-1; cmp-1 is missed
    assert (score.detected, score.planted, score.organic_events) == (2, 2, 2)
    assert score.precision == 0.5 and score.recall == 0.5
    assert score.false_campaigns == ["d-2"] and score.missed == ["cmp-1"]
    assert score.organic_flagged == ["evt-1"] and score.organic_flagged_share == 0.5
    assert score.directions_wrong == ["d-1"]


def test_a_campaigns_accounts_are_read_in_the_polres_day_holding_most_of_its_posts(
        tmp_path: Path) -> None:
    con = duckdb.connect()
    _marts(con)
    con.execute("""create table marts.mart_issue_amplifiers as select * from (values
        ('polres_day', 'polres_bogor/2026-11-01', 'x:u1', 'pro'),
        ('polres_day', 'polres_bogor/2026-11-01', 'x:u2', 'pro'),
        ('polres_day', 'polres_bogor/2026-11-01', 'x:u3', 'contra'),
        ('polres_day', 'polres_bogor/2026-11-02', 'x:u3', 'pro'),
        ('polres_day', 'polres_bogor/2026-11-03', 'x:u4', 'contra'),
        ('issue', 'polres_bogor:20261103T000000', 'x:u5', 'contra'))
        t(scope_type, scope_id, author_key, community_stance)""")
    shares = score_campaign_communities(con, [_truth(tmp_path / "t.jsonl")])
    # cmp-0: two of its posts on 11-01, where u1 and u2 are pro and u3 contra: 2 of 3 accounts
    # cmp-1: u4 is contra on 11-03; u5 only in another scope: 1 of 2
    assert shares == {"cmp-0": 2 / 3, "cmp-1": 0.5}
