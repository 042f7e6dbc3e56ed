"""Alerts when an Airflow task fails: a row in ``audit.alerts`` and, optionally, a webhook POST.

:func:`on_failure_callback` is the ``on_failure_callback`` of every Pantau DAG. The warehouse may
be locked by another writer when a task fails (that may be why it failed): the alert then goes
to ``<state>/alerts.jsonl`` instead, and the log says so. When ``PANTAU_ALERT_WEBHOOK_URL`` is
set the same alert is POSTed to it as JSON. Nothing here raises: an alert that cannot be
delivered is logged, and the task's own failure stays what Airflow reports.

Only the standard library and the settings are imported at module level: DAG files import this
module when Airflow parses them.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pantau.settings import Settings

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_S = 10


@dataclass(frozen=True)
class Alert:
    """One failed task."""

    dag_id: str
    task_id: str
    run_id: str
    error: str
    at: datetime

    def payload(self) -> dict[str, Any]:
        """The JSON body of the webhook POST (and of a JSONL fallback line)."""
        return {**asdict(self), "at": self.at.isoformat() + "Z", "source": "pantau"}


@dataclass(frozen=True)
class Delivery:
    """Where an alert went: ``recorded_in`` is ``audit.alerts`` or the JSONL file's path."""

    recorded_in: str
    webhook_status: int | None = None
    webhook_error: str | None = None


def fallback_path(settings: Settings) -> Path:
    """The JSONL file alerts go to when the warehouse cannot take them."""
    return settings.state_dir / "alerts.jsonl"


def _insert(settings: Settings, alert: Alert) -> None:
    from pantau.connections import warehouse

    con = warehouse.connect(settings.warehouse_path)
    try:
        warehouse.ensure_raw(con)
        con.execute("insert into audit.alerts values (?, ?, ?, ?, ?)",
                    [alert.dag_id, alert.task_id, alert.run_id, alert.error, alert.at])
    finally:
        con.close()


def _post(url: str, alert: Alert) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(alert.payload()).encode(), method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "pantau-alerts"})
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:
        return int(response.status)


def record_alert(settings: Settings, alert: Alert) -> Delivery:
    """Record ``alert`` in ``audit.alerts`` (or the JSONL fallback) and POST it when configured."""
    try:
        _insert(settings, alert)
        recorded_in = "audit.alerts"
    except Exception as error:  # locked, or a broken warehouse: the alert must still land
        path = fallback_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({**alert.payload(), "not_in_warehouse_because": str(error)},
                                    ensure_ascii=False) + "\n")
        recorded_in = str(path)
        log.warning("alert for %s.%s could not be written to audit.alerts (%s); it was appended "
                    "to %s instead", alert.dag_id, alert.task_id, error, path)
    status, webhook_error = None, None
    if settings.alert_webhook_url:
        try:
            status = _post(settings.alert_webhook_url, alert)
        except Exception as error:
            webhook_error = f"{type(error).__name__}: {error}"
            log.error("alert webhook POST failed (%s); the alert is in %s", webhook_error,
                      recorded_in)
    return Delivery(recorded_in, status, webhook_error)


def alert_from_context(context: Any) -> Alert:
    """The alert of an Airflow task context (``ti``, ``run_id``, ``exception``)."""
    ti = context.get("ti") or context.get("task_instance")
    error = context.get("exception")
    text = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error)
    return Alert(dag_id=str(getattr(ti, "dag_id", context.get("dag_id", "?"))),
                 task_id=str(getattr(ti, "task_id", "?")),
                 run_id=str(context.get("run_id") or getattr(ti, "run_id", "?")),
                 error=text[:4000], at=datetime.now(UTC).replace(tzinfo=None))


def on_failure_callback(context: Any) -> None:
    """Airflow's ``on_failure_callback`` for Pantau tasks (runs after the last retry failed)."""
    try:
        alert = alert_from_context(context)
        delivery = record_alert(Settings.from_env(), alert)
        log.error("ALERT %s.%s failed in run %s: recorded in %s%s", alert.dag_id, alert.task_id,
                  alert.run_id, delivery.recorded_in,
                  f", webhook answered {delivery.webhook_status}" if delivery.webhook_status
                  else "")
    except Exception:  # a callback must never hide the task's own failure
        log.exception("the Pantau failure callback itself failed")
