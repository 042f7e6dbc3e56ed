"""Background chatter: citizens' own posts, replies, reposts and quotes of earlier chatter,
official-account notices and news articles, spread evenly over the window."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from producers.scenario.people import PLATFORM_WEIGHTS, pick
from producers.scenario.posts import Post, PostBuilder
from producers.scenario.texts import (
    CHATTER_THEMES,
    CITIZEN_THEMES,
    ENGLISH_THEMES,
    OFFICIAL_THEMES,
    REACTIONS,
    TWO_PRECINCT_THEMES,
    TextMaker,
)
from producers.scenario.vocabulary import (
    OFFICIAL_HASHTAGS,
    Platform,
)

_N_CITIZEN_THEMES = len(CITIZEN_THEMES)


class ChatterStream(PostBuilder):
    """The background chatter of a scenario (a part of :class:`Scenario`)."""

    def _chatter(self) -> Iterator[Post]:
        rng = random.Random(f"{self.seed}:chatter")
        maker = TextMaker(rng)
        n = self.chatter_count
        begin, finish = self.window
        step = (finish - begin) / max(1, n)
        recent: dict[str, list[Post]] = {p: [] for p, _ in PLATFORM_WEIGHTS}
        official_share = self.config.official_share
        random_ = rng.random
        users = self._users
        n_users = len(users)
        citizen_share = official_share + 0.34
        for i in range(n):
            created = begin + int((i + random_()) * step)
            platform = self._platform(rng)
            roll = random_()
            buffer = recent[platform]
            if platform == "news":
                post = self._news(rng, maker, created) if roll < 0.7 or not buffer else \
                    self._reply(rng, maker, platform, pick(rng, buffer), created)
            elif roll >= citizen_share or not buffer:
                # a citizen's own post: the most common case, tested first
                if roll < official_share:
                    post = self._official_notice(rng, maker, created)
                else:
                    post = self._citizen_post(rng, maker, platform, created, users, n_users)
            elif roll < official_share:
                post = self._official_notice(rng, maker, created)
            elif roll < official_share + 0.24:
                post = self._reply(rng, maker, platform, pick(rng, buffer), created)
            elif roll < official_share + 0.30 and platform in ("x", "facebook"):
                parent = pick(rng, buffer)
                author = self._user(rng)
                post = self._make(rng, maker, platform=platform, post_type="repost",
                                  parent=parent, author=author,
                                  core=maker.fill(pick(rng, REACTIONS["neutral"]), {"ref": ""}),
                                  sentiment="neutral", topic=parent.topic, polres=[], refs=(),
                                  created=created,
                                  engagement=int((1.0 - random_()) ** (-1.0 / 2)) - 1,
                                  event=None, rich=False)
            elif roll < citizen_share and platform == "x":
                post = self._quote(rng, maker, pick(rng, buffer), created, None)
            else:
                post = self._citizen_post(rng, maker, platform, created, users, n_users)
            if post.post_type == "post":
                buffer = recent[post.platform]  # official notices choose their own platform
                if len(buffer) < 256:
                    buffer.append(post)
                else:
                    buffer[int(random_() * 256)] = post
            yield post

    def _citizen_post(self, rng: random.Random, maker: TextMaker, platform: Platform,
                      created: int, users: list[dict[str, Any]], n_users: int) -> Post:
        """A citizen's own post about one or two precincts (or none: chatter)."""
        random_ = rng.random
        r = random_()
        if r < 0.72:
            theme = CITIZEN_THEMES[int(random_() * _N_CITIZEN_THEMES)]
        elif r < 0.76:
            theme = pick(rng, TWO_PRECINCT_THEMES)
        elif r < 0.79:
            theme = pick(rng, ENGLISH_THEMES)
        else:
            theme = pick(rng, CHATTER_THEMES)
        core, polres, refs = self._citizen(rng, maker, platform, theme)
        author = users[int(random_() * n_users)]
        engagement = int(((1.0 - random_()) ** (-1.0 / 1.3) - 1)
                         * (3 + author["followers"] / 400))
        return self._make(rng, maker, platform=platform, post_type="post", parent=None,
                          author=author, core=core, sentiment=theme.sentiment,
                          topic=theme.topic, polres=polres, refs=refs, created=created,
                          engagement=engagement, event=None, lang=theme.lang)

    def _official_notice(self, rng: random.Random, maker: TextMaker, created: int) -> Post:
        precinct = self._official_precinct(rng)
        platform = pick(rng, tuple(precinct.official))
        theme = pick(rng, OFFICIAL_THEMES)
        core = maker.fill(pick(rng, theme.templates), {"name": precinct.name,
                                                        "city": precinct.city})
        named = precinct.name in core
        if not named and not precinct.hashtags:
            core = f"[{precinct.name}] {core}"
        # the precinct is named in the text or by its own hashtag, never only by authorship
        own = (pick(rng, precinct.hashtags),) if precinct.hashtags and (
            not named or rng.random() < 0.6) else ()
        tags = (pick(rng, OFFICIAL_HASHTAGS), *own)
        text = core + " " + " ".join(f"#{t}" for t in tags)
        author = self._official_author(precinct, platform)
        post_id, url = self._ids(rng, platform, None, author["handle"], False)
        media = [f"https://media.example/{platform}/{post_id}.jpg"]
        return Post(platform=platform, post_id=post_id, post_type="post", parent=None,
                     author=author, text=text, lang="id", created=created, url=url,
                     engagement=int((1.0 - rng.random()) ** (-1.0 / 1.5) * 40), sentiment=theme.sentiment,
                     topic=theme.topic, polres=[precinct.polres_id], event=None, media=media,
                     half=(1800 + (6 * 3600 - 1800) * rng.random()))
