"""Expectations on the marts (the tables and columns of docs/marts.md and the model YAML files).

A suite runs for every mart the dbt project defines (``dbt_project/models/marts/*.sql``); a mart
the project defines but the warehouse lacks fails the audit (the dbt build creates them all).
Whole marts are validated row by row where they are small (aggregates per Polres x day); the two
per-post marts can hold millions of rows, so their checks are exact SQL counts.
"""

from __future__ import annotations

from typing import Any

from expectations.base import (
    UNIT_LEVELS,
    AuditTarget,
    non_negative,
    not_null,
    seed_polres,
    seed_units,
    share,
    zero,
)
from pantau.contract.vocabulary import REPLAY_SOURCE_PREFIX

SENTIMENT_LABELS = ["positive", "neutral", "negative"]


def fct_posts(reference: dict[str, Any]) -> list[Any]:
    """One row per post of raw (as of the build), known Polres and labels, fresh enough."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnPairValuesToBeEqual(column_A="fct_posts_rows", column_B="raw_posts"),
        *zero("duplicate_post_keys", "missing_keys", "unknown_polres", "unknown_sentiment_labels",
              "negative_metrics"),
        gxe.ExpectColumnValuesToBeBetween(
            column="hours_since_latest_observation", max_value=reference["freshness_hours"],
            meta={"hint": (
                f"the newest observation of a live source is older than "
                f"PANTAU_FRESHNESS_HOURS={reference['freshness_hours']}: a collector stopped (see "
                "`select source_name, max(observed_at) from raw.social_posts group by 1`), or "
                "raise PANTAU_FRESHNESS_HOURS; replayed archives (source pantau-replay-*) keep "
                "their own clock and are not counted")}),
    ]


FCT_POSTS_SQL = f"""
    with posts as (select * from marts.fct_posts)
    select
        count(*) as fct_posts_rows,
        (select count(distinct (platform, post_id)) from raw.social_posts
         where ingested_at <= {{raw_watermark}}) as raw_posts,
        count(*) - count(distinct post_key) as duplicate_post_keys,
        count(*) filter (where post_key is null or platform is null or post_id is null)
            as missing_keys,
        count(*) filter (where polres_id is not null
                         and polres_id not in (select polres_id from reference.polres))
            as unknown_polres,
        count(*) filter (where sentiment_label is null or sentiment_label not in
                         ({", ".join(f"'{label}'" for label in SENTIMENT_LABELS)}))
            as unknown_sentiment_labels,
        count(*) filter (where likes < 0 or replies < 0 or shares < 0 or quotes < 0
                         or views < 0 or engagement < 0) as negative_metrics,
        -- freshness: the newest observation of the live sources, against now; a replayed
        -- archive keeps its own clock (its newest observation is its "now"), so it is left out
        (select coalesce(date_diff('second', max(observed_at),
                                   current_timestamp::timestamp) / 3600.0, 0)
         from raw.social_posts
         where ingested_at <= {{raw_watermark}}
             and source_name not like '{REPLAY_SOURCE_PREFIX}%') as hours_since_latest_observation
    from posts
"""


def fct_post_metrics_hourly(_reference: dict[str, Any]) -> list[Any]:
    """Exact counts: grain unique, keys present, metrics >= 0, only posts of fct_posts."""
    return zero("duplicate_post_hours", "missing_keys", "negative_metrics", "unknown_posts")


FCT_POST_METRICS_HOURLY_SQL = """
    with hourly as (select * from marts.fct_post_metrics_hourly)
    select
        count(*) - count(distinct (post_key, hour_at)) as duplicate_post_hours,
        count(*) filter (where post_key is null or hour_at is null) as missing_keys,
        count(*) filter (where likes < 0 or replies < 0 or shares < 0 or quotes < 0
                         or engagement < 0) as negative_metrics,
        (select count(*) from (select distinct post_key from hourly)
         where post_key not in (select post_key from marts.fct_posts)) as unknown_posts
    from hourly
"""


def mart_polres_engagement_daily(reference: dict[str, Any]) -> list[Any]:
    """Keys present, only seed Polres and contract platforms, counts positive, grain unique."""
    import great_expectations.expectations as gxe

    return [
        *not_null("polres_id", "platform", "activity_date", "post_count"),
        seed_polres(reference),
        gxe.ExpectColumnValuesToBeInSet(column="platform", value_set=reference["platforms"]),
        gxe.ExpectColumnValuesToBeBetween(column="post_count", min_value=1),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["polres_id", "platform",
                                                         "activity_date"]),
        *non_negative("likes", "replies", "shares", "quotes", "engagement", "author_count"),
    ]


def mart_polres_sentiment_daily(reference: dict[str, Any]) -> list[Any]:
    """Shares in [0, 1] summing to 1, net sentiment in [-1, 1], seed Polres, grain unique."""
    import great_expectations.expectations as gxe

    return [
        *not_null("polres_id", "topic", "activity_date", "post_count"),
        seed_polres(reference),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["polres_id", "topic", "activity_date"]),
        *share("positive_share", "neutral_share", "negative_share"),
        gxe.ExpectColumnValuesToBeBetween(column="share_sum_error", min_value=0, max_value=1e-9),
        gxe.ExpectColumnValuesToBeBetween(column="net_sentiment", min_value=-1, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="post_count", min_value=1),
        *non_negative("positive_count", "neutral_count", "negative_count"),
    ]


def mart_viral_posts(reference: dict[str, Any]) -> list[Any]:
    """One row per viral post, ranked 1..n, seed Polres, scores present."""
    import great_expectations.expectations as gxe

    return [
        *not_null("post_key", "virality_score", "viral_rank"),
        gxe.ExpectColumnValuesToBeUnique(column="post_key"),
        gxe.ExpectColumnValuesToBeBetween(column="viral_rank", min_value=1),
        seed_polres(reference),
        *non_negative("engagement"),
    ]


def mart_issue_alerts(reference: dict[str, Any]) -> list[Any]:
    """One row per negative spike of a seed unit at any level (polres_id a seed Polres when
    set), time order start <= peak, response >= 0."""
    import great_expectations.expectations as gxe

    return [
        *not_null("alert_id", "unit_id", "unit_level", "started_at", "peak_at", "is_open",
                  "is_responded"),
        gxe.ExpectColumnValuesToBeUnique(column="alert_id"),
        seed_units(reference),
        gxe.ExpectColumnValuesToBeInSet(column="unit_level", value_set=UNIT_LEVELS),
        seed_polres(reference),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="peak_at", column_B="started_at",
                                                    or_equal=True),
        *non_negative("response_minutes", "negative_post_count"),
    ]


def _scorecard(key: str, seed: Any) -> list[Any]:
    """A scorecard keyed by ``key`` x week: unique, seed units, response rate a share, ranks
    from 1, net sentiment in [-1, 1]."""
    import great_expectations.expectations as gxe

    return [
        *not_null(key, "week_start_date"),
        seed,
        gxe.ExpectCompoundColumnsToBeUnique(column_list=[key, "week_start_date"]),
        *share("response_rate"),
        gxe.ExpectColumnValuesToBeBetween(column="reputation_rank", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="net_sentiment", min_value=-1, max_value=1),
    ]


def mart_top_authors(_reference: dict[str, Any]) -> list[Any]:
    import great_expectations.expectations as gxe

    return [
        *not_null("author_key", "post_count"),
        gxe.ExpectColumnValuesToBeUnique(column="author_key"),
        *share("negative_share"),
        *non_negative("engagement", "post_count"),
    ]


def mart_network_communities(_reference: dict[str, Any]) -> list[Any]:
    """Scope x community unique, stances of the closed set, net sentiment in [-1, 1]."""
    import great_expectations.expectations as gxe

    return [
        *not_null("scope_type", "scope_id", "community_id", "stance", "account_count"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["scope_type", "scope_id",
                                                         "community_id"]),
        gxe.ExpectColumnValuesToBeInSet(column="stance", value_set=["pro", "contra", "neutral"]),
        gxe.ExpectColumnValuesToBeBetween(column="net_sentiment", min_value=-1, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="account_count", min_value=1),
    ]


def mart_hashtags_daily(_reference: dict[str, Any]) -> list[Any]:
    import great_expectations.expectations as gxe

    return [
        *not_null("hashtag", "activity_date", "post_count"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["hashtag", "activity_date"]),
        gxe.ExpectColumnValuesToBeBetween(column="net_sentiment", min_value=-1, max_value=1),
    ]


def mart_polda_share_of_voice(reference: dict[str, Any]) -> list[Any]:
    """Polda x period x Polres unique, seed units, shares within (0, 1] that add up to 1 per
    Polda and period (``share_sum_error``), ranks from 1."""
    import great_expectations.expectations as gxe

    return [
        *not_null("polda_id", "polres_id", "period_type", "period_start", "mention_count",
                  "share_of_voice"),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["polda_id", "period_type", "period_start", "polres_id"]),
        seed_polres(reference),
        seed_units(reference, "polda_id"),
        gxe.ExpectColumnValuesToBeInSet(column="period_type", value_set=["day", "week"]),
        *share("share_of_voice"),
        gxe.ExpectColumnValuesToBeBetween(column="share_sum_error", max_value=1e-9),
        gxe.ExpectColumnValuesToBeBetween(column="net_sentiment", min_value=-1, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="voice_rank", min_value=1),
        *non_negative("mention_count", "positive_count", "negative_count"),
    ]


def mart_issue_hashtag_war(_reference: dict[str, Any]) -> list[Any]:
    """Issue x hashtag unique, stances of the set, shares within [0, 1], ranks from 1."""
    import great_expectations.expectations as gxe

    return [
        *not_null("alert_id", "hashtag", "stance", "post_count", "share", "hashtag_rank"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["alert_id", "hashtag"]),
        gxe.ExpectColumnValuesToBeInSet(column="stance", value_set=["pro", "contra", "neutral"]),
        *share("share"),
        gxe.ExpectColumnValuesToBeBetween(column="net_sentiment", min_value=-1, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="hashtag_rank", min_value=1),
        *non_negative("post_count", "author_count", "engagement"),
    ]


def mart_unit_engagement_daily(reference: dict[str, Any]) -> list[Any]:
    """Unit x platform x day unique, seed units of every level, counts >= 0."""
    import great_expectations.expectations as gxe

    return [
        *not_null("unit_id", "unit_level", "platform", "activity_date", "post_count"),
        seed_units(reference),
        gxe.ExpectColumnValuesToBeInSet(column="unit_level", value_set=UNIT_LEVELS),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["unit_id", "platform",
                                                         "activity_date"]),
        *non_negative("post_count", "engagement"),
    ]


def mart_unit_sentiment_daily(reference: dict[str, Any]) -> list[Any]:
    """Unit x topic x day unique, seed units, shares in [0, 1] summing to 1."""
    import great_expectations.expectations as gxe

    return [
        *not_null("unit_id", "unit_level", "topic", "activity_date", "post_count"),
        seed_units(reference),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["unit_id", "topic", "activity_date"]),
        *share("positive_share", "neutral_share", "negative_share"),
        gxe.ExpectColumnValuesToBeBetween(column="share_sum_error", min_value=0, max_value=1e-9),
    ]


def mart_polres_scorecard(reference: dict[str, Any]) -> list[Any]:
    """Polres x week unique, seed Polres, response rate a share, ranks from 1."""
    return _scorecard("polres_id", seed_polres(reference))


def mart_unit_scorecard(reference: dict[str, Any]) -> list[Any]:
    """Unit x week unique, seed units of every level, response rate a share, ranks from 1."""
    return [*_scorecard("unit_id", seed_units(reference)), *not_null("unit_level")]


def dim_police_units(reference: dict[str, Any]) -> list[Any]:
    """Exactly the seeds' units: Polri, every Polda, every Polres."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeUnique(column="unit_id"),
        seed_units(reference),
        gxe.ExpectTableRowCountToEqual(value=len(reference["unit_ids"])),
    ]


def dim_polres(reference: dict[str, Any]) -> list[Any]:
    """Exactly the seed's precincts."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeUnique(column="polres_id"),
        gxe.ExpectColumnValuesToBeInSet(column="polres_id", value_set=reference["polres_ids"]),
        gxe.ExpectTableRowCountToEqual(value=len(reference["polres_ids"])),
    ]


def mart_coordinated_campaigns(_reference: dict[str, Any]) -> list[Any]:
    """Campaigns well formed; the posts whose text hid its letters (look-alikes, full-width,
    zero-width) counted: GX records the observed count in the Data Docs."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeInSet(column="direction",
                                        value_set=["praise", "attack", "neutral"]),
        gxe.ExpectColumnValuesToBeBetween(column="coordination_score", min_value=0, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="share_of_issue", min_value=0, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="lookalike_posts", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="lookalike_campaign_posts", min_value=0),
    ]


CAMPAIGNS_SQL = """
    select campaigns.direction, campaigns.coordination_score, campaigns.share_of_issue,
        counts.lookalike_posts, counts.lookalike_campaign_posts
    from (
        select
            count(*) filter (where lookalike_count > 0) as lookalike_posts,
            count(*) filter (where lookalike_count > 0 and post_key in (
                select post_key from marts.mart_campaign_posts)) as lookalike_campaign_posts
        from intermediate.int_campaign_texts
    ) as counts
    left join marts.mart_coordinated_campaigns as campaigns on true
"""


NETWORK_COUNTED = ("authors_without_followers", "authors_without_created_at", "self_loops",
                   "parents_never_seen", "reposts_of_missing_posts")


def network_input(_reference: dict[str, Any]) -> list[Any]:
    """The network's bad input is counted (never a failure): authors none of whose posts carries
    a follower count, or an account creation time (the contract's optional author.created_at),
    self-loops (dropped), replies and quotes whose parent was never seen, reposts of a post
    that is not in the warehouse (deleted before it was collected). What the marts promise
    about it must hold: no self-loop edge, every account of a scope in a community."""
    return [*zero("self_loop_edges", "accounts_without_community"),
            *non_negative(*NETWORK_COUNTED)]


NETWORK_INPUT_SQL = """
    with posts as (select post_key, parent_post_key, post_type, author_key, author_followers,
                          author_created_at
                   from marts.fct_posts),
    authors as (
        select count(author_followers) = 0 as without_followers,
            count(author_created_at) = 0 as without_created_at
        from posts
        group by author_key
    ),
    answers as (
        select posts.post_type, posts.parent_post_key is null
            or not exists (select 1 from posts as parents
                           where parents.post_key = posts.parent_post_key) as parent_missing
        from posts
        where posts.post_type <> 'post'
    )
    select
        (select count(*) filter (where without_followers) from authors)
            as authors_without_followers,
        (select count(*) filter (where without_created_at) from authors)
            as authors_without_created_at,
        (select count(distinct (post_key, interaction_type, target_author_key))
         from intermediate.int_network_interactions where is_self_loop) as self_loops,
        (select count(*) from answers where parent_missing and post_type <> 'repost')
            as parents_never_seen,
        (select count(*) from answers where parent_missing and post_type = 'repost')
            as reposts_of_missing_posts,
        (select count(*) from marts.mart_network_edges
         where source_author_key = target_author_key) as self_loop_edges,
        (select count(*) from marts.mart_issue_amplifiers where community_id is null)
            as accounts_without_community
"""


def _whole(table: str, expectations: Any, extra: str = "") -> AuditTarget:
    return AuditTarget(f"marts.{table}", "marts", f"marts.{table}",
                       f"select *{extra} from marts.{table}", expectations)


def targets() -> tuple[AuditTarget, ...]:
    return (
        _whole("dim_polres", dim_polres),
        _whole("dim_police_units", dim_police_units),
        AuditTarget("marts.fct_posts", "marts", "marts.fct_posts", FCT_POSTS_SQL, fct_posts),
        AuditTarget("marts.fct_post_metrics_hourly", "marts", "marts.fct_post_metrics_hourly",
                    FCT_POST_METRICS_HOURLY_SQL, fct_post_metrics_hourly),
        _whole("mart_polres_engagement_daily", mart_polres_engagement_daily),
        _whole("mart_polres_sentiment_daily", mart_polres_sentiment_daily,
               ", abs(positive_share + neutral_share + negative_share - 1) as share_sum_error"),
        _whole("mart_viral_posts", mart_viral_posts),
        _whole("mart_issue_alerts", mart_issue_alerts),
        AuditTarget("marts.mart_coordinated_campaigns", "marts",
                    "marts.mart_coordinated_campaigns", CAMPAIGNS_SQL, mart_coordinated_campaigns),
        _whole("mart_polres_scorecard", mart_polres_scorecard),
        _whole("mart_unit_engagement_daily", mart_unit_engagement_daily),
        _whole("mart_unit_sentiment_daily", mart_unit_sentiment_daily,
               ", abs(positive_share + neutral_share + negative_share - 1) as share_sum_error"),
        _whole("mart_unit_scorecard", mart_unit_scorecard),
        _whole("mart_top_authors", mart_top_authors),
        _whole("mart_hashtags_daily", mart_hashtags_daily),
        _whole("mart_polda_share_of_voice", mart_polda_share_of_voice,
               ", abs(sum(share_of_voice) over (partition by polda_id, period_type, "
               "period_start) - 1) as share_sum_error"),
        _whole("mart_issue_hashtag_war", mart_issue_hashtag_war),
        AuditTarget("marts.network.input", "marts", "marts.mart_network_edges",
                    NETWORK_INPUT_SQL, network_input, counted=NETWORK_COUNTED),
        _whole("mart_network_communities", mart_network_communities),
    )
