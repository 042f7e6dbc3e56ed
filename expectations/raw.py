"""Expectations on ``raw.social_posts``: what the loader promises about every row it appends."""

from __future__ import annotations

from typing import Any

from expectations.base import METRICS, AuditTarget, contract_enums, non_negative, not_null, zero


def _in(values: list[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def raw_rows(reference: dict[str, Any]) -> list[Any]:
    """Row by row, on a sample: ids present, closed sets, metrics >= 0, text bounds, time order."""
    import great_expectations.expectations as gxe

    return [
        *not_null("event_id", "platform", "post_id", "author_id", "text", "created_at",
                  "observed_at"),
        gxe.ExpectColumnValuesToBeUnique(column="event_id"),
        gxe.ExpectColumnValuesToBeInSet(column="platform", value_set=reference["platforms"]),
        gxe.ExpectColumnValuesToBeInSet(column="post_type", value_set=reference["post_types"]),
        *non_negative(*METRICS),
        gxe.ExpectColumnValueLengthsToBeBetween(column="text", min_value=0,
                                                max_value=reference["text_max_length"]),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="observed_at", column_B="created_at",
                                                    or_equal=True),
    ]


INVARIANT_COLUMNS = ("duplicate_event_ids", "missing_ids", "unknown_platforms", "unknown_post_types",
                     "negative_metrics", "created_after_observed", "text_too_long")


def raw_invariants(_reference: dict[str, Any]) -> list[Any]:
    """Exact counts over the whole table: every violation count must be 0."""
    return zero(*INVARIANT_COLUMNS)


def _invariants_sql() -> str:
    enums = contract_enums()
    negative = " or ".join(f"{metric} < 0" for metric in METRICS)
    return f"""
        select
            count(*) - count(distinct event_id) as duplicate_event_ids,
            count(*) filter (where event_id is null or platform is null or post_id is null
                             or author_id is null) as missing_ids,
            count(*) filter (where platform not in ({_in(enums["platforms"])})) as unknown_platforms,
            count(*) filter (where post_type not in ({_in(enums["post_types"])}))
                as unknown_post_types,
            count(*) filter (where {negative}) as negative_metrics,
            count(*) filter (where created_at > observed_at) as created_after_observed,
            count(*) filter (where length(text) > {enums["text_max_length"]}) as text_too_long,
            count(*) as row_count
        from raw.social_posts
    """


def targets() -> tuple[AuditTarget, ...]:
    return (
        AuditTarget("raw.social_posts", "raw", "raw.social_posts", """
            select event_id, platform, post_id, post_type, author_id, text, created_at,
                observed_at, likes, replies, shares, quotes, views
            from raw.social_posts using sample reservoir({sample_rows} rows) repeatable (7)
        """, raw_rows),
        AuditTarget("raw.social_posts.invariants", "raw", "raw.social_posts", _invariants_sql(),
                    raw_invariants),
    )
