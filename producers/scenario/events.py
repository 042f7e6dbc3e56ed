"""Planted events: when a viral story or issue starts, peaks and ends, and who responds when.

An event's posts are spread over an engagement curve that rises linearly from ``start`` to
``peak`` and then decays exponentially (time constant ``decay_s``) until ``end``. The official
response, when there is one, comes ``response_minutes`` after ``start``; the event's ``end``
is never before the response plus its aftermath, so every post of the event lies in
``[start, end]``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Literal

from producers.scenario.texts import NEGATIVE_STORIES, POSITIVE_STORIES, Story
from producers.scenario.vocabulary import SLOTS, SOCIAL_PLATFORMS, Platform, Precinct

EventKind = Literal["positive_viral", "negative_issue"]
EVENT_KINDS: tuple[EventKind, ...] = ("positive_viral", "negative_issue")

#: Minutes between the first post and the official response, per kind (low, high) by default.
DEFAULT_RESPONSE_MINUTES: dict[EventKind, tuple[int, int]] = {
    "negative_issue": (45, 720),
    "positive_viral": (60, 1440),
}
#: Minutes of replies after an official response that still belong to the event.
AFTERMATH_S = 3 * 3600


@dataclass
class PlantedEvent:
    """One planted event and, as it is generated, the ids of its posts.

    Attributes:
        key: stable name in the ground truth (``evt-0003-negative_issue-polres_…``).
        kind: positive_viral or negative_issue.
        precinct: the precinct it is about.
        story: the archetype (pungli at a checkpoint, an evacuation in a flood…).
        slots: the story's fixed details, shared by all its posts.
        platform: where the root post appears.
        start, peak, end: epoch seconds (UTC).
        decay_s: the exponential decay's time constant after the peak.
        size: how many posts it plants (root and response included).
        response_minutes: minutes from start to the official response; None when none.
        post_ids: ``platform:post_id`` of every post, filled in while generating.
        response_post: ``platform:post_id`` of the official response, once generated.
    """

    key: str
    kind: EventKind
    precinct: Precinct
    story: Story
    slots: dict[str, str]
    platform: Platform
    start: int
    peak: int
    end: int
    decay_s: float
    size: int
    response_minutes: int | None
    post_ids: list[str] = field(default_factory=list)
    response_post: str | None = None

    @property
    def response_at(self) -> int | None:
        """Epoch seconds of the official response, or None."""
        return None if self.response_minutes is None else self.start + self.response_minutes * 60

    @property
    def sentiment(self) -> Literal["positive", "negative"]:
        return "positive" if self.kind == "positive_viral" else "negative"

    def sample_time(self, rng: random.Random) -> int:
        """A post time drawn from the event's engagement curve (linear rise, exponential decay)."""
        rise = self.peak - self.start
        tail = self.end - self.peak
        # mass of the rise (triangle, height 1) against the truncated exponential tail
        rise_mass = rise / 2
        tail_mass = self.decay_s * (1 - math.exp(-tail / self.decay_s)) if tail > 0 else 0.0
        if rng.random() * (rise_mass + tail_mass) < rise_mass:
            return self.start + int(rise * math.sqrt(rng.random()))
        cut = 1 - math.exp(-tail / self.decay_s)
        return self.peak + min(tail, int(-self.decay_s * math.log(1 - rng.random() * cut)))

    def intensity(self, at: int) -> float:
        """The curve's height at ``at``, 1.0 at the peak."""
        if at <= self.peak:
            rise = self.peak - self.start
            return 1.0 if rise <= 0 else max(0.05, (at - self.start) / rise)
        return max(0.05, math.exp(-(at - self.peak) / self.decay_s))


def plan_events(rng: random.Random, *, count: int, window: tuple[int, int], precincts:
                tuple[Precinct, ...], weights: list[float], posts: int, negative_share: float,
                response_minutes: dict[EventKind, tuple[int, int]],
                no_response_share: float) -> list[PlantedEvent]:
    """Choose ``count`` events with ``posts`` posts between them, inside ``window``.

    The first event is a negative issue and the second a positive story (so a small scenario
    has both); the rest follow ``negative_share``. Sizes are heavy-tailed, at least 8 posts.
    """
    if count <= 0 or posts <= 0:
        return []
    begin, finish = window
    span = finish - begin
    raw = [rng.lognormvariate(0, 0.8) for _ in range(count)]
    scale = max(0, posts - 8 * count) / sum(raw)
    sizes = [8 + int(r * scale) for r in raw]
    sizes[0] += posts - sum(sizes)  # exact total
    out: list[PlantedEvent] = []
    for number, size in enumerate(sizes):
        if number == 0:
            kind: EventKind = "negative_issue"
        elif number == 1:
            kind = "positive_viral"
        else:
            kind = "negative_issue" if rng.random() < negative_share else "positive_viral"
        precinct = rng.choices(precincts, weights=weights)[0]
        story = rng.choice(NEGATIVE_STORIES if kind == "negative_issue" else POSITIVE_STORIES)
        slots = {name: rng.choice(SLOTS[name]) for name in story.fixed_slots}
        platforms = [p for p in SOCIAL_PLATFORMS if p in precinct.official] or list(
            SOCIAL_PLATFORMS)
        platform = rng.choice(("x", "x", "tiktok", "instagram", "facebook") if rng.random() < 0.5
                              else tuple(platforms))
        # durations scale with the window so that short windows still fit an event
        unit = min(1.0, span / (7 * 86400))
        rise = int(rng.uniform(1800, 6 * 3600) * unit) + 60
        decay = max(600.0, rng.uniform(2 * 3600, 18 * 3600) * unit)
        curve = rise + int(3 * decay)
        low, high = response_minutes[kind]
        minutes: int | None = None if rng.random() < no_response_share else rng.randint(low, high)
        longest = max(curve, (minutes or 0) * 60 + AFTERMATH_S)
        start = begin + int(rng.random() * max(1, span - min(longest, span) - 60))
        if minutes is not None and start + minutes * 60 > finish:
            minutes = None  # it would come after the scenario: none within the window
        end = min(finish, start + max(curve, (minutes or 0) * 60 + AFTERMATH_S
                                      if minutes is not None else curve))
        peak = min(start + rise, end)
        out.append(PlantedEvent(
            key=f"evt-{number:04d}-{kind}-{precinct.polres_id}", kind=kind, precinct=precinct,
            story=story, slots=slots, platform=platform, start=start, peak=peak, end=end,
            decay_s=decay, size=size, response_minutes=minutes,
        ))
    return out
