"""What an audit target is, and the helpers the suites share.

A target is one SQL query on the working warehouse and the GX expectations its result must meet.
Queries return small frames on purpose: row-level expectations run on whole small tables (marts)
or on a reservoir sample of big ones (raw, staging), and exact whole-table checks of big tables
are aggregate SQL counts that GX validates as a one-row frame. That keeps the audit fast at
millions of posts (GX's pandas engine would need the whole table in memory otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

Layer = Literal["raw", "staging", "marts"]


@dataclass(frozen=True)
class AuditTarget:
    """A query to validate and the expectations of its suite.

    Attributes:
        suite_name: the GX suite name (``<schema>.<table>[.<aspect>]``).
        layer: raw, staging or marts (marts targets run only for marts the dbt project builds).
        table: the table the query reads (``schema.table``); missing, it fails the audit.
        query: SQL; ``{sample_rows}`` and ``{raw_watermark}`` (a timestamp literal: raw rows
            ingested up to the build) are filled in by :func:`pantau.quality.audit.audit`.
        expectations: receives reference values (``polres_ids``, ``unit_ids``, ``platforms``, ``post_types``,
            ``text_max_length``, ``freshness_hours``) and returns GX expectation objects.
        counted: columns of a one-row frame that count bad input the build handles (never a
            failure by themselves): the audit records their values with the result
            (``audit.validation_results.counts``) and logs them.
    """

    suite_name: str
    layer: Layer
    table: str
    query: str
    expectations: Callable[[dict[str, Any]], list[Any]]
    counted: tuple[str, ...] = ()


@cache
def contract_enums() -> dict[str, Any]:
    """Closed sets and bounds of the ``social.posts.v1`` contract (the single source of truth)."""
    from pantau import contract

    properties = contract.schema()["properties"]
    return {
        "platforms": list(properties["platform"]["enum"]),
        "post_types": list(properties["post_type"]["enum"]),
        "text_max_length": int(properties["text"].get("maxLength", 100_000)),
    }


def zero(*columns: str) -> list[Any]:
    """Each column of a one-row count frame must be 0 (exact whole-table checks)."""
    import great_expectations.expectations as gxe

    return [gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=0)
            for column in columns]


def not_null(*columns: str) -> list[Any]:
    import great_expectations.expectations as gxe

    return [gxe.ExpectColumnValuesToNotBeNull(column=column) for column in columns]


def non_negative(*columns: str) -> list[Any]:
    import great_expectations.expectations as gxe

    return [gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0) for column in columns]


def share(*columns: str) -> list[Any]:
    import great_expectations.expectations as gxe

    return [gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1)
            for column in columns]


def seed_units(reference: dict[str, Any], column: str = "unit_id") -> Any:
    """``column`` holds only units of the seeds at any level (Polri, a Polda, a Polres)."""
    import great_expectations.expectations as gxe

    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=reference["unit_ids"])


UNIT_LEVELS = ["national", "polda", "polres"]


def seed_polres(reference: dict[str, Any], column: str = "polres_id") -> Any:
    """Only precincts of the seed ``reference.polres`` (nulls are allowed: unresolved posts)."""
    import great_expectations.expectations as gxe

    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=reference["polres_ids"])


METRICS = ("likes", "replies", "shares", "quotes", "views")
