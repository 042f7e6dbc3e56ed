"""The ground truth of a scenario run: what was planted, so detection and sentiment can be scored.

One JSON Lines file per run, written while the posts are generated (memory stays bounded: only
the post ids of planted events are kept until the end). Every line has a ``record`` field:

``run``
    first line: seed, window, options.
``post``
    one per post: ``post`` (``platform:post_id``), ``sentiment`` (positive / neutral /
    negative), ``topic``, ``polres_ids`` (the precincts the text, mentions or hashtags name;
    empty or two are possible), ``event_key`` (or null), ``is_official``, ``created_at``.
``event``
    one per planted event: ``event_key``, ``kind`` (positive_viral / negative_issue),
    ``polres_id``, ``story``, ``topic``, ``platform``, ``start``, ``peak``, ``end``,
    ``post_ids``, ``official_response_post_id`` and ``response_minutes`` (null when none).
``campaign``
    one per planted coordinated campaign (scenarios with campaigns only): ``campaign_id``,
    ``direction`` (praise / attack), ``polres_id``, ``platform``, ``start``,
    ``span_minutes``, ``event_key`` (the planted event it rides, or null), ``post_ids`` (the
    copies of its text, the core account's first), ``network_post_ids`` (reposts and quotes
    between its accounts) and ``account_ids`` (the core account first). Its posts' ``post``
    records carry ``campaign_id``.
``summary``
    last line: posts, events (messages) and planted events written; ``complete`` is false when
    the run was interrupted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from producers.publisher import encode_json
from producers.scenario.events import PlantedEvent

if TYPE_CHECKING:
    from producers.scenario.campaigns import PlantedCampaign


def iso(epoch_s: int) -> str:
    """UTC ISO-8601 with ``Z`` for epoch seconds."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch_s, UTC).isoformat().replace("+00:00", "Z")


class TruthWriter:
    """Streams the ground truth of one run to a JSONL file.

    Args:
        path: the file to write (its directory is created).
        run: the ``run`` record's fields (seed, window, options).
    """

    def __init__(self, path: Path, run: dict[str, Any]) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] = path.open("wb")
        self._write = self._file.write
        self.posts = 0
        self.planted = 0
        self.campaigns = 0
        self._line({"record": "run", **run})

    def _line(self, record: dict[str, Any]) -> None:
        self._write(encode_json(record) + b"\n")

    def post(self, key: str, *, sentiment: str, topic: str, polres_ids: list[str],
             event_key: str | None, is_official: bool, created_at: str,
             campaign_id: str | None = None) -> None:
        """Record the planted labels of one post (``campaign_id`` only on a campaign's)."""
        self.posts += 1
        record = {
            "record": "post", "post": key, "sentiment": sentiment, "topic": topic,
            "polres_ids": polres_ids, "event_key": event_key, "is_official": is_official,
            "created_at": created_at}
        if campaign_id is not None:
            record["campaign_id"] = campaign_id
        self._write(encode_json(record) + b"\n")

    def event(self, event: PlantedEvent) -> None:
        """Record one planted event with every post it planted."""
        self.planted += 1
        self._line({
            "record": "event", "event_key": event.key, "kind": event.kind,
            "polres_id": event.precinct.polres_id, "story": event.story.name,
            "topic": event.story.topic, "platform": event.platform,
            "start": iso(event.start), "peak": iso(event.peak), "end": iso(event.end),
            "post_ids": event.post_ids, "official_response_post_id": event.response_post,
            "response_minutes": event.response_minutes if event.response_post else None,
        })

    def campaign(self, campaign: PlantedCampaign) -> None:
        """Record one planted campaign with its posts and accounts."""
        self.campaigns += 1
        self._line({
            "record": "campaign", "campaign_id": campaign.key, "direction": campaign.direction,
            "polres_id": campaign.precinct.polres_id, "platform": campaign.platform,
            "start": iso(campaign.start), "span_minutes": campaign.span_s // 60,
            "event_key": campaign.event.key if campaign.event else None,
            "post_ids": campaign.post_ids, "network_post_ids": campaign.network_post_ids,
            "account_ids": [account["id"] for account in campaign.accounts],
        })

    def close(self, *, messages: int, complete: bool) -> None:
        """Write the summary line and close the file."""
        if self._file.closed:
            return
        self._line({"record": "summary", "posts": self.posts, "messages": messages,
                    "planted_events": self.planted, "complete": complete,
                    **({"planted_campaigns": self.campaigns} if self.campaigns else {})})
        self._file.close()

    def __enter__(self) -> TruthWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, _error: BaseException | None,
                 _tb: TracebackType | None) -> None:
        self.close(messages=-1, complete=kind is None)


@dataclass
class Truth:
    """A ground-truth file read back (for scoring and tests)."""

    run: dict[str, Any]
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] | None = None


def iter_truth(path: Path) -> Iterator[dict[str, Any]]:
    """Every record of a ground-truth file, in order (streaming, for big runs)."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def read_truth(path: Path) -> Truth:
    """A whole ground-truth file in memory (fine up to a few hundred thousand posts)."""
    truth: Truth | None = None
    for record in iter_truth(path):
        kind = record.pop("record")
        if kind == "run":
            truth = Truth(run=record)
        elif truth is None:
            raise ValueError(f"{path}: the first line is not the run record")
        elif kind == "post":
            truth.posts[record["post"]] = record
        elif kind == "event":
            truth.events.append(record)
        elif kind == "campaign":
            truth.campaigns.append(record)
        elif kind == "summary":
            truth.summary = record
    if truth is None:
        raise ValueError(f"{path} is empty")
    return truth
