"""The scenario generator: background chatter and planted viral events, observed as they grow.

A scenario covers a time window (``days`` ending at ``end``). Two kinds of streams are merged
by creation time:

* background chatter — citizens praising or complaining, traffic and crime talk, questions,
  off-topic posts, official-account notices (himbauan, traffic information, bakti sosial) and
  news articles, with replies, comments, quotes and reposts of earlier chatter;
* one stream per planted event — a root post, then replies, comments, quotes, reposts and
  re-tellings on other platforms whose times follow the event's rise-and-decay curve, the
  official account's response after its delay (or none), and reactions to that response.

Each post is then observed one or more times (``observed_at`` later and later, metrics growing,
a new ``event_id`` each time); all observations of a post follow each other in the output.
Everything is drawn from ``random.Random`` instances seeded from ``seed``, so the output
(``event_id`` included) is identical for the same seed and options.

:class:`Scenario` is put together from parts in their own modules: the cast and its accounts
(``people``), building one post (``posts``), the chatter (``chatter``), the planted events'
streams (``planted``) and the observations as posts grow (``observing``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from producers.scenario.campaigns import CampaignStreams, PlantedCampaign, plan_campaigns
from producers.scenario.chatter import ChatterStream
from producers.scenario.events import (
    DEFAULT_RESPONSE_MINUTES,
    EventKind,
    PlantedEvent,
    plan_events,
)
from producers.scenario.observing import Observer
from producers.scenario.planted import EventStreams
from producers.scenario.truth import TruthWriter
from producers.scenario.wire import PostEncoder
from producers.scenario.wire import observation as observation_bytes

SOURCE = {"name": "pantau-scenario", "version": "1.0.0"}


@dataclass(frozen=True, kw_only=True)
class ScenarioConfig:
    """Options of one scenario run.

    Attributes:
        count: distinct posts (each is observed one or more times, so more messages).
        seed: same seed and options, same output; a random seed is drawn (and recorded in the
            ground truth) when None.
        days: length of the window.
        end: end of the window (UTC); now rounded down to the minute when None.
        events: planted events; about one per 4,000 posts (at least 2) when None; 0 for none.
        event_share: share of the posts that belong to planted events.
        negative_share: share of negative issues among the events after the first two.
        response_minutes: (low, high) minutes to the official response, per kind.
        no_response_share: share of events that get no official response.
        official_share: share of background posts by official precinct accounts.
        max_observations: most observations of one post.
        campaigns: planted coordinated campaigns (buzzer accounts posting copies of one text),
            in addition to ``count``; with any, authors on X and YouTube carry their
            account's creation date. None by default: the stream is then as before.
        campaign_accounts: (low, high) accounts per campaign, its core account included.
    """

    count: int = 1000
    seed: int | None = None
    days: float = 7.0
    end: datetime | None = None
    events: int | None = None
    event_share: float = 0.3
    negative_share: float = 0.5
    response_minutes: Mapping[EventKind, tuple[int, int]] = field(
        default_factory=lambda: dict(DEFAULT_RESPONSE_MINUTES))
    no_response_share: float = 0.25
    official_share: float = 0.05
    max_observations: int = 5
    campaigns: int = 0
    campaign_accounts: tuple[int, int] = (6, 14)

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"count must be >= 0, got {self.count}")
        if self.days <= 0:
            raise ValueError(f"days must be > 0, got {self.days}")
        for name in ("event_share", "negative_share", "no_response_share", "official_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        for kind, (low, high) in self.response_minutes.items():
            if not 0 <= low <= high:
                raise ValueError(f"response minutes of {kind} must be 0 <= low <= high, "
                                 f"got {low}-{high}")
        if self.campaigns < 0:
            raise ValueError(f"campaigns must be >= 0, got {self.campaigns}")
        low, high = self.campaign_accounts
        if not 2 <= low <= high:
            raise ValueError(f"campaign accounts must be 2 <= low <= high, got {low}-{high}")
        if self.max_observations < 1:
            raise ValueError(f"max_observations must be >= 1, got {self.max_observations}")


class Scenario(ChatterStream, EventStreams, CampaignStreams, Observer):
    """One deterministic scenario: plan on construction, posts on iteration.

    Args:
        config: the options.

    Example:
        >>> scenario = Scenario(ScenarioConfig(count=100, seed=7))
        >>> events = list(scenario.generate())
    """

    def __init__(self, config: ScenarioConfig) -> None:
        self.config = config
        self.seed: int = (config.seed if config.seed is not None
                          else random.SystemRandom().getrandbits(32))
        end = config.end or datetime.now(UTC)
        if end.tzinfo is None:
            raise ValueError("end must be timezone-aware (UTC)")
        end = end.astimezone(UTC).replace(second=0, microsecond=0)
        self.end = end
        finish = int(end.timestamp())
        self.window = (finish - max(60, int(config.days * 86400)), finish)
        self.start = datetime.fromtimestamp(self.window[0], UTC)
        self._people(self.seed, config.count)
        n_events = config.events
        if n_events is None:
            n_events = 0 if config.count < 60 else max(2, min(500, config.count // 4000))
        n_events = min(n_events, config.count // 8)  # an event has at least 8 posts
        event_posts = min(config.count, max(8 * n_events, int(config.count * config.event_share))
                          ) if n_events else 0
        self.planted: list[PlantedEvent] = plan_events(
            random.Random(f"{self.seed}:plan"), count=n_events, window=self.window,
            precincts=tuple(self._official), weights=[p.weight for p in self._official],
            posts=event_posts, negative_share=config.negative_share,
            response_minutes=dict(config.response_minutes),
            no_response_share=config.no_response_share)
        self.chatter_count = config.count - sum(e.size for e in self.planted)
        self.campaigns: list[PlantedCampaign] = plan_campaigns(
            random.Random(f"{self.seed}:campaigns"), count=config.campaigns, window=self.window,
            precincts=tuple(self._official), weights=[p.weight for p in self._official],
            events=self.planted, accounts=config.campaign_accounts)
        self.messages = 0

    # --- metadata ------------------------------------------------------------------------------
    def run_record(self) -> dict[str, Any]:
        """The ``run`` line of the ground truth: everything needed to reproduce the run."""
        c = self.config
        return {
            "seed": self.seed, "count": c.count, "days": c.days,
            "window_start": self.start.isoformat().replace("+00:00", "Z"),
            "window_end": self.end.isoformat().replace("+00:00", "Z"),
            "events": len(self.planted), "event_share": c.event_share,
            "negative_share": c.negative_share,
            "response_minutes": {k: list(v) for k, v in c.response_minutes.items()},
            "no_response_share": c.no_response_share, "official_share": c.official_share,
            "max_observations": c.max_observations, "source": SOURCE,
            **({"campaigns": c.campaigns, "campaign_accounts": list(c.campaign_accounts)}
               if c.campaigns else {}),
        }

    # --- observing -----------------------------------------------------------------------------
    def generate(self, truth: TruthWriter | None = None) -> Iterator[dict[str, Any]]:
        """Yield every observation of every post as a ``social.posts.v1`` event.

        Args:
            truth: where the ground truth goes; written while generating, finished (planted
                events and the summary) when the iteration ends or is closed early.
        """
        posts = self._observed(truth)
        source = SOURCE
        try:
            for post, _key, created_at, hashtags, mentions, observations in posts:
                parent = post.parent
                base = {
                    "schema_version": 1, "event_id": "", "platform": post.platform,
                    "post_id": post.post_id, "url": post.url, "post_type": post.post_type,
                    "parent_post_id": parent.post_id if parent is not None else None,
                    "root_post_id": post.root, "author": post.author, "text": post.text,
                    "lang": post.lang, "created_at": created_at, "observed_at": "",
                    "metrics": None, "hashtags": hashtags, "mentions": mentions,
                    "media_urls": post.media, "source": source,
                }
                for event_id, observed_at, likes, replies, shares, quotes, views in observations:
                    observation = base.copy()
                    observation["event_id"] = event_id
                    observation["observed_at"] = observed_at
                    observation["metrics"] = {"likes": likes, "replies": replies,
                                              "shares": shares, "quotes": quotes,
                                              "views": views}
                    self.messages += 1
                    yield observation
        finally:
            posts.close()

    def serialized(self, truth: TruthWriter | None = None) -> Iterator[tuple[bytes, bytes]]:
        """Yield every observation as the Kafka ``(key, value)`` the publisher would send.

        The same events as :meth:`generate`, in the same order, with the same ground truth:
        ``value`` equals ``serialize(event)`` byte for byte and ``key`` ``message_key(event)``.
        The constant part of each post is encoded once for all its observations (see
        :mod:`producers.scenario.wire`), which is what makes the producer fast.

        Args:
            truth: as for :meth:`generate`.
        """
        posts = self._observed(truth)
        fragments = PostEncoder(SOURCE).fragments
        encode = observation_bytes
        try:
            for post, key, created_at, hashtags, mentions, observations in posts:
                parent = post.parent
                middle, tail = fragments(
                    post.platform, post.post_id, post.url, post.post_type,
                    parent.post_id if parent is not None else None, post.root, post.author,
                    post.text, post.lang, created_at, hashtags, mentions, post.media)
                key_bytes = key.encode()
                for observed in observations:
                    self.messages += 1
                    yield key_bytes, encode(middle, tail, *observed)
        finally:
            posts.close()
