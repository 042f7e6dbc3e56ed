"""Score the marts against the ground truth of a synthetic scenario.

The scenario generator (``producers.scenario``) writes what it planted: every event (kind,
Polres, start, end, post ids, official response and its delay). This module compares the
marts of a warehouse built from that scenario with it:

* **Viral posts** (``marts.mart_viral_posts``): each planted event's root post — the post its
  story spread from — is a planted viral post. Recall is the share of those roots found;
  precision is the share of found posts that belong to a planted event (a background post
  flagged viral is a false positive; another post of a planted story that went viral too is
  not).
* **Issue alerts** (``marts.mart_issue_alerts``): an alert matches a planted negative issue of
  the same Polres when it starts between the issue's start (less
  ``START_TOLERANCE``) and its end. Recall: planted issues matched; precision: alerts that
  match one.
* **Response minutes**: for each matched issue, the alert's ``response_minutes`` against the
  planted delay (both measured from the issue's start); an issue planted without a response
  must have none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from producers.scenario.truth import iter_truth

#: How much earlier than the planted start an alert may begin and still match it.
START_TOLERANCE = timedelta(hours=1)


@dataclass
class MartScore:
    """Precision and recall of viral posts and issue alerts, and the response-time error."""

    viral_found: int = 0
    viral_planted: int = 0
    viral_recall: float = 0.0
    viral_precision: float = 0.0
    alerts: int = 0
    issues_planted: int = 0
    issue_recall: float = 0.0
    issue_precision: float = 0.0
    response_errors: list[float] = field(default_factory=list)
    missed_issues: list[str] = field(default_factory=list)
    false_alerts: list[str] = field(default_factory=list)
    missed_roots: list[str] = field(default_factory=list)
    false_viral: list[str] = field(default_factory=list)

    @property
    def max_response_error(self) -> float:
        return max(self.response_errors, default=0.0)

    def summary(self) -> str:
        return (f"viral posts: precision {self.viral_precision:.3f}, recall {self.viral_recall:.3f} "
                f"({self.viral_found} found, {self.viral_planted} planted roots); issue alerts: "
                f"precision {self.issue_precision:.3f}, recall {self.issue_recall:.3f} "
                f"({self.alerts} alerts, {self.issues_planted} planted issues); response minutes: "
                f"max error {self.max_response_error:.1f} over {len(self.response_errors)} "
                "responses")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def read_planted(truth_path: Path) -> tuple[list[dict[str, Any]], set[str]]:
    """The planted events, and the keys of every post that belongs to one."""
    events = [record for record in iter_truth(truth_path) if record["record"] == "event"]
    members = {key for event in events for key in event["post_ids"]}
    return events, members


def score_marts(con: duckdb.DuckDBPyConnection, truth_path: Path) -> MartScore:
    """Score ``marts.mart_viral_posts`` and ``marts.mart_issue_alerts`` on ``con``."""
    events, members = read_planted(truth_path)
    score = MartScore()

    roots = {event["post_ids"][0] for event in events if event["post_ids"]}
    viral = {row[0] for row in con.execute("select post_key from marts.mart_viral_posts").fetchall()}
    score.viral_found, score.viral_planted = len(viral), len(roots)
    score.missed_roots = sorted(roots - viral)
    score.false_viral = sorted(viral - members)
    score.viral_recall = (len(roots & viral) / len(roots)) if roots else 1.0
    score.viral_precision = (len(viral & members) / len(viral)) if viral else 1.0

    issues = [event for event in events if event["kind"] == "negative_issue"]
    alerts = con.execute("""
        select alert_id, polres_id, started_at, response_minutes
        from marts.mart_issue_alerts order by started_at""").fetchall()
    score.alerts, score.issues_planted = len(alerts), len(issues)
    matched_alerts: set[str] = set()
    for issue in issues:
        start, end = _time(issue["start"]), _time(issue["end"])
        hits = [alert for alert in alerts if alert[1] == issue["polres_id"]
                and start - START_TOLERANCE <= alert[2] <= end]
        if not hits:
            score.missed_issues.append(issue["event_key"])
            continue
        first = min(hits, key=lambda alert: alert[2])
        matched_alerts.update(alert[0] for alert in hits)
        planted, measured = issue["response_minutes"], first[3]
        if planted is None:
            score.response_errors.append(0.0 if measured is None else float("inf"))
        else:
            score.response_errors.append(
                float("inf") if measured is None else abs(float(measured) - planted))
    score.false_alerts = [alert[0] for alert in alerts if alert[0] not in matched_alerts]
    score.issue_recall = (1 - len(score.missed_issues) / len(issues)) if issues else 1.0
    score.issue_precision = (len(matched_alerts) / len(alerts)) if alerts else 1.0
    return score
