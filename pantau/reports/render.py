"""A report's HTML: Jinja2 with autoescaping, charts drawn as inline SVG, nothing fetched.

Post excerpts, author labels and URLs come from the public and are hostile until shown
otherwise: every value goes through Jinja2's autoescaping (never ``|safe``); excerpts lose their
bidirectional controls (a right-to-left override would reverse the text after it) and other
control characters, are cut to :data:`EXCERPT_CHARS`, and sit in ``<bdi>``; links are kept only
for ``http``/``https`` URLs; long words wrap (CSS ``overflow-wrap: anywhere``). The page's
Content-Security-Policy allows inline styles and nothing else: no script runs and nothing is
loaded, even if a value escaped all of this.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import jinja2

from pantau.reports import messages as m
from pantau.reports.data import Figures, Rank

EXCERPT_CHARS = 220
LABEL_CHARS = 60
#: Bidirectional controls (embeddings, overrides, isolates, marks) and the C0/C1 controls but
#: tab and newline.
_UNSAFE = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("pantau.reports", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def clean(text: str | None, limit: int) -> str:
    """Attacker-controlled text made fit to print: no bidi or control characters, one line,
    at most ``limit`` characters (an ellipsis says it was cut)."""
    flat = _SPACES.sub(" ", _UNSAFE.sub("", text or "")).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL without controls or spaces; None otherwise."""
    if not url or len(url) > 2000 or _UNSAFE.search(url) or re.search(r"\s", url):
        return None
    return url if re.match(r"https?://", url, re.IGNORECASE) else None


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: str
    label: str
    highlight: bool


CHART_W, CHART_H, CHART_PAD = 640.0, 200.0, 28.0


def _bars(values: list[float | None], labels: list[str], shown: list[str], highlight: list[bool],
          *, signed: bool) -> tuple[list[Bar], float]:
    """Bars of ``values`` across the chart; returns them and the y of the zero line."""
    n = max(1, len(values))
    slot = CHART_W / n
    plot_h = CHART_H - 2 * CHART_PAD
    present = [v for v in values if v is not None]
    if signed:
        top = max(1e-9, max((abs(v) for v in present), default=0.0))
        zero = CHART_PAD + plot_h / 2
        scale = (plot_h / 2) / top
    else:
        top = max(1e-9, max(present, default=0.0))
        zero = CHART_PAD + plot_h
        scale = plot_h / top
    bars = []
    for i, value in enumerate(values):
        height = abs(value or 0.0) * scale
        y = zero - height if (value or 0.0) >= 0 else zero
        bars.append(Bar(x=round(i * slot + slot * 0.15, 1), y=round(y, 1),
                        width=round(slot * 0.7, 1), height=round(height, 1),
                        value=shown[i], label=labels[i], highlight=highlight[i]))
    return bars, round(zero, 1)


def _rank_text(rank: Rank, lang: m.Language) -> str:
    words = m.MESSAGES[lang]
    if rank.rank is None:
        return words["no_rank"]
    return f"{rank.rank} {words['rank_of']} {rank.units}"


def _change_text(rank: Rank, lang: m.Language) -> str:
    words = m.MESSAGES[lang]
    change = rank.change
    if rank.rank is None:
        return words["none"]
    if change is None:
        return words["rank_new"]
    if change == 0:
        return words["rank_same"]
    return f"{words['rank_up'] if change > 0 else words['rank_down']} {abs(change)}"


def figures_text(figures: Figures, lang: m.Language) -> dict[str, str]:
    """The summary's figures as printed (the test looks for them in the PDF's text)."""
    words = m.MESSAGES[lang]
    net = figures.net_sentiment
    median = figures.median_response_minutes
    return {
        "mentions": m.integer(figures.mentions, lang),
        "engagement": m.integer(figures.engagement, lang),
        "net_sentiment": words["none"] if net is None else m.decimal(net, 2, lang, signed=True),
        "alerts": m.integer(figures.alert_count, lang),
        "responded": m.integer(figures.responded_count, lang),
        "median_response": (words["none"] if median is None
                            else f"{m.decimal(median, 1, lang)} {words['minutes']}"),
        "rank": _rank_text(figures.rank, lang),
        "rank_change": _change_text(figures.rank, lang),
    }


def render_html(figures: Figures, *, lang: m.Language, generated_at: dt.datetime) -> str:
    """The report of ``figures`` as a standalone HTML page (A4, print styles, inline SVG)."""
    words = m.MESSAGES[lang]
    days = figures.days
    labels = [m.short_date(d.day, lang) for d in days]
    highlight = [d.in_period for d in days]
    volume, volume_zero = _bars([float(d.mentions) for d in days], labels,
                                [m.integer(d.mentions, lang) for d in days], highlight,
                                signed=False)
    sentiment, sentiment_zero = _bars(
        [d.net_sentiment for d in days], labels,
        [words["none"] if d.net_sentiment is None else m.decimal(d.net_sentiment, 2, lang,
                                                                   signed=True) for d in days],
        highlight, signed=True)
    window = figures.window
    period = (m.date(window.end, lang) if window.period == "day"
              else f"{m.date(window.start, lang)} \u2013 {m.date(window.end, lang)} ({window.label})")

    def post(p: Any) -> dict[str, Any]:
        return {"platform": p.platform, "author": clean(p.author_label, LABEL_CHARS),
                "text": clean(p.post_text, EXCERPT_CHARS), "url": safe_url(p.url),
                "engagement": m.integer(p.engagement, lang),
                "when": f"{m.date(p.created_at.date(), lang)} {p.created_at:%H:%M}"}

    alerts = [{
        "started": f"{m.short_date(a.started_at.date(), lang)} {a.started_at:%H:%M}",
        "topic": clean(a.topic, LABEL_CHARS),
        "negative": m.integer(a.negative_post_count, lang),
        "status": words["open"] if a.is_open else words["closed"],
        "response": (f"{m.decimal(a.response_minutes, 1, lang)} {words['minutes']}"
                     if a.is_responded and a.response_minutes is not None
                     else words["not_responded"]),
        "url": safe_url(a.top_post_url),
    } for a in figures.alerts]
    polres = [{
        "name": clean(r.unit_name, LABEL_CHARS), "mentions": m.integer(r.mentions, lang),
        "net": words["none"] if r.net_sentiment is None else m.decimal(r.net_sentiment, 2, lang,
                                                                        signed=True),
        "alerts": m.integer(r.alert_count, lang), "rank": _rank_text(r.rank, lang),
        "change": _change_text(r.rank, lang),
    } for r in figures.polres]
    return _ENV.get_template("report.html").render(
        w=words, lang=lang, unit=figures.unit, window=window, period=period,
        title=words[f"title_{window.period}"],
        unit_name=clean(figures.unit.unit_name, LABEL_CHARS),
        polda_name=clean(figures.unit.polda_name, LABEL_CHARS),
        generated=f"{m.date(generated_at.date(), lang)} {generated_at:%H:%M} UTC",
        f=figures_text(figures, lang), figures=figures, public_posts=m.integer(
            figures.public_posts, lang),
        week=f"{words['rank_week']} {window.week_start.isocalendar()[1]}",
        chart={"w": CHART_W, "h": CHART_H, "pad": CHART_PAD},
        volume=volume, volume_zero=volume_zero, sentiment=sentiment,
        sentiment_zero=sentiment_zero, alerts=alerts,
        alerts_more=max(0, figures.alert_count - len(alerts)),
        positive=[post(p) for p in figures.positive_posts],
        negative=[post(p) for p in figures.negative_posts], polres=polres)
