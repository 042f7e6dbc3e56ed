"""The amplification network marts on a seeded scenario: Kafka, the loader, dbt.

One small scenario with planted viral events goes through the real pipeline; then the network
marts (mart_network_edges, mart_issue_amplifiers, mart_network_communities) are checked against
the posts the warehouse holds: edges point from the replier to the replied-to author, no
self-loops, the top amplifier of each planted viral post really reposted or quoted it, every
account of a scope has a community, and non-official accounts stay pseudonyms. The audit counts
the network's bad input (authors without followers or an account creation time, self-loops,
parents never seen, reposts of posts that are gone) without failing.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from pantau.ingest import Loader
from pantau.quality.audit import audit, default_targets
from pantau.settings import Settings
from pantau.transform.dbt import dbt_build
from producers import Publisher
from producers.scenario import Scenario, ScenarioConfig, read_truth
from producers.scenario.truth import TruthWriter
from tests.support import query

END = datetime(2026, 11, 22, tzinfo=UTC)
PSEUDONYM = re.compile(r"^user_[0-9a-f]{12}$")
AT = datetime(2026, 11, 21, 9, tzinfo=UTC)


def _event(post_id: str, handle: str, text: str, *, post_type: str = "post",
           parent: str | None = None, minutes: int = 0, followers: int | None = 120,
           mentions: tuple[str, ...] = ()) -> dict[str, Any]:
    created = AT + timedelta(minutes=minutes)
    return {
        "schema_version": 1, "event_id": str(uuid.uuid4()), "platform": "x",
        "post_id": post_id, "url": f"https://x.com/{handle}/status/{post_id}",
        "post_type": post_type, "parent_post_id": parent, "root_post_id": parent,
        "author": {"id": f"id-{handle}", "handle": handle, "display_name": None,
                   "followers": followers, "verified": False, "is_official": False},
        "text": text, "lang": "id",
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "observed_at": (created + timedelta(minutes=30)).isoformat().replace("+00:00", "Z"),
        "metrics": {"likes": 3, "replies": 1, "shares": 0, "quotes": 0, "views": None},
        "hashtags": [], "mentions": list(mentions), "media_urls": [],
        "source": {"name": "test", "version": "1"},
    }


def bad_input() -> list[dict[str, Any]]:
    """Posts about Polres Boyolali written for the awkward cases: an author answering and
    mentioning herself, a reply and a quote to posts never collected, a repost of a deleted
    post, and an author whose platform gave no follower count."""
    return [
        _event("9100", "mbak_sri_byl", "Polres Boyolali lambat bgt nanganin laporan motor ilang"),
        _event("9101", "mbak_sri_byl", "update: udah 3 hari blm ada kabar dr Polres Boyolali",
               post_type="reply", parent="9100", minutes=5),
        _event("9102", "mbak_sri_byl", "@mbak_sri_byl inget ya besok ke Polres Boyolali lg",
               minutes=9, mentions=("Mbak_Sri_Byl",)),
        _event("9103", "kang_jarwo", "iya bener Polres Boyolali emg gitu", post_type="reply",
               parent="8999", minutes=12),
        _event("9104", "kang_jarwo", "nah ini dia, Polres Boyolali wajib baca",
               post_type="quote", parent="8998", minutes=14),
        _event("9105", "dimas.byl", "RT Polres Boyolali kudu tanggung jawab",
               post_type="repost", parent="8997", minutes=15, followers=None),
    ]


def test_network_marts_on_a_seeded_scenario(settings: Settings, tmp_path: Path) -> None:
    scenario = Scenario(ScenarioConfig(count=4_000, seed=22, events=6, end=END))
    truth_path = tmp_path / "truth.jsonl"
    with TruthWriter(truth_path, scenario.run_record()) as truth:
        with Publisher(settings, source="scenario") as publisher:
            assert publisher.publish_all(scenario.generate(truth)).ok
    with Publisher(settings, source="test") as publisher:
        assert publisher.publish_all(bad_input()).ok
    assert Loader(settings).run().rejected == 0
    dbt_build(settings)

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)

    def rows(sql: str) -> list[tuple]:
        return con.execute(sql).fetchall()

    try:
        counts = dict(rows("""select scope_type, count(*) from marts.mart_network_edges
                              group by all"""))
        assert set(counts) == {"issue", "viral_post", "polres_day"}, counts

        # a reply edge goes from the replier to the author of the post replied to
        wrong_direction = rows("""
            select edges.scope_type, edges.scope_id, edges.source_author_key
            from marts.mart_network_edges as edges
            where edges.edge_type = 'reply' and not exists (
                select 1
                from marts.fct_posts as replies
                inner join marts.fct_posts as parents
                    on replies.parent_post_key = parents.post_key
                where replies.post_type in ('reply', 'comment')
                    and replies.author_key = edges.source_author_key
                    and parents.author_key = edges.target_author_key)""")
        assert wrong_direction == []
        [(reply_edges,)] = rows(
            "select count(*) from marts.mart_network_edges where edge_type = 'reply'")
        assert reply_edges > 0
        # the planted self-reply and self-mention (the handle in another case) are no edges
        assert rows("""select count(*) from marts.mart_network_edges
                       where source_author_key = target_author_key""") == [(0,)]
        self_loops = rows("""select distinct post_key, interaction_type
                             from intermediate.int_network_interactions where is_self_loop""")
        assert {("x:9101", "reply"), ("x:9102", "mention")} <= set(self_loops)
        # the reply to a post never collected is no edge, the author's own post is counted
        assert rows("""select count(*) from intermediate.int_network_interactions
                       where post_key in ('x:9103', 'x:9104', 'x:9105')
                           and interaction_type <> 'post'""") == [(0,)]
        assert rows("""select post_count, author_followers from marts.mart_issue_amplifiers
                       where author_label = (select author_label from marts.fct_posts
                                             where post_key = 'x:9103')
                           and scope_type = 'polres_day'""") == []

        # every account with an edge in a scope is an amplifier row with a community
        assert rows("""
            with accounts as (
                select scope_type, scope_id, source_author_key as author_key
                from marts.mart_network_edges
                union
                select scope_type, scope_id, target_author_key from marts.mart_network_edges
            )
            select
                (select count(*) from accounts),
                (select count(*) from marts.mart_issue_amplifiers),
                (select count(*) from marts.mart_issue_amplifiers as amplifiers
                 semi join accounts
                    on amplifiers.scope_type = accounts.scope_type
                    and amplifiers.scope_id = accounts.scope_id
                    and amplifiers.author_key = accounts.author_key
                 where amplifiers.community_id is not null)""")[0] == (
            rows("select count(*) from marts.mart_issue_amplifiers")[0][0],) * 3
        # communities account for exactly their members
        assert rows("""
            select count(*) from (
                select scope_type, scope_id, community_id, count(*) as members
                from marts.mart_issue_amplifiers group by all
            ) as members
            full join marts.mart_network_communities as communities
                using (scope_type, scope_id, community_id)
            where members.members is distinct from communities.account_count""") == [(0,)]

        # the top amplifier of each planted viral post that was reposted or quoted (not every
        # platform has reposts and quotes) is an account that reposted or quoted it
        roots = {event["post_ids"][0] for event in read_truth(truth_path).events}
        tops = rows("""
            select amplifiers.scope_id, amplifiers.author_key, amplifiers.amplify_count
            from marts.mart_issue_amplifiers as amplifiers
            where amplifiers.scope_type = 'viral_post' and amplifiers.amplifier_rank = 1
                and exists (
                    select 1 from marts.fct_posts as spread
                    where spread.post_type in ('repost', 'quote')
                        and amplifiers.scope_id in (spread.root_post_key, spread.parent_post_key)
                )""")
        planted = [(scope, author, amplified) for scope, author, amplified in tops
                   if scope in roots]
        assert len(planted) >= 3, (roots, tops)
        for scope, author, amplified in planted:
            [(spread,)] = rows(f"""
                select count(*) from marts.fct_posts
                where author_key = '{author}' and post_type in ('repost', 'quote')
                    and (root_post_key = '{scope}' or parent_post_key = '{scope}')""")
            assert spread >= 1 and amplified >= 1, (scope, author)

        # pseudonyms kept: every non-official account's label is a pseudonym, never a handle
        labels = rows("""
            select source_label from marts.mart_network_edges
            where source_author_key not in (
                select author_key from marts.fct_posts where is_official_author)
            union
            select author_label from marts.mart_issue_amplifiers where not is_official_author
            union
            select unnest(top_author_labels) from marts.mart_network_communities""")
        non_official = [label for (label,) in labels if not label.startswith("@")]
        assert non_official and all(PSEUDONYM.match(label) for label in non_official)
        handles = {handle for (handle,) in rows("""
            select distinct lower(author_handle) from staging.stg_social_posts
            where not is_official_author""")}
        assert not any(label.lstrip("@").lower() in handles for (label,) in labels)

        stances = dict(rows("select stance, count(*) from marts.mart_network_communities "
                            "group by all"))
        assert set(stances) <= {"pro", "contra", "neutral"} and len(stances) >= 2, stances
    finally:
        con.close()

    # the audit's network suites count the bad input and pass
    suites = [target for target in default_targets(settings) if "network" in target.suite_name]
    results = {result.suite_name: result
               for result in audit(settings, targets=suites, data_docs=False)}
    assert set(results) == {"marts.network.input", "marts.mart_network_communities"}
    network = results["marts.network.input"]
    assert network.success, network.failed
    assert network.counts["self_loops"] == len(self_loops)
    # the scenario's own posts all have a parent and a follower count: those are the planted ones
    assert network.counts["authors_without_followers"] == 1
    # no author of the scenario or the planted posts gives an account creation time
    [(authors,)] = query(settings, "select count(distinct author_key) from marts.fct_posts")
    assert network.counts["authors_without_created_at"] == authors
    assert network.counts["parents_never_seen"] == 2
    assert network.counts["reposts_of_missing_posts"] == 1
