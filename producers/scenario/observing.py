"""Observing posts as they grow: each post is read one or more times (``observed_at`` later and
later, metrics growing along its engagement curve, a new ``event_id`` each time), in creation
order, and what was planted is written to the ground truth."""

from __future__ import annotations

import heapq
import math
import random
import time
import zlib
from collections.abc import Iterator
from operator import attrgetter
from typing import Any

from producers.scenario.campaigns import DATED_PLATFORMS
from producers.scenario.posts import Post
from producers.scenario.texts import entities
from producers.scenario.truth import TruthWriter, iso

#: Which metrics a platform reports (likes, replies, shares, quotes, views), for originals and
#: for replies/comments. The others are null: quotes exist only on X; Instagram and Facebook do
#: not report views of ordinary posts; news sites report only their comment counts.
_FIELDS: dict[tuple[str, bool], tuple[bool, bool, bool, bool, bool]] = {
    ("x", False): (True, True, True, True, True),
    ("x", True): (True, True, True, True, True),
    ("instagram", False): (True, True, False, False, False),
    ("instagram", True): (True, True, False, False, False),
    ("facebook", False): (True, True, True, False, False),
    ("facebook", True): (True, True, False, False, False),
    ("tiktok", False): (True, True, True, False, True),
    ("tiktok", True): (True, True, False, False, False),
    ("youtube", False): (True, True, False, False, True),
    ("youtube", True): (True, True, False, False, False),
    ("news", False): (False, True, False, False, False),
    ("news", True): (True, True, False, False, False),
}
_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (4 << 76)


#: ``"00Z"`` … ``"59Z"``: the end of an ISO-8601 time for each second of a minute.
_SECONDS = tuple(f"{second:02d}Z" for second in range(60))


def _minute_prefix(cache: dict[int, str], minute: int) -> str:
    """``"YYYY-MM-DDTHH:MM:"`` (UTC) of an epoch minute, remembered in ``cache`` (the hot path
    formats many times, a week holds only 10,080 minutes)."""
    prefix = time.strftime("%Y-%m-%dT%H:%M:", time.gmtime(minute * 60))
    if len(cache) > 200_000:
        cache.clear()
    cache[minute] = prefix
    return prefix


class Observer:
    """The observations of every post, merged by creation time (a part of :class:`Scenario`)."""

    _dated: dict[tuple[str, bool], dict[str, Any]]

    def _dated_author(self, author: dict[str, Any], platform: str) -> dict[str, Any]:
        """The author object as ``platform`` shows it: X and YouTube give the account's
        creation date (organic accounts one to ten years older than the window, derived from their id so
        that every post agrees; a campaign's accounts carry their own, recent one); the other
        platforms do not."""
        show = platform in DATED_PLATFORMS
        if "created_at" in author and show:
            return author
        cache = self.__dict__.setdefault("_dated", {})
        key = (author["id"], show)
        dated = cache.get(key)
        if dated is None:
            dated = {k: v for k, v in author.items() if k != "created_at"}
            if show:
                digest = zlib.crc32(author["id"].encode())
                days = (3650 if author["is_official"] else 365) + digest % 3285
                dated["created_at"] = iso(self.window[0] - days * 86400 - digest % 86400)
            cache[key] = dated
        return dated

    def _observed(self, truth: TruthWriter | None
                  ) -> Iterator[tuple[Post, str, str, list[str], list[str],
                                      list[tuple[str, str, int | None, int | None, int | None,
                                                 int | None, int | None]]]]:
        """Every post in creation order with its observations, recording the ground truth.

        Yields ``(post, "platform:post_id", created_at, hashtags, mentions, observations)``;
        an observation is ``(event_id, observed_at, likes, replies, shares, quotes, views)``,
        a metric None where the platform does not report it. The caller counts the messages it
        yields in ``self.messages`` (the ground truth's summary reports them) and closes this
        iterator when it stops early.
        """
        streams = [self._chatter(), *(self._event(i, e) for i, e in enumerate(self.planted)),
                   *(self._campaign(i, c) for i, c in enumerate(self.campaigns))]
        dated = self._dated_author if self.campaigns else None
        ids = random.Random(f"{self.seed}:event_ids")
        bits = ids.getrandbits
        uniform = ids.random
        minutes: dict[int, str] = {}  # "YYYY-MM-DDTHH:MM:" per epoch minute
        seconds = _SECONDS
        finish = self.window[1]
        max_obs = self.config.max_observations
        event_max = min(max_obs, 2)
        fields = _FIELDS
        clear, set_ = _UUID_CLEAR, _UUID_SET
        log10 = math.log10
        write_truth = truth.post if truth is not None else None
        complete = False
        try:
            for post in heapq.merge(*streams, key=attrgetter("created")):
                platform = post.platform
                key = f"{platform}:{post.post_id}"
                created = post.created
                minute, second = divmod(created, 60)
                prefix = minutes.get(minute)
                if prefix is None:
                    prefix = _minute_prefix(minutes, minute)
                created_at = prefix + seconds[second]
                event = post.event
                if event is not None:
                    event.post_ids.append(key)
                    if post.official and event.response_post is None:
                        event.response_post = key  # the only official post of an event
                campaign = post.campaign
                if campaign is not None:
                    (campaign.network_post_ids if post.post_type in ("repost", "quote")
                     else campaign.post_ids).append(key)
                if dated is not None:
                    post.author = dated(post.author, platform)
                if write_truth is not None:
                    write_truth(key, sentiment=post.sentiment, topic=post.topic,
                                polres_ids=post.polres, event_key=event.key if event else None,
                                is_official=post.official, created_at=created_at,
                                campaign_id=campaign.key if campaign is not None else None)
                hashtags, mentions = entities(post.text)
                engagement = post.engagement if post.engagement > 0 else 0
                # like a collector: posts with traction are re-read, the long tail read once
                count = 1 if engagement < 20 else min(max_obs, 1 + int(log10(engagement)))
                if event is not None and count < event_max:
                    count = event_max
                has_likes, has_replies, has_shares, has_quotes, has_views = fields[
                    (platform, post.is_comment)]
                r_replies = 0.02 + uniform() * 0.1
                r_shares = 0.03 + uniform() * 0.2
                r_quotes = 0.005 + uniform() * 0.03
                r_views = 15 + uniform() * 60
                half = post.half
                at = created + 60 + int(uniform() * 2700)
                gap = at - created
                previous = -1
                number = 0
                observations = []
                while True:
                    if at > finish:
                        if number:
                            break
                        at = finish
                    elapsed = at - created
                    likes = int(engagement * elapsed / (elapsed + half))
                    if likes <= previous:
                        likes = previous + 1
                    previous = likes
                    h = (bits(128) & clear | set_).to_bytes(16).hex()
                    minute, second = divmod(at, 60)
                    prefix = minutes.get(minute)
                    if prefix is None:
                        prefix = _minute_prefix(minutes, minute)
                    observations.append((
                        f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}",
                        prefix + seconds[second],
                        likes if has_likes else None,
                        int(likes * r_replies) if has_replies else None,
                        int(likes * r_shares) if has_shares else None,
                        int(likes * r_quotes) if has_quotes else None,
                        int(likes * r_views) + number if has_views else None))
                    gap = int(gap * (3 + uniform() * 3))
                    number += 1
                    if number == count:
                        break
                    at = created + gap
                yield post, key, created_at, hashtags, mentions, observations
            complete = True
        finally:
            if truth is not None:
                for event in self.planted:
                    truth.event(event)
                for campaign in self.campaigns:
                    truth.campaign(campaign)
                truth.close(messages=self.messages, complete=complete)
