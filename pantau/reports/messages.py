"""The words of the reports, in Indonesian (the default) and English (``PANTAU_NOTIFY_LANGUAGE``),
and how numbers and dates are written in each."""

from __future__ import annotations

import datetime as dt
from typing import Literal

Language = Literal["id", "en"]

MESSAGES: dict[Language, dict[str, str]] = {
    "id": {
        "title_day": "Laporan harian",
        "title_week": "Laporan mingguan",
        "period": "Periode",
        "generated": "Dibuat",
        "source": "Sumber: snapshot mart yang dipublikasikan",
        "summary": "Ringkasan",
        "mentions": "Jumlah sebutan",
        "engagement": "Interaksi",
        "net_sentiment": "Sentimen bersih",
        "public_posts": "unggahan publik",
        "alerts": "Peringatan isu",
        "responded": "ditanggapi",
        "median_response": "Median waktu tanggap",
        "minutes": "menit",
        "rank": "Peringkat skor reputasi",
        "rank_of": "dari",
        "rank_week": "pekan",
        "rank_up": "naik",
        "rank_down": "turun",
        "rank_same": "tetap",
        "rank_new": "belum ada peringkat pekan sebelumnya",
        "no_rank": "belum ada peringkat",
        "chart_volume": "Volume sebutan per hari",
        "chart_sentiment": "Sentimen bersih per hari (unggahan publik)",
        "alerts_title": "Peringatan isu dan waktu tanggap",
        "alerts_more": "dan {n} peringatan lainnya",
        "no_alerts": "Tidak ada peringatan isu pada periode ini.",
        "started": "Mulai",
        "topic": "Topik",
        "negative_posts": "Unggahan negatif",
        "status": "Status",
        "open": "terbuka",
        "closed": "selesai",
        "response": "Tanggapan",
        "not_responded": "belum ditanggapi",
        "viral_positive": "Unggahan viral positif teratas",
        "viral_negative": "Unggahan viral negatif teratas",
        "no_viral": "Tidak ada unggahan viral pada periode ini.",
        "polres_title": "Polres di wilayah {name}",
        "polres": "Polres",
        "change": "Perubahan",
        "none": "\u2013",  # an en dash
    },
    "en": {
        "title_day": "Daily report",
        "title_week": "Weekly report",
        "period": "Period",
        "generated": "Generated",
        "source": "Source: the published snapshot of the marts",
        "summary": "Summary",
        "mentions": "Mentions",
        "engagement": "Engagement",
        "net_sentiment": "Net sentiment",
        "public_posts": "public posts",
        "alerts": "Issue alerts",
        "responded": "answered",
        "median_response": "Median response time",
        "minutes": "minutes",
        "rank": "Reputation score rank",
        "rank_of": "of",
        "rank_week": "week",
        "rank_up": "up",
        "rank_down": "down",
        "rank_same": "unchanged",
        "rank_new": "no rank the week before",
        "no_rank": "not ranked yet",
        "chart_volume": "Mentions per day",
        "chart_sentiment": "Net sentiment per day (public posts)",
        "alerts_title": "Issue alerts and response times",
        "alerts_more": "and {n} more alerts",
        "no_alerts": "No issue alerts in this period.",
        "started": "Started",
        "topic": "Topic",
        "negative_posts": "Negative posts",
        "status": "Status",
        "open": "open",
        "closed": "closed",
        "response": "Response",
        "not_responded": "not answered",
        "viral_positive": "Top positive viral posts",
        "viral_negative": "Top negative viral posts",
        "no_viral": "No viral posts in this period.",
        "polres_title": "Polres under {name}",
        "polres": "Polres",
        "change": "Change",
        "none": "\u2013",  # an en dash
    },
}

_MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
_WEEKDAYS = {"id": ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"),
             "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def integer(value: int, language: Language) -> str:
    """``12.345`` in Indonesian, ``12,345`` in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if language == "id" else text


def decimal(value: float, places: int, language: Language, *, signed: bool = False) -> str:
    """``-0,25`` / ``+0,25`` in Indonesian, ``-0.25`` in English (an ASCII minus, so copied
    figures paste as numbers)."""
    text = f"{value:+,.{places}f}" if signed else f"{value:,.{places}f}"
    if language == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def date(value: dt.date, language: Language) -> str:
    """``21 November 2026``."""
    return f"{value.day} {_MONTHS[language][value.month - 1]} {value.year}"


def short_date(value: dt.date, language: Language) -> str:
    """``Sab 21/11``: the charts' day labels."""
    return f"{_WEEKDAYS[language][value.weekday()]} {value.day}/{value.month}"
