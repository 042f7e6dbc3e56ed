"""Planted coordinated campaigns: buzzer accounts posting copy-paste variants of one text.

A campaign praises a precinct (``praise``: "pelayanan {ref} cepat dan humanis…") or piles on
it (``attack``: "copot kapolres…"). A core account posts the text first; then k..K young,
low-follower buzzer accounts post copy-paste variants of it within a few minutes: emoji added or
dropped, spacing and case changed, a word swapped or dropped, and in some posts look-alike
letters (Cyrillic, Greek, full-width) or zero-width characters that hide the copy from exact
matching. The precinct reference is never altered, so the ground truth's ``polres_ids`` stay
exact. On X the buzzers also repost and quote the core account and each other and mention
each other, as real buzzer networks do; on Instagram they flood the core post's comments.
Every buzzer interacts at least once (a repost, or a tag of the core account in its copy).

More than half of the campaigns ride a planted event of the same precinct (a praise campaign
answering an issue, a pile-on during it); the rest come on their own.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from producers.scenario.events import PlantedEvent
from producers.scenario.people import pick
from producers.scenario.posts import Post, PostBuilder
from producers.scenario.texts import TextMaker, compile_template
from producers.scenario.vocabulary import EMOJIS, FIRST_NAMES, LAST_NAMES, Platform, Precinct

Direction = Literal["praise", "attack"]
DIRECTIONS: tuple[Direction, ...] = ("praise", "attack")
#: Platforms whose author objects carry the account's creation date (the APIs expose it).
DATED_PLATFORMS = frozenset(("x", "youtube"))

#: The campaign texts: one is filled once per campaign, then copied with variations.
CAMPAIGN_TEXTS: dict[Direction, tuple[Any, ...]] = {
    "praise": tuple(compile_template(t) for t in (
        "terima kasih {ref} atas pelayanan yang cepat, ramah dan humanis. polisi hadir di "
        "tengah masyarakat, kami warga merasa aman dan terlindungi",
        "salut untuk {ref} yang selalu sigap melayani warga siang dan malam. kinerja luar biasa, "
        "terus jaga kamtibmas dan semangat mengabdi untuk negeri",
        "bangga dengan {ref}, gerak cepat tangani laporan warga dan petugasnya ramah sekali. "
        "ini bukti polri makin presisi dan dekat dengan rakyat",
        "warga mendukung penuh langkah {ref} menjaga keamanan wilayah. terima kasih bapak ibu "
        "polisi, pelayanan makin baik dan kami bangga",
    )),
    "attack": tuple(compile_template(t) for t in (
        "{ref} makin bobrok, laporan warga dicuekin tapi kalau ada duitnya langsung gerak. "
        "copot kapolresnya sekarang juga, rakyat sudah muak",
        "usut tuntas oknum {ref} yang main pungli di jalan. sudah berkali kali viral tapi tidak "
        "ada perubahan, rakyat kecil selalu jadi korban",
        "jangan pernah percaya {ref}, lapor kehilangan malah disuruh bayar dulu. institusi ini "
        "harus dibersihkan dari oknum yang merusak nama polisi",
        "tolong viralkan kelakuan {ref} yang arogan ke warga kecil. kapolda harus turun tangan, "
        "copot semua oknum yang terlibat dan proses hukum",
    )),
}
CAMPAIGN_HASHTAGS: dict[Direction, tuple[str, ...]] = {
    "praise": ("PolriPresisi", "PolisiHumanis", "PolriUntukMasyarakat", "KamtibmasKondusif"),
    "attack": ("CopotKapolres", "PercumaLaporPolisi", "UsutTuntas", "PolisiArogan"),
}
#: Words a buzzer swaps for another (the same meaning written another way).
SWAPS: dict[str, tuple[str, ...]] = {
    "yang": ("yg",), "tidak": ("gak", "tdk"), "sudah": ("udah", "udh"), "sangat": ("bgt",),
    "warga": ("masyarakat",), "rakyat": ("warga",), "polisi": ("aparat",), "dan": ("&", "n"),
    "cepat": ("gercep", "sigap"), "selalu": ("slalu",), "untuk": ("utk", "buat"),
    "dengan": ("dgn", "sama"), "makin": ("semakin",), "harus": ("wajib",), "tapi": ("tp",),
    "jangan": ("jgn",), "sekarang": ("skrg",), "laporan": ("aduan",),
}
#: Latin letters and the look-alikes buzzers write instead (Cyrillic, Greek).
LOOKALIKES: dict[str, tuple[str, ...]] = {
    "a": ("\u0430",), "e": ("\u0435",), "o": ("\u043e", "\u03bf"), "p": ("\u0440", "\u03c1"),
    "c": ("\u0441",), "x": ("\u0445",), "y": ("\u0443",), "i": ("\u0456", "\u03b9"),
    "k": ("\u03ba",), "s": ("\u0455",), "h": ("\u04bb",), "n": ("\u0578",),
}
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\u200f", "\ufeff")
_QUOTES: dict[Direction, tuple[str, ...]] = {
    "praise": ("setuju banget", "mantap, ini baru polisi", "bener ini", "salut pak",
               "fakta di lapangan"),
    "attack": ("bener ini", "muak", "sepakat, copot!", "viralkan terus", "rakyat menggugat"),
}


@dataclass
class PlantedCampaign:
    """One planted campaign and, as it is generated, the ids of its posts.

    Attributes:
        key: stable name in the ground truth (``cmp-0003-attack-polres_…``).
        direction: praise or attack.
        precinct: the precinct it praises or attacks.
        platform: x or instagram.
        start: epoch seconds of the core account's first post.
        span_s: the copies come within this many seconds of ``start``.
        accounts: the core account first, then the buzzers (author objects).
        event: the planted event it rides on, or None.
        post_ids: ``platform:post_id`` of the copies (the core's post first).
        network_post_ids: the reposts and quotes between the accounts.
    """

    key: str
    direction: Direction
    precinct: Precinct
    platform: Platform
    start: int
    span_s: int
    accounts: list[dict[str, Any]]
    event: PlantedEvent | None
    post_ids: list[str] = field(default_factory=list)
    network_post_ids: list[str] = field(default_factory=list)

    @property
    def sentiment(self) -> Literal["positive", "negative"]:
        return "positive" if self.direction == "praise" else "negative"


def _handle(rng: random.Random) -> str:
    first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
    return pick(rng, ("{f}{l}{n}", "{f}_{n}", "{l}{f}{n}", "{f}.{l}{n}")).format(
        f=first, l=last, n=rng.randrange(10, 99_999))


def _account(rng: random.Random, number: int, created: int, *, followers: int) -> dict[str, Any]:
    handle = _handle(rng)
    return {"id": str(900_000_000 + number), "handle": handle,
            "display_name": handle.replace("_", " ").replace(".", " ").title(),
            "followers": followers, "verified": False, "is_official": False,
            "created_at": _iso(created)}


def _iso(epoch_s: int) -> str:
    from producers.scenario.truth import iso

    return iso(epoch_s)


def plan_campaigns(rng: random.Random, *, count: int, window: tuple[int, int],
                   precincts: tuple[Precinct, ...], weights: list[float],
                   events: list[PlantedEvent], accounts: tuple[int, int]) -> list[PlantedCampaign]:
    """Choose ``count`` campaigns inside ``window``: praise and attack in turn, ``accounts``
    (low, high) accounts each, about 60% of them riding a planted event."""
    begin, finish = window
    out: list[PlantedCampaign] = []
    number = 0
    for index in range(count):
        direction = DIRECTIONS[index % 2]
        span = rng.randint(4, 25) * 60
        event = pick(rng, events) if events and rng.random() < 0.6 else None
        if event is not None:
            precinct = event.precinct
            low = event.start + 600
            high = max(low, min(event.end, finish) - span - 3600)
            start = rng.randint(min(low, high), high)
        else:
            precinct = rng.choices(precincts, weights=weights)[0]
            start = begin + int(rng.random() * max(1, finish - begin - span - 3600))
        start = max(begin, min(start, finish - span - 60))
        for _ in range(20):  # campaigns on one precinct keep six hours apart
            if all(other.precinct is not precinct or abs(other.start - start) > 6 * 3600
                   for other in out):
                break
            start = begin + int(rng.random() * max(1, finish - begin - span - 3600))
        platform: Platform = "x" if rng.random() < 0.75 else "instagram"
        n = rng.randint(*accounts)
        members = [_account(rng, number, start - rng.randint(150, 500) * 86400,
                            followers=rng.randint(1_500, 20_000))]
        number += 1
        for _ in range(n - 1):
            members.append(_account(rng, number, start - rng.randint(2, 75) * 86400,
                                    followers=int(rng.random() ** 2 * 150)))
            number += 1
        for member in members:
            member["id"] = f"{member['id']}{index:03d}"  # unique across campaigns
        out.append(PlantedCampaign(
            key=f"cmp-{index:04d}-{direction}-{precinct.polres_id}", direction=direction,
            precinct=precinct, platform=platform, start=start, span_s=span, accounts=members,
            event=event))
    return out


def _lookalike(rng: random.Random, text: str, protect: str) -> str:
    """Some letters replaced by look-alikes, full-width forms or split by zero-width
    characters (the precinct reference ``protect`` is left as it is)."""
    head, _, tail = text.partition(protect) if protect and protect in text else (text, "", "")
    style = rng.random()

    def alter(part: str) -> str:
        if style < 0.5:  # Cyrillic and Greek letters for Latin ones
            return "".join(pick(rng, LOOKALIKES[c]) if c in LOOKALIKES and rng.random() < 0.35
                           else c for c in part)
        if style < 0.75:  # zero-width characters inside words
            return "".join(c + pick(rng, _ZERO_WIDTH) if c.isalpha() and rng.random() < 0.2
                           else c for c in part)
        words = part.split(" ")  # whole words in full-width letters
        return " ".join("".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in w)
                        if w and rng.random() < 0.4 else w for w in words)

    return alter(head) + (protect + alter(tail) if protect and protect in text else "")


def variant(rng: random.Random, text: str, direction: Direction, protect: str,
            lookalike: bool) -> str:
    """One buzzer's copy of ``text``: a word swapped or dropped, spacing, case, emoji and
    hashtags changed, look-alike letters when ``lookalike``."""
    words = text.replace(protect, "\0").split(" ")  # the reference is one untouchable word
    roll = rng.random()
    if roll < 0.45:
        swappable = [i for i, w in enumerate(words) if w in SWAPS]
        if swappable:
            at = pick(rng, swappable)
            words[at] = pick(rng, SWAPS[words[at]])
    elif roll < 0.6:
        droppable = [i for i, w in enumerate(words) if len(w) > 2 and "\0" not in w]
        if droppable:
            del words[pick(rng, droppable)]
    joiner = " " if rng.random() < 0.7 else pick(rng, ("  ", " \n", "   "))
    out = joiner.join(words)
    if rng.random() < 0.3:
        out = out.replace(". ", ".\n\n")
    case = rng.random()
    if case < 0.2:
        out = out.upper()
    elif case < 0.45:
        out = out[:1].upper() + out[1:]
    out = out.replace("\0", protect)
    if lookalike:
        out = _lookalike(rng, out, protect)
    emojis = EMOJIS["positive" if direction == "praise" else "negative"]
    if rng.random() < 0.7:
        out = f"{out} {pick(rng, emojis) * rng.randint(1, 3)}"
    tags = list(CAMPAIGN_HASHTAGS[direction])
    rng.shuffle(tags)
    return f"{out} {' '.join('#' + t for t in tags[:rng.randint(1, 3)])}"


class CampaignStreams(PostBuilder):
    """One stream of posts per planted campaign (a part of :class:`Scenario`)."""

    def _campaign(self, index: int, campaign: PlantedCampaign) -> Iterator[Post]:
        rng = random.Random(f"{self.seed}:campaign:{index}")
        maker = TextMaker(rng)
        precinct = campaign.precinct
        platform = campaign.platform
        ref = maker.reference(precinct, platform)
        if ref.startswith("@"):  # a handle is a mention: name the precinct in words instead
            ref = precinct.aliases[0] if precinct.aliases else precinct.name
        texts = CAMPAIGN_TEXTS[campaign.direction]
        base = maker.fill(texts[(index // 2) % len(texts)], {"ref": ref})
        sentiment = campaign.sentiment
        topic = "pelayanan_publik" if campaign.direction == "praise" else "pelanggaran_anggota"
        core, *buzzers = campaign.accounts
        on_comments = platform == "instagram"

        def copy(author: dict[str, Any], parent: Post | None, created: int, text: str,
                 engagement: int) -> Post:
            post_id, url = self._ids(rng, platform, parent, author["handle"], parent is not None)
            post = Post(platform, post_id, "comment" if parent is not None else "post", parent,
                        author, text, "id", created, url, engagement, sentiment, topic,
                        [precinct.polres_id], None, [], 1800.0)
            post.campaign = campaign
            return post

        first = copy(core, None, campaign.start,
                     variant(rng, base, campaign.direction, ref, False), rng.randint(50, 400))
        posts: list[Post] = [first]
        copies = [first]
        # every buzzer interacts at least once: it reposts on X, or else tags the core account
        # (or another buzzer) in its first copy; others tag someone now and then
        reposting = {buzzer["id"]: platform == "x" and rng.random() < 0.7 for buzzer in buzzers}
        for buzzer in buzzers:
            for number in range(1 if rng.random() < 0.7 else 2):
                created = campaign.start + 30 + int(rng.random() * campaign.span_s)
                text = variant(rng, base, campaign.direction, ref, rng.random() < 0.35)
                if (number == 0 and not reposting[buzzer["id"]]) or rng.random() < 0.3:
                    other = core if rng.random() < 0.6 else pick(rng, campaign.accounts)
                    if other is buzzer:
                        other = core
                    text = f"{text} @{other['handle']}"
                post = copy(buzzer, first if on_comments else None, created, text,
                            rng.randint(0, 25))
                posts.append(post)
                copies.append(post)
        if platform == "x":  # the network: reposts and quotes of the core and of each other
            for buzzer in buzzers:
                others = [c for c in copies if c.author is not buzzer]
                if reposting[buzzer["id"]]:
                    parent = first if rng.random() < 0.6 else pick(rng, others)
                    created = max(parent.created, campaign.start) + rng.randint(30, 40 * 60)
                    post = self._make(
                        rng, maker, platform="x", post_type="repost", parent=parent,
                        author=buzzer, core="", sentiment=sentiment, topic=topic, polres=[],
                        refs=(), created=created, engagement=rng.randint(0, 5), event=None,
                        rich=False)
                    post.campaign = campaign
                    posts.append(post)
                if rng.random() < 0.25:
                    parent = pick(rng, others)
                    other = pick(rng, campaign.accounts)
                    post = self._make(
                        rng, maker, platform="x", post_type="quote", parent=parent,
                        author=buzzer,
                        core=f"{pick(rng, _QUOTES[campaign.direction])} @{other['handle']}",
                        sentiment=sentiment, topic=topic, polres=[], refs=(),
                        created=parent.created + rng.randint(60, 50 * 60),
                        engagement=rng.randint(0, 8), event=None, rich=False,
                        tags=(pick(rng, CAMPAIGN_HASHTAGS[campaign.direction]),))
                    post.campaign = campaign
                    posts.append(post)
        finish = self.window[1]
        posts = [p for p in posts if p.created <= finish]
        posts.sort(key=lambda p: p.created)
        yield from posts
