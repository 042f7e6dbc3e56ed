"""Expectations on the marts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PLATFORMS = ["x", "instagram", "facebook", "tiktok", "youtube", "news", "mastodon"]


@dataclass(frozen=True)
class AuditTarget:
    """A table to audit and the expectations of its suite.

    ``expectations`` receives reference values read from the warehouse (``polres_ids``) and
    returns GX expectation objects; the suite is named ``suite_name``.
    """

    suite_name: str
    table: str
    expectations: Callable[[dict[str, Any]], list[Any]]


def mart_polres_engagement_daily(reference: dict[str, Any]) -> list[Any]:
    """Keys present, only seed Polres and contract platforms, counts positive, grain unique."""
    import great_expectations.expectations as gxe

    expectations: list[Any] = [
        gxe.ExpectColumnValuesToNotBeNull(column=column)
        for column in ("polres_id", "platform", "activity_date", "post_count")
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeInSet(column="polres_id", value_set=reference["polres_ids"]),
        gxe.ExpectColumnValuesToBeInSet(column="platform", value_set=PLATFORMS),
        gxe.ExpectColumnValuesToBeBetween(column="post_count", min_value=1),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["polres_id", "platform",
                                                         "activity_date"]),
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0)
        for column in ("likes", "replies", "shares", "quotes", "engagement", "author_count")
    ]
    return expectations


SUITES: tuple[AuditTarget, ...] = (
    AuditTarget("marts.mart_polres_engagement_daily", "marts.mart_polres_engagement_daily",
                mart_polres_engagement_daily),
)
