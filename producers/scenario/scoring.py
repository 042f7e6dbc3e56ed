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
* **Coordinated campaigns** (``marts.mart_campaign_posts``, :func:`score_campaigns`):
  precision and recall against the planted campaigns, and the planted viral events (organic)
  that a detected campaign flags; :func:`score_campaign_communities` checks that a campaign's
  accounts land in a community of its stance (``marts.mart_issue_amplifiers``).
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


# --- coordinated campaigns ----------------------------------------------------------------------
#: The community stance a planted campaign's accounts should land in.
STANCE = {"praise": "pro", "attack": "contra"}


@dataclass
class CampaignScore:
    """Detected campaigns (``marts.mart_campaign_posts``) against the planted ones.

    A detected campaign matches a planted one when more than half of its posts are copies that
    campaign planted; precision is the share of detected campaigns that match one, recall the
    share of planted campaigns matched. An organic (planted viral) event is flagged when any of
    its posts lands in a detected campaign.
    """

    detected: int = 0
    planted: int = 0
    organic_events: int = 0
    precision: float = 1.0
    recall: float = 1.0
    organic_flagged: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    false_campaigns: list[str] = field(default_factory=list)
    directions_wrong: list[str] = field(default_factory=list)

    @property
    def organic_flagged_share(self) -> float:
        return len(self.organic_flagged) / self.organic_events if self.organic_events else 0.0

    def summary(self) -> str:
        return (f"campaigns: precision {self.precision:.3f}, recall {self.recall:.3f} "
                f"({self.detected} detected, {self.planted} planted); organic viral events "
                f"flagged {len(self.organic_flagged)}/{self.organic_events} "
                f"({self.organic_flagged_share:.1%}); direction wrong for "
                f"{len(self.directions_wrong)}")


def _records(truth_paths: list[Path], kind: str) -> list[dict[str, Any]]:
    return [record for path in truth_paths for record in iter_truth(path)
            if record["record"] == kind]


def score_campaigns(con: duckdb.DuckDBPyConnection, truth_paths: list[Path]) -> CampaignScore:
    """Score ``marts.mart_coordinated_campaigns`` / ``mart_campaign_posts`` on ``con`` against
    the campaigns and organic events of one or more ground-truth files (one per seed)."""
    campaigns = _records(truth_paths, "campaign")
    events = _records(truth_paths, "event")
    planted_of = {key: campaign["campaign_id"] for campaign in campaigns
                  for key in campaign["post_ids"]}
    direction_of = {campaign["campaign_id"]: campaign["direction"] for campaign in campaigns}
    detected: dict[str, set[str]] = {}
    for campaign_id, post_key in con.execute(
            "select campaign_id, post_key from marts.mart_campaign_posts").fetchall():
        detected.setdefault(campaign_id, set()).add(post_key)
    directions = dict(con.execute(
        "select campaign_id, direction from marts.mart_coordinated_campaigns").fetchall())
    score = CampaignScore(detected=len(detected), planted=len(campaigns),
                          organic_events=len(events))
    found: set[str] = set()
    for campaign_id, keys in sorted(detected.items()):
        counts: dict[str, int] = {}
        for key in keys:
            planted = planted_of.get(key)
            if planted is not None:
                counts[planted] = counts.get(planted, 0) + 1
        best = max(counts, key=counts.__getitem__, default=None)
        if best is None or counts[best] * 2 <= len(keys):
            score.false_campaigns.append(campaign_id)
            continue
        found.add(best)
        if directions.get(campaign_id) != direction_of[best]:
            score.directions_wrong.append(campaign_id)
    flagged = set().union(*detected.values()) if detected else set()
    score.organic_flagged = [event["event_key"] for event in events
                             if flagged.intersection(event["post_ids"])]
    score.missed = sorted(set(direction_of) - found)
    score.precision = (1 - len(score.false_campaigns) / len(detected)) if detected else 1.0
    score.recall = len(found) / len(campaigns) if campaigns else 1.0
    return score


def score_campaign_communities(con: duckdb.DuckDBPyConnection, truth_paths: list[Path]
                               ) -> dict[str, float | None]:
    """Per planted campaign, the share of its accounts that land in a community of the
    planted stance (praise: ``pro``, attack: ``contra``) in ``marts.mart_issue_amplifiers``,
    in the ``polres_day`` scope (``polres_id/created_date``) holding most of its posts.

    The accounts are the ``fct_posts.author_key`` of its planted posts (copies, reposts and
    quotes); an account the mart does not hold in that scope counts as not landing. None for a
    campaign none of whose posts made it into ``fct_posts``.
    """
    out: dict[str, float | None] = {}
    for campaign in _records(truth_paths, "campaign"):
        keys = campaign["post_ids"] + campaign["network_post_ids"]
        rows = con.execute("""
            select author_key, polres_id, cast(created_date as varchar)
            from marts.fct_posts where post_key in (select unnest(?::varchar[]))""",
                           [keys]).fetchall()
        if not rows:
            out[campaign["campaign_id"]] = None
            continue
        accounts = {row[0] for row in rows}
        days: dict[str, int] = {}
        for _author, polres_id, day in rows:
            if polres_id == campaign["polres_id"]:
                scope = f"{polres_id}/{day}"
                days[scope] = days.get(scope, 0) + 1
        scope_id = max(days, key=days.__getitem__, default=f"{campaign['polres_id']}/?")
        landed = con.execute("""
            select count(distinct author_key) from marts.mart_issue_amplifiers
            where scope_type = 'polres_day' and scope_id = ? and community_stance = ?
              and author_key in (select unnest(?::varchar[]))""",
                             [scope_id, STANCE[campaign["direction"]], sorted(accounts)]
                             ).fetchone()
        out[campaign["campaign_id"]] = (landed[0] if landed else 0) / len(accounts)
    return out
