"""The people and accounts of a scenario: precincts, citizens, influencers, official accounts,
news outlets, and the ids and URLs of their posts on each platform."""

from __future__ import annotations

import random
from bisect import bisect as _bisect
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from producers.scenario.vocabulary import (
    FIRST_NAMES,
    HANDLE_STYLES,
    LAST_NAMES,
    NEWS_OUTLETS,
    Platform,
    Precinct,
    precincts,
)

if TYPE_CHECKING:
    from producers.scenario.posts import Post

_T = TypeVar("_T")
PLATFORM_WEIGHTS: tuple[tuple[Platform, float], ...] = (
    ("x", 0.34), ("instagram", 0.2), ("tiktok", 0.16), ("facebook", 0.16), ("youtube", 0.07),
    ("news", 0.07))
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class People:
    """The scenario's cast and the seeded choices among it (a part of :class:`Scenario`)."""

    def _people(self, seed: int, count: int) -> None:
        """Precincts with their weights, the citizens who post, official accounts, outlets."""
        self.precincts = precincts()
        self._cum = list(_cumulative([p.weight for p in self.precincts]))
        self._total = self._cum[-1]
        self._official = [p for p in self.precincts if p.official]
        self._official_cum = list(_cumulative([p.weight for p in self._official]))
        self._users, self._influencers = _user_pool(
            random.Random(f"{seed}:users"), max(200, min(60_000, count // 4)))
        self._official_authors: dict[tuple[str, str], dict[str, Any]] = {}
        self._outlets = [
            {"id": f"news-{slug}", "handle": slug, "display_name": name,
             "followers": 50_000 + 97_003 * i % 900_000, "verified": True, "is_official": False}
            for i, (slug, name) in enumerate(NEWS_OUTLETS)]

    def _precinct(self, rng: random.Random) -> Precinct:
        return self.precincts[_bisect(self._cum, rng.random() * self._total)]

    def _official_precinct(self, rng: random.Random) -> Precinct:
        index = _bisect(self._official_cum, rng.random() * self._official_cum[-1])
        return self._official[index]

    def _official_author(self, precinct: Precinct, platform: str) -> dict[str, Any]:
        key = (precinct.polres_id, platform)
        author = self._official_authors.get(key)
        if author is None:
            handle = precinct.official[platform]
            digest = sum(ord(c) * 131 ** i for i, c in enumerate(handle)) % 10**9
            author = {"id": f"{platform[:2]}-{digest}", "handle": handle,
                      "display_name": f"Humas {precinct.name}" if digest % 3 == 0
                      else precinct.name,
                      "followers": 5_000 + digest % 750_000,
                      "verified": platform in ("x", "instagram", "youtube") or digest % 2 == 0,
                      "is_official": True}
            self._official_authors[key] = author
        return author

    def _user(self, rng: random.Random, influencer: bool = False) -> dict[str, Any]:
        pool = self._influencers if influencer and self._influencers else self._users
        return pool[int(rng.random() * len(pool))]

    @staticmethod
    def _ids(rng: random.Random, platform: str, parent: Post | None, handle: str,
             is_comment: bool) -> tuple[str, str | None]:
        bits = rng.getrandbits
        if platform == "x":
            post_id = str(1_700_000_000_000_000_000 + bits(58))
            return post_id, f"https://x.com/{handle}/status/{post_id}"
        if platform == "tiktok":
            post_id = str(7_300_000_000_000_000_000 + bits(58))
            if is_comment:
                return post_id, None
            return post_id, f"https://www.tiktok.com/@{handle}/video/{post_id}"
        if platform == "instagram":
            if is_comment and parent is not None:
                post_id = str(17_900_000_000_000_000 + bits(52))
                root = parent.root or parent.post_id
                return post_id, f"https://www.instagram.com/p/{root}/c/{post_id}/"
            post_id = _b64(bits(66), 11)
            return post_id, f"https://www.instagram.com/p/{post_id}/"
        if platform == "youtube":
            if is_comment and parent is not None:
                post_id = "Ugx" + _b64(bits(138), 23)
                root = parent.root or parent.post_id
                return post_id, f"https://www.youtube.com/watch?v={root}&lc={post_id}"
            post_id = _b64(bits(66), 11)
            return post_id, f"https://www.youtube.com/watch?v={post_id}"
        if platform == "facebook":
            post_id = str(100_000_000_000_000 + bits(50))
            if is_comment and parent is not None:
                root = parent.root or parent.post_id
                return (f"{root}_{post_id}",
                        f"https://www.facebook.com/permalink.php?story_fbid={root}"
                        f"&comment_id={post_id}")
            return post_id, f"https://www.facebook.com/{handle}/posts/{post_id}"
        # news
        post_id = f"{'c' if is_comment else 'a'}{bits(52)}"
        if is_comment:
            return post_id, None
        return post_id, f"https://{handle}.example/read/{post_id}"

    def _platform(self, rng: random.Random) -> Platform:
        r = rng.random()
        for platform, weight in PLATFORM_WEIGHTS:
            r -= weight
            if r < 0:
                return platform
        return "x"


def pick(rng: random.Random, seq: Sequence[_T]) -> _T:
    """``rng.choice`` without its rejection sampling (~10x faster, still seeded)."""
    return seq[int(rng.random() * len(seq))]


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def _b64(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 64)
        chars.append(_B64[digit])
    return "".join(chars)


def _user_pool(rng: random.Random, size: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Citizens who post: unique handles, heavy-tailed follower counts; and the influencers."""
    users: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number in range(size):
        first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
        handle = pick(rng, HANDLE_STYLES).format(f=first, l=last, n=rng.randrange(1, 9999))
        while handle in seen:
            handle = f"{handle}{rng.randrange(10)}"
        seen.add(handle)
        followers = int(((1.0 - rng.random()) ** (-1.0 / 1.1) - 1) * 150)
        display = f"{first.title()} {last.title()}" if rng.random() < 0.7 else (
            f"{first.title()} {pick(rng, ('✨', '🇮🇩', '🌙', '⚽', '🎮', ''))}".strip())
        users.append({"id": str(10_000_000 + number * 7919 + rng.randrange(7919)),
                      "handle": handle, "display_name": display, "followers": followers,
                      "verified": followers > 200_000 and rng.random() < 0.5,
                      "is_official": False})
    influencers = [u for u in users if u["followers"] >= 5_000]
    return users, influencers
