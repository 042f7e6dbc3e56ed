"""The planted events: a root post, then replies, comments, quotes, reposts and re-tellings
whose times follow the event's rise-and-decay curve, the official account's response after its
delay (or none), and reactions to that response."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator

from pantau.contract.vocabulary import PostType
from producers.scenario.events import (
    AFTERMATH_S,
    PlantedEvent,
)
from producers.scenario.people import pick
from producers.scenario.posts import REPLY_TYPE, Post, PostBuilder, summary
from producers.scenario.texts import (
    OFFICIAL_RESPONSES,
    REACTIONS,
    Sentiment,
    TextMaker,
)
from producers.scenario.vocabulary import (
    OFFICIAL_HASHTAGS,
    SOCIAL_PLATFORMS,
    Platform,
)


class EventStreams(PostBuilder):
    """One stream of posts per planted event (a part of :class:`Scenario`)."""

    def _event(self, index: int, event: PlantedEvent) -> Iterator[Post]:
        rng = random.Random(f"{self.seed}:event:{index}")
        maker = TextMaker(rng)
        precinct = event.precinct
        response_at = event.response_at
        n_after = 0
        if response_at is not None:
            n_after = min(max(0, event.size - 3), max(1, event.size // 12))
        n_spread = max(0, event.size - 1 - (1 if response_at is not None else 0) - n_after)
        schedule: list[tuple[int, int]] = [(event.start, 0)]
        schedule += [(event.sample_time(rng), 1) for _ in range(n_spread)]
        if response_at is not None:
            schedule.append((response_at, 2))
            last = min(event.end, response_at + AFTERMATH_S)
            schedule += [(response_at + 1 + int(rng.random() * max(1, last - response_at - 1)),
                          3) for _ in range(n_after)]
        schedule.sort()
        sentiment: Sentiment = event.sentiment
        opposite: Sentiment = "positive" if sentiment == "negative" else "negative"
        nodes: list[Post] = []
        by_platform: dict[str, list[Post]] = {}
        shareable: list[Post] = []  # X and Facebook posts and quotes, which can be reposted
        root: Post | None = None
        response: Post | None = None
        for created, role in schedule:
            created = min(max(created, event.start), event.end)
            if role == 0:
                ref = maker.reference(precinct, event.platform)
                core = maker.fill(pick(rng, event.story.roots), {**event.slots, "ref": ref})
                tags = tuple(dict.fromkeys((
                    *maker.theme_hashtags(sentiment, 0.7),
                    *((pick(rng, precinct.hashtags),)
                      if precinct.hashtags and rng.random() < 0.5 else ()))))
                post = root = self._make(
                    rng, maker, platform=event.platform, post_type="post", parent=None,
                    author=self._user(rng, True), core=core, sentiment=sentiment,
                    topic=event.story.topic, polres=[precinct.polres_id], refs=(ref,),
                    created=created, engagement=int(rng.lognormvariate(math.log(15_000), 0.8)),
                    event=event, tags=tags)
            elif role == 2:
                post = response = self._response(rng, maker, event, root, created)
            elif role == 3 and response is not None:
                after_sentiment: Sentiment = (
                    "positive" if rng.random() < (0.55 if sentiment == "negative" else 0.85)
                    else "negative")
                post = self._reply(rng, maker, response.platform, response, created, event,
                                   sentiment=after_sentiment, after=True)
            else:
                assert root is not None
                roll = rng.random()
                mood: Sentiment = sentiment if roll < 0.8 else (
                    "neutral" if roll < 0.92 else opposite)
                action = rng.random()
                if action < 0.5:
                    parent = root if rng.random() < 0.45 or not nodes else pick(rng, nodes)
                    post = self._reply(rng, maker, parent.platform, parent, created, event,
                                       sentiment=mood)
                elif action < 0.64:
                    x_nodes = by_platform.get("x")
                    if x_nodes:
                        post = self._quote(rng, maker, pick(rng, x_nodes), created, event, mood)
                    else:
                        post = self._reply(rng, maker, root.platform, root, created, event,
                                           sentiment=mood)
                elif action < 0.74:
                    parent = pick(rng, shareable) if shareable else root
                    platform: Platform = parent.platform if parent.platform in (
                        "x", "facebook") else "facebook"
                    if parent.platform != platform:
                        post = self._reply(rng, maker, parent.platform, parent, created, event,
                                           sentiment=mood)
                    else:
                        post = self._make(
                            rng, maker, platform=platform, post_type="repost", parent=parent,
                            author=self._user(rng),
                            core=maker.fill(pick(rng, REACTIONS[mood]),
                                            {**event.slots, "ref": ""}).strip(),
                            sentiment=mood, topic=event.story.topic, polres=[], refs=(),
                            created=max(created, parent.created),
                            engagement=int(((1.0 - rng.random()) ** (-1.0 / 1.8) - 1) * 5), event=event,
                            rich=False)
                elif action < 0.79:
                    post = self._news(rng, maker, created, event)
                else:
                    platform = pick(rng, SOCIAL_PLATFORMS)
                    ref = maker.reference(precinct, platform)
                    core = maker.fill(pick(rng, event.story.roots), {**event.slots, "ref": ref})
                    post = self._make(
                        rng, maker, platform=platform, post_type="post", parent=None,
                        author=self._user(rng, rng.random() < 0.2), core=core,
                        sentiment=sentiment, topic=event.story.topic,
                        polres=[precinct.polres_id], refs=(ref,), created=created,
                        engagement=int(((1.0 - rng.random()) ** (-1.0 / 1.3) - 1) * 300
                                       * event.intensity(created)), event=event)
            nodes.append(post)
            if post.post_type in ("post", "quote"):
                by_platform.setdefault(post.platform, []).append(post)
                if post.platform in ("x", "facebook"):
                    shareable.append(post)
            yield post

    def _response(self, rng: random.Random, maker: TextMaker, event: PlantedEvent,
                  root: Post | None, created: int) -> Post:
        """The official account's statement: a reply/comment on the root where the precinct
        has an account on the root's platform, else a post on one of its platforms."""
        precinct = event.precinct
        platforms = tuple(precinct.official) or ("x",)
        on_root = root is not None and root.platform in precinct.official
        platform: Platform = root.platform if on_root and root else pick(rng, platforms)
        official = platform in precinct.official
        author = self._official_author(precinct, platform) if official else self._user(rng)
        core = maker.fill(pick(rng, OFFICIAL_RESPONSES[event.kind]),
                          {"name": precinct.name, "summary": summary(event, maker)})
        tags = (pick(rng, OFFICIAL_HASHTAGS),)
        text = core + " " + " ".join(f"#{t}" for t in tags)
        post_type: PostType = REPLY_TYPE[platform] if on_root else "post"
        parent = root if on_root else None
        if platform == "x" and parent is not None:
            text = f"@{parent.handle} {text}"
        post_id, url = self._ids(rng, platform, parent, author["handle"],
                                 post_type in ("reply", "comment"))
        return Post(platform=platform, post_id=post_id, post_type=post_type, parent=parent,
                     author=author, text=text, lang="id", created=created, url=url,
                     engagement=int(rng.lognormvariate(math.log(800), 0.7)),
                     sentiment="neutral" if event.kind == "negative_issue" else "positive",
                     topic=event.story.topic, polres=[precinct.polres_id], event=event,
                     media=[], half=(1800 + (4 * 3600 - 1800) * rng.random()))
