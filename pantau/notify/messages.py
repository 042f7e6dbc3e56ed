"""Messages that explain themselves, rendered from an outbox payload and the settings only.

One payload (the facts of one event, :mod:`pantau.notify.events`) becomes, per channel type:

- Telegram: HTML parse mode, every text escaped, at most 4096 characters (excerpts are
  shortened, then dropped, until it fits);
- Slack: ``text`` (the notification's fallback) and Block Kit ``blocks`` in mrkdwn, ``&<>``
  escaped;
- email: a subject, a plain-text part and an HTML part (Jinja2 with autoescape);
- webhook: the payload itself as JSON, with its ``event_id``;
- file: one JSON line with the plain text and the payload.

Several payloads held by quiet hours become one **digest** per channel (:func:`render` with more
than one payload). Indonesian by default, English with ``PANTAU_NOTIFY_LANGUAGE=en``.

Times are shown in UTC and in the unit's local zone (WIB, WITA or WIT, from its Polda's
province); a national event shows UTC and WIB. Everything a post's author wrote (excerpts,
links) is attacker-controlled: it is escaped for the format, stripped of control and
bidirectional-override characters, cut to 280 characters, and a link is shown only when it is
``http(s)://`` with a host.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from pantau.settings import Settings

TELEGRAM_MAX_CHARS = 4096
EXCERPT_MAX_CHARS = 280
#: Slack allows 50 blocks per message and 3000 characters per section text.
SLACK_MAX_BLOCKS = 50
SLACK_MAX_SECTION = 3000
#: The digest lists at most this many events one by one, then says how many more there are.
DIGEST_MAX_ITEMS = 30

#: Provinces outside WIB (Asia/Jakarta): WITA (Asia/Makassar) and WIT (Asia/Jayapura).
_WITA = {"Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Selatan",
         "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Selatan", "Sulawesi Tengah",
         "Sulawesi Tenggara", "Sulawesi Utara", "Sulawesi Barat", "Gorontalo"}
_WIT = {"Maluku", "Maluku Utara", "Papua", "Papua Barat", "Papua Barat Daya", "Papua Tengah",
        "Papua Pegunungan", "Papua Selatan"}
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}

_MONTHS = {"id": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov",
                  "Des"],
           "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                  "Dec"]}

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "spike_opened": "Lonjakan negatif",
        "viral_negative_post": "Postingan negatif viral",
        "viral_positive_post": "Postingan positif viral (layak diperkuat)",
        "response_overdue": "Belum ditanggapi setelah {target} menit",
        "issue_answered": "Isu sudah ditanggapi",
        "issue_closed": "Isu selesai",
        "low": "rendah", "medium": "sedang", "high": "tinggi",
        "severity": "Tingkat", "unit": "Satuan", "topic": "Topik", "started": "Mulai",
        "ended": "Selesai", "still_open": "masih berlangsung",
        "negative_posts": "Postingan negatif", "peak": "puncak {count}/jam",
        "growth": "Pertumbuhan", "baseline": "baseline {value}/jam",
        "no_baseline": "{count}/jam, dari hampir nol sebelumnya",
        "news": "Portal berita", "top_posts": "Postingan teratas",
        "engagement": "interaksi", "response": "Tanggapan akun resmi",
        "responded": "Sudah, {time} ({minutes} menit setelah mulai)",
        "responded_link": "lihat tanggapan",
        "not_responded": "Belum ada",
        "overdue": "lewat {minutes} menit dari target {target} menit",
        "dashboard": "Buka di dasbor", "event": "ID kejadian", "link": "tautan",
        "digest": "Ringkasan {count} notifikasi selama jam tenang",
        "digest_more": "… dan {count} lainnya (lihat dasbor)",
        "no_excerpt": "(tanpa teks)",
        "report_day": "Laporan harian", "report_week": "Laporan mingguan",
        "report_body": "{title} {unit} untuk {label} terlampir (PDF).",
    },
    "en": {
        "spike_opened": "Negative spike",
        "viral_negative_post": "Viral negative post",
        "viral_positive_post": "Viral positive post (worth amplifying)",
        "response_overdue": "Unanswered after {target} minutes",
        "issue_answered": "Issue answered",
        "issue_closed": "Issue closed",
        "low": "low", "medium": "medium", "high": "high",
        "severity": "Severity", "unit": "Unit", "topic": "Topic", "started": "Started",
        "ended": "Ended", "still_open": "still open",
        "negative_posts": "Negative posts", "peak": "peak {count}/hour",
        "growth": "Growth", "baseline": "baseline {value}/hour",
        "no_baseline": "{count}/hour, from almost none before",
        "news": "News sites", "top_posts": "Top posts",
        "engagement": "engagements", "response": "Official account's response",
        "responded": "Yes, {time} ({minutes} min after the start)",
        "responded_link": "see the response",
        "not_responded": "Not yet",
        "overdue": "{minutes} min past the {target}-minute target",
        "dashboard": "Open in the dashboard", "event": "Event id", "link": "link",
        "digest": "Digest of {count} notifications from quiet hours",
        "digest_more": "… and {count} more (see the dashboard)",
        "no_excerpt": "(no text)",
        "report_day": "Daily report", "report_week": "Weekly report",
        "report_body": "The {title} of {unit} for {label} is attached (PDF).",
    },
}

#: Control characters (but tab/newline, folded to spaces anyway), bidi overrides and isolates,
#: zero-width characters: none of them belongs in a message.
_INVISIBLE = re.compile("[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069"
                        "\ufeff\ufff9-\ufffb]")


def clean_text(value: Any, limit: int = EXCERPT_MAX_CHARS) -> str:
    """Attacker-controlled text made safe to show: NFC, no control/invisible characters, spaces
    folded, at most ``limit`` characters (an ellipsis marks a cut)."""
    text = unicodedata.normalize("NFC", str(value if value is not None else ""))
    text = " ".join(_INVISIBLE.sub(" ", text).split())
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return text


def safe_url(value: Any) -> str | None:
    """The URL when it is ``http(s)://`` with a host and no whitespace or control characters,
    with the characters that could end a link in HTML or Slack (``"<>|`` and others)
    percent-encoded; else None (``javascript:``, ``data:``, relative, malformed)."""
    if not isinstance(value, str) or not value or len(value) > 2048:
        return None
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        return None
    try:
        parts = urllib.parse.urlsplit(value)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not port_ok:
        return None
    return urllib.parse.quote(value, safe=":/?#[]@!$&'()*+,;=%~-._")


@cache
def _province_zones() -> dict[str, str]:
    from pantau.contract.reference import load_polda

    zones = {}
    for polda in load_polda():
        zones[polda.polda_id] = ("Asia/Makassar" if polda.province in _WITA else
                                 "Asia/Jayapura" if polda.province in _WIT else "Asia/Jakarta")
    return zones


def local_zone(polda_id: Any) -> str:
    """The IANA zone of a Polda's province (its Polres share it); WIB when unknown or national."""
    return _province_zones().get(str(polda_id), "Asia/Jakarta")


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_time(value: Any, zone: str, lang: str) -> str:
    """``31 Okt 2024 15:00 UTC (22:00 WIB)``: UTC, then the local clock (and its day when it
    differs)."""
    moment = _moment(value)
    if moment is None:
        return "?"
    months = _MONTHS[lang]
    local = moment.astimezone(ZoneInfo(zone))
    local_day = "" if local.date() == moment.date() else \
        f"{local.day} {months[local.month - 1]} "
    return (f"{moment.day} {months[moment.month - 1]} {moment.year} {moment:%H:%M} UTC "
            f"({local_day}{local:%H:%M} {ZONE_NAMES.get(zone, zone)})")


def _number(value: Any, lang: str, digits: int = 1) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "?"
    if number != number or number in (float("inf"), float("-inf")):
        return "?"
    text = f"{number:,.{digits}f}" if digits else f"{number:,.0f}"
    if lang == "id":  # 1.234,5
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


@dataclass(frozen=True)
class Post:
    excerpt: str
    platform: str
    engagement: str
    url: str | None
    sentiment: str


@dataclass(frozen=True)
class Facts:
    """What every format shows, already cleaned (but not escaped for a format)."""

    event_id: str
    kind: str
    title: str
    severity: str
    unit: str
    topic: str
    started: str
    ended: str | None
    negatives: str
    growth: str
    news: str
    posts: tuple[Post, ...]
    response: str
    response_url: str | None
    dashboard_url: str | None
    labels: dict[str, str] = field(repr=False)

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) lines shown in every format, in order (the unit is in the title)."""
        t = self.labels
        rows = [(t["severity"], self.severity), (t["topic"], self.topic),
                (t["started"], self.started)]
        if self.ended:
            rows.append((t["ended"], self.ended))
        rows += [(t["negative_posts"], self.negatives), (t["growth"], self.growth)]
        if self.news:
            rows.append((t["news"], self.news))
        rows.append((t["response"], self.response))
        return rows


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def facts(payload: dict[str, Any], settings: Settings) -> Facts:
    """The payload's facts, cleaned, in the language of the settings."""
    lang = settings.notify_language
    t = TEXT[lang]
    unit = _mapping(payload.get("unit"))
    zone = local_zone(unit.get("polda_id") or payload.get("polda_id"))
    kind = clean_text(payload.get("kind"), 40)
    target = payload.get("target_minutes")
    title = t.get(kind, kind).format(target=_number(target, lang, 0))
    level = unit.get("unit_level")
    polres, polda = clean_text(unit.get("polres_name"), 100), clean_text(unit.get("polda_name"), 100)
    if level == "national":
        where = clean_text(unit.get("unit_name") or "Polri", 100)
    elif polres:
        where = f"{polres} · {polda}" if polda else polres
    else:
        where = polda or clean_text(unit.get("unit_name"), 100) or "?"
    severity = str(payload.get("severity") or "")
    started = format_time(payload.get("started_at") or payload.get("occurred_at"), zone, lang)
    ended = format_time(payload.get("ended_at"), zone, lang) if payload.get("ended_at") else None
    peak = payload.get("peak_hour_count")
    negatives = _number(payload.get("negative_post_count"), lang, 0)
    if peak is not None:
        negatives += f" ({t['peak'].format(count=_number(peak, lang, 0))})"
    baseline = payload.get("baseline_per_hour")
    if isinstance(baseline, int | float) and baseline < 0.05 and peak is not None:
        # a unit that had (almost) no negative posts: "81 times a baseline of 0.0/hour" would say nothing
        growth = t["no_baseline"].format(count=_number(peak, lang, 0))
    else:
        growth = f"{_number(payload.get('growth'), lang)}\u00d7 " + t["baseline"].format(
            value=_number(baseline, lang))
    news = "" if payload.get("news_site_count") in (None, 0) else _number(
        payload.get("news_site_count"), lang, 0)
    posts = []
    top = payload.get("top_posts")
    raw_posts: list[Any] = top if isinstance(top, list) else []
    for post in raw_posts[:3]:
        if not isinstance(post, dict):
            continue
        posts.append(Post(
            excerpt=clean_text(post.get("excerpt")) or t["no_excerpt"],
            platform=clean_text(post.get("platform"), 30) or "?",
            engagement=_number(post.get("engagement"), lang, 0),
            url=safe_url(post.get("url")),
            sentiment=clean_text(post.get("sentiment"), 20)))
    response = _mapping(payload.get("response"))
    if response.get("responded"):
        answer = t["responded"].format(
            time=format_time(response.get("first_response_at"), zone, lang),
            minutes=_number(response.get("response_minutes"), lang, 0))
    else:
        answer = t["not_responded"]
        if payload.get("overdue_minutes") is not None:
            answer += " — " + t["overdue"].format(
                minutes=_number(payload.get("overdue_minutes"), lang, 0),
                target=_number(target, lang, 0))
    dashboard = safe_url(payload.get("dashboard_url")) or safe_url(settings.notify_dashboard_url)
    return Facts(
        event_id=clean_text(payload.get("event_id"), 200), kind=kind, title=title,
        severity=t.get(severity, clean_text(severity, 20)), unit=where,
        topic=clean_text(payload.get("topic"), 100) or "?", started=started, ended=ended,
        negatives=negatives, growth=growth, news=news, posts=tuple(posts), response=answer,
        response_url=safe_url(response.get("url")) if response.get("responded") else None,
        dashboard_url=dashboard, labels=t)


# --- plain text (email's text part, the file sink) --------------------------------------------

def plain_text(f: Facts) -> str:
    t = f.labels
    lines = [f"{f.title} — {f.unit}", ""]
    lines += [f"{label}: {value}" for label, value in f.rows()]
    if f.response_url:
        lines.append(f"  {t['responded_link']}: {f.response_url}")
    if f.posts:
        lines += ["", f"{t['top_posts']}:"]
        for number, post in enumerate(f.posts, 1):
            lines.append(f"{number}. [{post.platform}, {post.engagement} {t['engagement']}] "
                         f"{post.excerpt}")
            if post.url:
                lines.append(f"   {post.url}")
    lines.append("")
    if f.dashboard_url:
        lines.append(f"{t['dashboard']}: {f.dashboard_url}")
    lines.append(f"{t['event']}: {f.event_id}")
    return "\n".join(lines)


# --- Telegram (HTML parse mode) ---------------------------------------------------------------

def _tg(text: str) -> str:
    return html.escape(text, quote=True)


def _tg_link(url: str, label: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{_tg(label)}</a>'


def _telegram_one(f: Facts, excerpt_limit: int = EXCERPT_MAX_CHARS, posts: int = 3) -> str:
    t = f.labels
    lines = [f"<b>{_tg(f.title)}</b> — <b>{_tg(f.unit)}</b>"]
    lines += [f"<b>{_tg(label)}:</b> {_tg(value)}" for label, value in f.rows()]
    if f.response_url:
        lines[-1] += " " + _tg_link(f.response_url, t["responded_link"])
    if f.posts[:posts]:
        lines.append(f"<b>{_tg(t['top_posts'])}:</b>")
        for number, post in enumerate(f.posts[:posts], 1):
            line = (f"{number}. [{_tg(post.platform)}, {_tg(post.engagement)} "
                    f"{_tg(t['engagement'])}] {_tg(clean_text(post.excerpt, excerpt_limit))}")
            if post.url:
                line += " " + _tg_link(post.url, t["link"])
            lines.append(line)
    if f.dashboard_url:
        lines.append(_tg_link(f.dashboard_url, t["dashboard"]))
    lines.append(f"<code>{_tg(f.event_id)}</code>")
    return "\n".join(lines)


def telegram_text(f: Facts) -> str:
    """One event's Telegram HTML, shortened to fit :data:`TELEGRAM_MAX_CHARS`."""
    for limit, posts in ((EXCERPT_MAX_CHARS, 3), (140, 3), (60, 3), (60, 1), (0, 0)):
        text = _telegram_one(f, limit, posts)
        if len(text) <= TELEGRAM_MAX_CHARS:
            return text
    return text[:TELEGRAM_MAX_CHARS]  # unreachable with the fields' own limits


def _digest_line(f: Facts) -> str:
    return f"{f.title} — {f.unit} — {f.topic} — {f.started}"


def telegram_digest(items: list[Facts], title: str) -> str:
    lines = [f"<b>{_tg(title)}</b>"]
    size = len(lines[0])
    for shown, f in enumerate(items):
        line = f"• {_tg(_digest_line(f))}"
        if f.dashboard_url:
            line += " " + _tg_link(f.dashboard_url, f.labels["dashboard"])
        more = "\n" + _tg(f.labels["digest_more"].format(count=len(items) - shown))
        if shown >= DIGEST_MAX_ITEMS or size + len(line) + 1 + len(more) > TELEGRAM_MAX_CHARS:
            lines.append(more.strip())
            break
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


# --- Slack (mrkdwn, Block Kit) ----------------------------------------------------------------

def _sl(text: str) -> str:
    """Slack's escaping: ``&``, ``<`` and ``>`` only (so ``<!channel>`` cannot be written)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sl_link(url: str, label: str) -> str:
    return f"<{_sl(url)}|{_sl(label)}>"


def slack_body(f: Facts) -> dict[str, Any]:
    t = f.labels
    head = f"*{_sl(f.title)}* — *{_sl(f.unit)}*"
    facts_text = "\n".join(f"*{_sl(label)}:* {_sl(value)}" for label, value in f.rows())
    if f.response_url:
        facts_text += " " + _sl_link(f.response_url, t["responded_link"])
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": head}},
        {"type": "section", "text": {"type": "mrkdwn", "text": facts_text[:SLACK_MAX_SECTION]}}]
    if f.posts:
        posts = [f"*{_sl(t['top_posts'])}:*"]
        for number, post in enumerate(f.posts, 1):
            line = (f"{number}. [{_sl(post.platform)}, {_sl(post.engagement)} "
                    f"{_sl(t['engagement'])}] {_sl(post.excerpt)}")
            if post.url:
                line += " " + _sl_link(post.url, t["link"])
            posts.append(line)
        blocks.append({"type": "section",
                       "text": {"type": "mrkdwn", "text": "\n".join(posts)[:SLACK_MAX_SECTION]}})
    context = f"{_sl(t['event'])}: `{_sl(f.event_id)}`"
    if f.dashboard_url:
        context = _sl_link(f.dashboard_url, t["dashboard"]) + " · " + context
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    return {"text": f"{_sl(f.title)} — {_sl(f.unit)}", "blocks": blocks}


def slack_digest(items: list[Facts], title: str) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_sl(title)}*"}}]
    for shown, f in enumerate(items):
        if shown >= min(DIGEST_MAX_ITEMS, SLACK_MAX_BLOCKS - 2):
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _sl(
                f.labels["digest_more"].format(count=len(items) - shown))}]})
            break
        line = f"• {_sl(_digest_line(f))}"
        if f.dashboard_url:
            line += " " + _sl_link(f.dashboard_url, f.labels["dashboard"])
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": line[:SLACK_MAX_SECTION]}})
    return {"text": _sl(title), "blocks": blocks}


# --- email (Jinja2, autoescape) ---------------------------------------------------------------

_EMAIL = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string("""\
<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: sans-serif; color: #1b1b1b">
{% for f in items %}
<h2 style="margin-bottom: 4px">{{ f.title }} — {{ f.unit }}</h2>
<table cellpadding="3">
{% for label, value in f.rows() %}<tr><th align="left">{{ label }}</th><td>{{ value }}
{%- if loop.last and f.response_url %}
 (<a href="{{ f.response_url }}">{{ f.labels.responded_link }}</a>){% endif -%}
</td></tr>
{% endfor %}</table>
{% if f.posts and not digest %}<h3>{{ f.labels.top_posts }}</h3><ol>
{% for post in f.posts %}<li>[{{ post.platform }}, {{ post.engagement }}
 {{- " " ~ f.labels.engagement }}] {{ post.excerpt }}
{%- if post.url %} <a href="{{ post.url }}">{{ f.labels.link }}</a>{% endif %}</li>
{% endfor %}</ol>{% endif %}
{% if f.dashboard_url %}<p><a href="{{ f.dashboard_url }}">{{ f.labels.dashboard }}</a></p>{% endif %}
<p style="color: #666; font-size: small">{{ f.labels.event }}: {{ f.event_id }}</p>
{% endfor %}
{% if more %}<p>{{ more }}</p>{% endif %}
</body></html>
""")


def _one_line(text: str, limit: int = 200) -> str:
    return clean_text(text, limit)


# --- the entry point --------------------------------------------------------------------------

@dataclass(frozen=True)
class Rendered:
    """One message in the format of one channel type.

    ``text``: Telegram's HTML, Slack's fallback text, the plain-text part of an email, the
    file sink's text; ``subject``, ``html``: email; ``body``: the JSON of Slack, webhooks and
    the file sink; ``event_ids``: the events it carries (one, or a digest's).
    """

    text: str
    event_ids: tuple[str, ...]
    subject: str = ""
    html: str = ""
    body: dict[str, Any] | None = None
    #: email: files attached (a report's PDF)
    attachments: tuple[str, ...] = ()


def render(channel_type: str, payloads: list[dict[str, Any]], settings: Settings) -> Rendered:
    """The message of one event (one payload) or the digest of several, for ``channel_type``
    (telegram, slack, email, webhook or file)."""
    if not payloads:
        raise ValueError("nothing to render")
    if any(p.get("kind") == "report" for p in payloads):
        if channel_type != "email" or len(payloads) != 1:
            raise ValueError("a report goes alone, to an email channel")
        return report_email(payloads[0], settings)
    items = [facts(p, settings) for p in payloads]
    ids = tuple(str(p.get("event_id")) for p in payloads)
    t = TEXT[settings.notify_language]
    digest = len(items) > 1
    title = t["digest"].format(count=len(items)) if digest else f"{items[0].title} — {items[0].unit}"
    subject = "[Pantau] " + _one_line(title)
    plain = ("\n\n".join([title, *(_digest_line(f) + (f"\n{f.dashboard_url}" if f.dashboard_url
                                                        else "") + f"\n{t['event']}: {f.event_id}"
                                   for f in items)])
             if digest else plain_text(items[0]))
    if channel_type == "telegram":
        return Rendered(telegram_digest(items, title) if digest else telegram_text(items[0]), ids)
    if channel_type == "slack":
        body = slack_digest(items, title) if digest else slack_body(items[0])
        return Rendered(str(body["text"]), ids, body=body)
    if channel_type == "email":
        shown = items[:DIGEST_MAX_ITEMS]
        more = t["digest_more"].format(count=len(items) - len(shown)) if len(items) > len(
            shown) else ""
        page = _EMAIL.render(items=shown, subject=subject, lang=settings.notify_language,
                             digest=digest, more=more)
        return Rendered(plain, ids, subject=subject, html=page)
    if channel_type == "webhook":
        if digest:
            body = {"kind": "digest", "event_ids": list(ids), "events": payloads}
        else:
            body = {**payloads[0], "event_id": ids[0]}
        return Rendered(json.dumps(body, ensure_ascii=False), ids, body=body)
    if channel_type == "file":
        body = {"event_ids": list(ids), "kind": "digest" if digest else items[0].kind,
                "text": plain, "payloads": payloads}
        return Rendered(plain, ids, body=body)
    raise ValueError(f"unknown channel type {channel_type!r}")


def report_email(payload: dict[str, Any], settings: Settings) -> Rendered:
    """The email of one report made for a subscription's ``reports``: a line saying what it
    is, with the report's PDF attached."""
    t = TEXT[settings.notify_language]
    unit = _mapping(payload.get("unit"))
    title = t["report_week" if payload.get("period") == "week" else "report_day"]
    name = clean_text(unit.get("unit_name") or unit.get("unit_id"), 120)
    label = clean_text(payload.get("label"), 40)
    subject = "[Pantau] " + _one_line(f"{title} — {name} — {label}")
    text = t["report_body"].format(title=title.lower() if settings.notify_language == "en"
                                   else title, unit=name, label=label)
    files = tuple(str(f) for f in payload.get("files") or [] if str(f).endswith(".pdf"))
    if not files:
        raise ValueError("the report has no PDF")
    page = f"<p>{html.escape(text)}</p>"
    return Rendered(text, (str(payload.get("event_id")),), subject=subject, html=page,
                    attachments=files)
