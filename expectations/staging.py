"""Expectations on ``staging.stg_social_posts`` (one row per post, its latest observation)."""

from __future__ import annotations

from typing import Any

from expectations.base import AuditTarget, non_negative, not_null, zero


def staging_rows(reference: dict[str, Any]) -> list[Any]:
    """Row by row, on a sample: keys present and well formed, metrics and engagement >= 0."""
    import great_expectations.expectations as gxe

    return [
        *not_null("post_key", "event_id", "post_id", "platform", "created_at", "observed_at",
                  "engagement", "is_official_author"),
        gxe.ExpectColumnValuesToBeUnique(column="post_key"),
        gxe.ExpectColumnValuesToBeInSet(column="platform", value_set=reference["platforms"]),
        gxe.ExpectColumnValuesToBeInSet(column="is_official_author", value_set=[True, False]),
        gxe.ExpectColumnPairValuesToBeEqual(column_A="post_key", column_B="expected_post_key"),
        *non_negative("likes", "replies", "shares", "quotes", "engagement"),
    ]


INVARIANT_COLUMNS = ("duplicate_post_keys", "missing_keys", "negative_engagement",
                     "engagement_not_sum_of_metrics", "posts_not_in_raw_count")


def staging_invariants(_reference: dict[str, Any]) -> list[Any]:
    """Exact counts over the whole view: every violation count must be 0."""
    return zero(*INVARIANT_COLUMNS)


def targets() -> tuple[AuditTarget, ...]:
    return (
        AuditTarget("staging.stg_social_posts", "staging", "staging.stg_social_posts", """
            select post_key, platform || ':' || post_id as expected_post_key, event_id, post_id,
                platform, is_official_author, likes, replies, shares, quotes, engagement,
                created_at, observed_at
            from staging.stg_social_posts using sample reservoir({sample_rows} rows) repeatable (7)
        """, staging_rows),
        AuditTarget("staging.stg_social_posts.invariants", "staging", "staging.stg_social_posts",
                    """
            with staged as (select * from staging.stg_social_posts)
            select
                count(*) - count(distinct post_key) as duplicate_post_keys,
                count(*) filter (where post_key is null or event_id is null or post_id is null
                                 or platform is null) as missing_keys,
                count(*) filter (where engagement < 0) as negative_engagement,
                count(*) filter (where engagement <> likes + replies + shares + quotes)
                    as engagement_not_sum_of_metrics,
                abs(count(*) - (select count(distinct (platform, post_id))
                                from raw.social_posts)) as posts_not_in_raw_count
            from staged
        """, staging_invariants),
    )
