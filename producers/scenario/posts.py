"""Building one post: its text decorated, its ids, URL and media; citizens' texts, news
articles, replies, comments and quotes (shared by the chatter and the planted events)."""

from __future__ import annotations

import random
from typing import Any

from pantau.contract.vocabulary import PostType
from producers.scenario.events import PlantedEvent
from producers.scenario.people import People, pick
from producers.scenario.texts import (
    AFTERMATH,
    CITIZEN_THEMES,
    NEWS_EVENT,
    NEWS_THEMES,
    REACTIONS,
    Sentiment,
    TextMaker,
    Theme,
    Topic,
)
from producers.scenario.vocabulary import Platform

REPLY_TYPE: dict[str, PostType] = {"x": "reply", "instagram": "comment", "facebook": "comment",
                                    "tiktok": "comment", "youtube": "comment", "news": "comment"}
_VIDEO_FIRST = frozenset(("instagram", "tiktok", "youtube"))
_VIDEO = frozenset(("tiktok", "youtube"))
#: The half-life of a post's engagement: uniform between 15 minutes and 8 hours.
_HALF_LOW, _HALF_SPAN = 900, 8 * 3600 - 900


class Post:
    """One generated post before it is observed (internal)."""

    __slots__ = ("author", "campaign", "created", "engagement", "event", "half", "handle", "is_comment",
                 "lang", "media", "official", "parent", "platform", "polres", "post_id",
                 "post_type", "root", "sentiment", "text", "topic", "url")

    def __init__(self, platform: Platform, post_id: str, post_type: PostType,
                 parent: Post | None, author: dict[str, Any], text: str, lang: str,
                 created: int, url: str | None, engagement: int, sentiment: Sentiment,
                 topic: Topic, polres: list[str], event: PlantedEvent | None,
                 media: list[str], half: float) -> None:
        self.platform = platform
        self.post_id = post_id
        self.post_type = post_type
        self.parent = parent
        self.root = None if parent is None else (parent.root or parent.post_id)
        self.author = author
        self.handle: str = author["handle"]
        self.official: bool = author["is_official"]
        self.is_comment = post_type == "reply" or post_type == "comment"
        self.text = text
        self.lang = lang
        self.created = created
        self.url = url
        self.engagement = engagement
        self.sentiment = sentiment
        self.topic = topic
        self.polres = polres
        self.event = event
        self.media = media
        self.half = half
        #: the planted campaign (producers.scenario.campaigns) it belongs to, if any
        self.campaign: Any = None


class PostBuilder(People):
    """Makes posts of every kind (a part of :class:`Scenario`)."""

    def _make(self, rng: random.Random, maker: TextMaker, *, platform: Platform,
              post_type: PostType, parent: Post | None, author: dict[str, Any], core: str,
              sentiment: Sentiment, topic: Topic, polres: list[str], refs: tuple[str, ...],
              created: int, engagement: int, event: PlantedEvent | None, lang: str = "id",
              rich: bool = True, tags: tuple[str, ...] = ()) -> Post:
        """Decorate the core text, add the reply prefix, ids, url and media."""
        is_comment = post_type in ("reply", "comment")
        if post_type == "repost" and parent is not None:
            if platform == "x":  # a retweet carries the original text, and what it names
                text = f"RT @{parent.handle}: {parent.text}"
                polres = sorted(set(parent.polres) | set(polres))
                sentiment, topic, lang = parent.sentiment, parent.topic, parent.lang
            else:  # a Facebook share shows only the sharer's words
                text = core
        else:
            hashtags = tags or maker.theme_hashtags(sentiment)
            text = maker.decorate(core, sentiment, protect=refs, hashtags=hashtags, rich=rich)
            if platform == "x" and is_comment and parent is not None:
                text = f"@{parent.handle} {text}"
                if parent.official:
                    polres = sorted(set(polres) | set(parent.polres))
        post_id, url = self._ids(rng, platform, parent, author["handle"], is_comment)
        media: list[str] = []
        if not is_comment and post_type != "repost" and (
                platform in _VIDEO_FIRST or rng.random() < 0.25):
            kind = "mp4" if platform in _VIDEO or rng.random() < 0.4 else "jpg"
            media = [f"https://media.example/{platform}/{post_id}.{kind}"]
        if len(text) > 100_000:
            text = text[:100_000]
        return Post(platform, post_id, post_type, parent, author, text, lang, created, url,
                     engagement, sentiment, topic, polres, event, media,
                     _HALF_LOW + _HALF_SPAN * rng.random())

    def _citizen(self, rng: random.Random, maker: TextMaker, platform: Platform,
                 theme: Theme) -> tuple[str, list[str], tuple[str, ...]]:
        """Core text of a citizen theme with its precinct references."""
        templates = theme.templates
        if theme.refs == 1:  # the common case, unrolled
            precinct = self._precinct(rng)
            ref = maker.reference(precinct, platform)
            core = maker.fill(templates[int(rng.random() * len(templates))], {"ref": ref})
            return core, [precinct.polres_id], (ref,)
        fixed: dict[str, str] = {}
        polres: list[str] = []
        refs: list[str] = []
        for slot in ("ref", "ref2")[:theme.refs]:
            precinct = self._precinct(rng)
            while precinct.polres_id in polres:
                precinct = self._precinct(rng)
            ref = maker.reference(precinct, platform)
            fixed[slot] = ref
            polres.append(precinct.polres_id)
            refs.append(ref)
        return (maker.fill(templates[int(rng.random() * len(templates))], fixed), sorted(polres),
                tuple(refs))

    def _news(self, rng: random.Random, maker: TextMaker, created: int,
              event: PlantedEvent | None = None) -> Post:
        author = self._outlets[int(rng.random() * len(self._outlets))]
        if event is None:
            precinct = self._precinct(rng)
            theme = pick(rng, NEWS_THEMES)
            template = pick(rng, theme.templates)
            sentiment, topic = theme.sentiment, theme.topic
            fixed = {"name": precinct.name, "city": precinct.city}
        else:
            precinct = event.precinct
            template = pick(rng, NEWS_EVENT[event.kind])
            sentiment = "negative" if event.kind == "negative_issue" else "positive"
            topic = event.story.topic
            fixed = {**event.slots, "name": precinct.name, "summary": summary(event, maker)}
        text = maker.fill(template, fixed)
        post_id, url = self._ids(rng, "news", None, author["handle"], False)
        return Post(platform="news", post_id=post_id, post_type="post", parent=None,
                     author=author, text=text, lang="id", created=created, url=url,
                     engagement=int((1.0 - rng.random()) ** (-1.0 / 1.4) * 15), sentiment=sentiment,
                     topic=topic, polres=[precinct.polres_id], event=event,
                     media=[f"https://media.example/news/{post_id}.jpg"],
                     half=(1800 + (4 * 3600 - 1800) * rng.random()))

    def _reply(self, rng: random.Random, maker: TextMaker, platform: Platform, parent: Post,
               created: int, event: PlantedEvent | None = None,
               sentiment: Sentiment | None = None, after: bool = False) -> Post:
        """A reply (X) or comment (elsewhere) to ``parent``."""
        author = self._user(rng)
        created = max(created, parent.created)
        fixed: dict[str, str] = dict(event.slots) if event else {}
        refs: tuple[str, ...] = ()
        polres: list[str] = []
        if event is not None:
            precinct = event.precinct
            sentiment = sentiment or parent.sentiment
            table = AFTERMATH if after else REACTIONS
            template = pick(rng, table.get(sentiment) or REACTIONS[sentiment])
            topic: Topic = event.story.topic
        elif rng.random() < 0.5:
            theme = pick(rng, CITIZEN_THEMES)
            core, polres, refs = self._citizen(rng, maker, platform, theme)
            return self._make(rng, maker, platform=platform, post_type=REPLY_TYPE[platform],
                              parent=parent, author=author, core=core, sentiment=theme.sentiment,
                              topic=theme.topic, polres=polres, refs=refs, created=created,
                              engagement=int((1.0 - rng.random()) ** (-1.0 / 1.6)) - 1, event=None)
        else:
            precinct = self._precinct(rng)
            sentiment = parent.sentiment
            template = pick(rng, REACTIONS[sentiment])
            topic = parent.topic
        ref = maker.reference(precinct, platform)
        fixed["ref"] = ref
        core = maker.fill(template, fixed)
        if ref in core:
            refs, polres = (ref,), [precinct.polres_id]
        elif rng.random() < 0.3:
            tag = f"@{precinct.official.get(platform) or precinct.handles[0]}" if (
                precinct.handles and platform != "news" and rng.random() < 0.6) else (
                f"#{precinct.hashtags[0]}" if precinct.hashtags else precinct.name)
            core = f"{core} {tag}"
            refs, polres = (tag,), [precinct.polres_id]
        scale = 1.0 if event is None else 8 * event.intensity(created)
        return self._make(rng, maker, platform=platform, post_type=REPLY_TYPE[platform],
                          parent=parent, author=author, core=core, sentiment=sentiment,
                          topic=topic, polres=polres, refs=refs, created=created,
                          engagement=int(((1.0 - rng.random()) ** (-1.0 / 1.5) - 1) * scale), event=event,
                          rich=rng.random() < 0.3)

    def _quote(self, rng: random.Random, maker: TextMaker, parent: Post, created: int,
               event: PlantedEvent | None, sentiment: Sentiment | None = None) -> Post:
        author = self._user(rng)
        created = max(created, parent.created)
        sentiment = sentiment or parent.sentiment
        precinct = event.precinct if event else self._precinct(rng)
        fixed: dict[str, str] = dict(event.slots) if event else {}
        ref = maker.reference(precinct, "x")
        fixed["ref"] = ref
        core = maker.fill(pick(rng, REACTIONS[sentiment]), fixed)
        if ref not in core and rng.random() < 0.6:
            core = f"{core} {ref}"
        named = ref in core
        scale = 1.0 if event is None else 20 * event.intensity(created)
        return self._make(rng, maker, platform="x", post_type="quote", parent=parent,
                          author=author, core=core, sentiment=sentiment,
                          topic=event.story.topic if event else parent.topic,
                          polres=[precinct.polres_id] if named else [],
                          refs=(ref,) if named else (), created=created,
                          engagement=int(((1.0 - rng.random()) ** (-1.0 / 1.4) - 1) * scale * 3), event=event)


def summary(event: PlantedEvent, maker: TextMaker) -> str:
    from producers.scenario.texts import compile_template

    return maker.fill(compile_template(event.story.summary), event.slots)


