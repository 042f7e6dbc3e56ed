"""The steps the Airflow DAG runs, as plain tested functions (the DAG file only wires them).

Each returns a small JSON-able summary for XCom and raises a Pantau error when the step fails.
"""

from __future__ import annotations

import logging
from typing import Any

from pantau.settings import Settings

log = logging.getLogger(__name__)


def ingest(settings: Settings | None = None) -> dict[str, Any]:
    """Drain Kafka into ``raw.social_posts``; return the loader's counts."""
    from pantau.ingest import Loader

    settings = settings or Settings.from_env()
    report = Loader(settings, on_progress=lambda r, lag: log.info(
        "ingest: loaded %d, rejected %d, lag %d", r.loaded, r.rejected, lag)).run()
    log.info("ingest: %s", report.summary())
    return {"loaded": report.loaded, "rejected": report.rejected,
            "duplicates": report.duplicates, "seconds": round(report.seconds, 2)}


def build(settings: Settings | None = None) -> dict[str, Any]:
    """``dbt build`` the warehouse."""
    from pantau.transform import dbt_build

    result = dbt_build(settings or Settings.from_env())
    return {"passed": result.passed, "failed": result.failed, "skipped": result.skipped}


def audit(settings: Settings | None = None, run_id: str | None = None) -> dict[str, Any]:
    """Run the Great Expectations suites; fail when any expectation fails."""
    from pantau.audit import audit as run_audit

    results = run_audit(settings or Settings.from_env(), run_id=run_id)
    return {r.suite_name: {"success": r.success, "evaluated": r.evaluated} for r in results}
