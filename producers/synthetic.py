"""Synthetic Indonesian-language posts about real Polres, deterministic for a given seed.

A first, deliberately small generator: every post names exactly one precinct of the reference
seed (by official handle, alias or hashtag) so that the warehouse's counts can be checked exactly.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pantau.contract.reference import Polres, load_polres
from pantau.contract.vocabulary import SCENARIO_PLATFORMS

SOURCE = {"name": "pantau-synthetic", "version": "0.1.0"}
PLATFORMS = SCENARIO_PLATFORMS

_POSITIVE = (
    "mantap {ref} sigap bgt bantu warga yg kena banjir 👏",
    "salut sama {ref}, bakti sosial bagi sembako ke warga kurang mampu 🙏",
    "pelayanan SIM di {ref} cepet banget skrg, ga pake ribet",
    "makasih {ref} udah nemuin motor sy yg ilang, keren pak!",
)
_NEGATIVE = (
    "no viral no justice 😡 laporan ke {ref} gak ditanggepin udah sebulan",
    "oknum {ref} minta damai di tempat pas tilang, parah bgt",
    "percuma lapor ke {ref}, kasus sy diabaikan #PercumaLaporPolisi",
    "kecewa sm {ref}, antrian pelayanan lama bgt dan petugasnya jutek",
)
_NEUTRAL = (
    "ada razia di depan {ref} pagi ini, siapin surat2 ya",
    "info dari {ref}: jalan ditutup sementara krn ada karnaval",
    "td lewat {ref} rame bgt ada apa ya?",
    "himbauan {ref} utk warga: jgn lupa kunci ganda kendaraan",
)


def _reference(rng: random.Random, polres: Polres, platform: str) -> tuple[str, list[str], list[str]]:
    """How the post names the precinct: (text fragment, mentions, hashtags)."""
    handle = polres.handles.get(platform) or next(iter(polres.handles.values()))
    if rng.random() < 0.5 or not polres.hashtags:
        return f"@{handle}", [handle], []
    tag = rng.choice(polres.hashtags)
    return rng.choice(polres.aliases or (polres.name,)), [], [tag]


def generate(count: int, *, seed: int | None = None, start: datetime | None = None
             ) -> Iterator[dict[str, Any]]:
    """Yield ``count`` valid ``social.posts.v1`` events.

    Args:
        count: how many posts.
        seed: makes the output identical run after run (ids included); random when omitted.
        start: time of the first post; one day before now when omitted.
    """
    rng = random.Random(seed)
    precincts = load_polres()
    start = start or (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    span_s = 23 * 3600
    for _ in range(count):
        polres = rng.choice(precincts)
        platform = rng.choice(PLATFORMS)
        mood = rng.random()
        templates = _POSITIVE if mood < 0.35 else _NEGATIVE if mood < 0.65 else _NEUTRAL
        ref, mentions, hashtags = _reference(rng, polres, platform)
        text = rng.choice(templates).format(ref=ref)
        if hashtags:
            text += " " + " ".join(f"#{t}" for t in hashtags)
        created = start + timedelta(seconds=rng.randrange(span_s))
        observed = created + timedelta(minutes=rng.randrange(1, 60))
        author_number = rng.randrange(50_000)
        post_id = f"{rng.getrandbits(63)}"
        likes = int(rng.paretovariate(1.2)) - 1
        yield {
            "schema_version": 1,
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "platform": platform,
            "post_id": post_id,
            "url": f"https://example.invalid/{platform}/{post_id}",
            "post_type": "post",
            "parent_post_id": None,
            "root_post_id": None,
            "author": {
                "id": f"u{author_number}",
                "handle": f"warga{author_number}",
                "display_name": f"Warga {author_number}",
                "followers": int(rng.paretovariate(1.1) * 50),
                "verified": False,
                "is_official": False,
            },
            "text": text,
            "lang": "id",
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "observed_at": observed.isoformat().replace("+00:00", "Z"),
            "metrics": {
                "likes": likes,
                "replies": likes // 7,
                "shares": likes // 5,
                "quotes": likes // 20 if platform == "x" else None,
                "views": likes * 40 + rng.randrange(1000),
            },
            "hashtags": hashtags,
            "mentions": mentions,
            "media_urls": [],
            "source": dict(SOURCE),
        }
