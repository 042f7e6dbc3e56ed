"""The reports that email subscriptions receive (``reports: [daily, weekly]``).

When the scheduled run has made a period's reports (:func:`pantau.reports.make_due`),
:func:`enqueue_reports` puts one ledger row per (report, email channel) whose subscription asks
for that period and whose scope holds the report's unit: a ``{polres: [...]}`` scope those
Polres' reports, a ``{polda: [...]}`` scope those Polda's reports (a Polda report lists its
Polres), ``national`` and ``all`` every Polda's. The rows go straight into the delivery ledger
(the reports are made from the published snapshot already), keyed by the report's id and the
channel, so a report is mailed once however often the run is repeated; ``pantau notify`` (the
notify task, or the reports DAG right after making them) sends them with the PDF attached.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pantau.notify.deliver import enqueue
from pantau.notify.events import event_id
from pantau.notify.subscriptions import Subscription, load_subscriptions
from pantau.settings import Settings


def _covers(subscription: Subscription, unit_id: str, polda_of: dict[str, str]) -> bool:
    scope = subscription.resolved_scope
    if scope.polres is not None:
        return unit_id in scope.polres
    if scope.polda is not None:
        return unit_id in scope.polda
    return unit_id not in polda_of  # national / all: the Polda reports


def enqueue_reports(settings: Settings, summary: dict[str, Any]) -> int:
    """Ledger rows for the reports of one scheduled run (``make_due``'s summary); returns how
    many were new."""
    from pantau.contract.reference import load_polda, load_polres
    from pantau.reports import SUBSCRIPTION_PERIODS, list_reports

    if summary.get("skipped") or not summary.get("units"):
        return 0
    period, label = summary["period"], summary["label"]
    wanted = [(s, s.channel) for s in load_subscriptions(settings).subscriptions
              if any(SUBSCRIPTION_PERIODS[r] == period for r in s.reports)]
    if not wanted:
        return 0
    polres = {p.polres_id: p for p in load_polres()}
    polda = {p.polda_id: p for p in load_polda()}
    polda_by_name = {p.name: p.polda_id for p in polda.values()}
    polda_of = {pid: polda_by_name.get(p.polda, "") for pid, p in polres.items()}
    end = datetime.fromisoformat(summary["end"]).date() if summary.get("end") else None
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rows = []
    for unit_id in summary["units"]:
        files = [str(p) for p in list_reports(settings, unit_id=unit_id, period=period, end=end)]
        if not files:
            continue
        level = "polres" if unit_id in polres else "polda"
        name = polres[unit_id].name if level == "polres" else (
            polda[unit_id].name if unit_id in polda else unit_id)
        ident = event_id("report", period, label, unit_id)
        payload = {"event_id": ident, "kind": "report", "period": period, "label": label,
                   "unit": {"unit_id": unit_id, "unit_level": level, "unit_name": name},
                   "files": files}
        for subscription, channel in wanted:
            if _covers(subscription, unit_id, polda_of):
                rows.append({
                    "build_id": f"reports-{period}-{label}", "event_id": ident,
                    "channel": channel, "kind": "report", "severity": "low",
                    "unit_id": unit_id, "unit_level": level,
                    "polres_id": unit_id if level == "polres" else None,
                    "polda_id": polda_of.get(unit_id) if level == "polres" else unit_id,
                    "occurred_at": now, "quiet_hours": None,
                    "payload": json.dumps(payload, ensure_ascii=False)})
    unique = list({(r["event_id"], r["channel"]): r for r in rows}.values())
    return enqueue(settings, unique) if unique else 0
