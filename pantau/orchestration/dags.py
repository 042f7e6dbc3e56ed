"""What the DAG files share: asset URIs, the writer pool and the task defaults.

Imported by the DAG files at parse time, so it imports only the standard library, the settings
and the failure callback (itself standard-library only).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pantau.orchestration.alerts import on_failure_callback
from pantau.settings import Settings

#: The one-slot pool every task that writes the working warehouse runs in
#: (created by :func:`pantau.local.airflow.setup`).
WRITER_POOL = "duckdb_writer"
#: Airflow's default pool, for the tasks that only read the published snapshot (``reports``).
READER_POOL = "default_pool"
#: Updated by ``ingest_social_posts`` when new posts landed in raw; schedules ``build_marts``.
RAW_POSTS_URI = "duckdb://pantau/raw/social_posts"
#: Updated by ``build_marts`` when a new audited snapshot was published.
PUBLISHED_MARTS_URI = "duckdb://pantau/published/marts"
START_DATE = datetime(2026, 1, 1, tzinfo=UTC)
DAG_IDS = ("ingest_social_posts", "build_marts", "maintenance", "reports")


def default_args(settings: Settings) -> dict[str, Any]:
    """Task defaults: retries with exponential backoff (from settings), the writer pool, alerts."""
    return {
        "retries": settings.task_retries,
        "retry_delay": timedelta(seconds=settings.task_retry_delay_s),
        "retry_exponential_backoff": 2.0,  # the delay doubles after each retry
        "max_retry_delay": timedelta(seconds=settings.task_retry_max_delay_s),
        "pool": WRITER_POOL,
        "on_failure_callback": on_failure_callback,
    }
