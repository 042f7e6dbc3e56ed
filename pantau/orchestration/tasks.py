"""The steps the Airflow DAGs run, as plain tested functions (the DAG files only wire them).

Each returns a small JSON-able summary for XCom and raises a Pantau error when the step fails.
``build`` -> ``audit`` -> ``publish`` is write-audit-publish: the snapshot readers see changes
only after the dbt build and the audit passed.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pantau.settings import Settings

if TYPE_CHECKING:
    from pantau.transform.warm import WarmDbt

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


def raw_watermark(settings: Settings) -> str | None:
    """ISO time of the newest row of ``raw.social_posts`` (None when raw is empty).

    The build records it so that the audit compares the marts with the raw rows the build saw:
    in Airflow a load may run between the build and the audit tasks (each takes the one
    ``duckdb_writer`` slot separately).
    """
    from pantau.connections import warehouse

    con = warehouse.connect(settings.warehouse_path)
    try:
        warehouse.ensure_raw(con)
        newest = warehouse.scalar(con, "select max(ingested_at) from raw.social_posts")
    finally:
        con.close()
    return newest.isoformat() if newest is not None else None


def build(settings: Settings | None = None, *, full_refresh: bool | None = None,
          run_id: str | None = None, warm: WarmDbt | None = None) -> dict[str, Any]:
    """``dbt build`` the warehouse, then write the notifications it found to the outbox;
    return dbt's counts, the raw watermark it saw and the outbox's counts.

    ``full_refresh``: rebuild the incremental models; by default only when raw lost rows.
    ``run_id``: the build's id in the outbox (the publish of this run records the same id).
    ``warm``: run dbt in this long-lived worker (``pantau build --follow``), not a new process.
    The subscriptions file is checked before dbt runs: a broken one fails the build at once.
    """
    from pantau.notify.outbox import write_outbox
    from pantau.notify.subscriptions import load_subscriptions
    from pantau.transform.dbt import dbt_build

    settings = settings or Settings.from_env()
    subscriptions = load_subscriptions(settings)
    watermark = raw_watermark(settings)
    started = time.perf_counter()
    result = dbt_build(settings, full_refresh=full_refresh, warm=warm)
    outbox = write_outbox(settings, run_id or "manual", subscriptions=subscriptions)
    return {"passed": result.passed, "failed": result.failed, "skipped": result.skipped,
            "raw_watermark": watermark, "seconds": round(time.perf_counter() - started, 2),
            "notifications": {"events": outbox.events, "rows": outbox.rows}}


def audit(settings: Settings | None = None, run_id: str | None = None,
          raw_watermark: str | None = None) -> dict[str, Any]:
    """Run the Great Expectations suites; fail when any expectation fails."""
    from pantau.quality.audit import audit as run_audit
    from pantau.quality.audit import docs_dir

    settings = settings or Settings.from_env()
    started = time.perf_counter()
    results = run_audit(settings, run_id=run_id, raw_watermark=raw_watermark)
    return {"suites": {r.suite_name: r.evaluated for r in results},
            "data_docs": str(docs_dir(settings) / "index.html"),
            "seconds": round(time.perf_counter() - started, 2)}


def publish(settings: Settings | None = None, run_id: str | None = None) -> dict[str, Any]:
    """Swap the audited marts into the published snapshot (see :mod:`pantau.publish.snapshot`)."""
    from pantau.publish.snapshot import publish as run_publish

    result = run_publish(settings or Settings.from_env(), run_id=run_id)
    sent = result.postgres
    return {"path": str(result.path), "tables": result.tables,
            "seconds": round(result.seconds, 2),
            "postgres": None if sent is None else {
                "where": sent.where, "mode": sent.mode, "rows": sent.rows,
                "seconds": round(sent.seconds, 2)}}


def notify(settings: Settings | None = None) -> dict[str, Any]:
    """Deliver the notifications that are due (see :mod:`pantau.notify.deliver`): reads the
    ledger publish filled, never the warehouse."""
    from pantau.notify.deliver import deliver

    report = deliver(settings or Settings.from_env())
    log.info("notify: %s", report.summary())
    return {"sent": report.sent, "messages": report.messages, "retrying": report.retrying,
            "failed": report.failed, "held": report.held, "deferred": report.deferred}


def reports(settings: Settings | None = None, *, period: str, force: bool = False
            ) -> dict[str, Any]:
    """The scheduled reports of the last complete ``period`` (``day`` or ``week``), then the
    emails of the subscriptions that asked for them (queued in the ledger and sent at once; when
    another run is delivering, the next notify run sends them)."""
    from pantau.exceptions import TransientError
    from pantau.notify.report_mail import enqueue_reports
    from pantau.reports import make_due

    settings = settings or Settings.from_env()
    summary = make_due(settings, period, force=force)  # type: ignore[arg-type]
    summary["emails_queued"] = enqueue_reports(settings, summary)
    if summary["emails_queued"]:
        try:
            summary["notify"] = notify(settings)
        except TransientError as busy:
            log.info("%s", busy)
    return summary


def build_audit_publish(settings: Settings, *, run_id: str | None = None,
                        say: Callable[[str], None] = log.info,
                        on_step: Callable[[str], None] | None = None,
                        full_refresh: bool | None = None,
                        warm: WarmDbt | None = None) -> dict[str, Any]:
    """The whole ``build_marts`` DAG in one call (`pantau build`, the benchmark, tests).

    ``on_step`` is called with ``"dbt build"``, ``"GX audit"``, ``"publish"`` and ``"notify"``
    as each starts.
    """
    step = on_step or (lambda _name: None)
    run_id = run_id or str(uuid.uuid4())  # one id for the build's outbox and its publish
    step("dbt build")
    built = build(settings, full_refresh=full_refresh, run_id=run_id, warm=warm)
    say(f"dbt build: {built['passed']} passed, {built['skipped']} skipped "
        f"in {built['seconds']:.1f}s")
    step("GX audit")
    audited = audit(settings, run_id=run_id, raw_watermark=built["raw_watermark"])
    say(f"GX audit: {len(audited['suites'])} suites, "
        f"{sum(audited['suites'].values())} expectations, all passed in "
        f"{audited['seconds']:.1f}s (Data Docs: {audited['data_docs']})")
    step("publish")
    published = publish(settings, run_id=run_id)
    say(f"published {len(published['tables'])} mart tables to {published['path']} "
        f"in {published['seconds']:.1f}s")
    if published["postgres"]:
        sent = published["postgres"]
        say(f"published the marts into PostgreSQL at {sent['where']}: {sent['mode']}, "
            f"{sent['rows']:,} rows sent in {sent['seconds']:.1f}s")
    step("notify")
    notified = notify(settings)
    say(f"notify: {notified['sent']} sent in {notified['messages']} messages, "
        f"{notified['retrying']} to retry, {notified['failed']} failed, {notified['held']} held "
        "for quiet hours")
    return {"build": built, "audit": audited, "publish": published, "notify": notified}


def follow(settings: Settings, *, stop: threading.Event,
           say: Callable[[str], None] = log.info) -> int:
    """``pantau build --follow``: the DAGs' work back to back in one long-lived process, with
    dbt kept warm between builds (:mod:`pantau.transform.warm`).

    Each cycle loads what Kafka holds (the loader, drained), then builds, audits, publishes and
    notifies when the load brought anything new (the first cycle always builds); a cycle starts
    at most every ``PANTAU_FOLLOW_INTERVAL_S``. Loads and builds take turns on the warehouse,
    as in the DAGs' ``duckdb_writer`` pool: do not run the Airflow DAGs on the same warehouse.
    A failed cycle (a dbt test, the audit, a broker away) is said and the next one tries again;
    the published snapshot stays as it was. A broken configuration stops the loop.

    Returns the number of builds, when ``stop`` is set.
    """
    from pantau.exceptions import ConfigurationError, PantauError
    from pantau.ingest import Loader
    from pantau.transform.warm import WarmDbt

    builds = cycle = 0
    with WarmDbt(settings) as warm:
        while not stop.is_set():
            started = time.monotonic()
            cycle += 1
            try:
                loaded = Loader(settings).run(stop=stop)
                if loaded.loaded or cycle == 1:
                    say(f"cycle {cycle}: {loaded.summary()}")
                    build_audit_publish(settings, run_id=f"follow-{uuid.uuid4()}", say=say,
                                        warm=warm)
                    builds += 1
            except ConfigurationError:
                raise
            except PantauError as error:
                say(f"cycle {cycle} failed: {error} (the published snapshot stays as it was; "
                    "the next cycle tries again)")
            stop.wait(max(0.0, settings.follow_interval_s - (time.monotonic() - started)))
    return builds
