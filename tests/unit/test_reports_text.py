"""How the reports write numbers and dates in each language, and what they make of hostile text
and URLs before it reaches the template."""

import datetime as dt

import pytest

from pantau.reports import Window
from pantau.reports.messages import date, decimal, integer, short_date
from pantau.reports.render import EXCERPT_CHARS, clean, safe_url


def test_numbers_and_dates_in_indonesian_and_english():
    assert integer(1234567, "id") == "1.234.567" and integer(1234567, "en") == "1,234,567"
    assert decimal(-0.254, 2, "id", signed=True) == "-0,25"
    assert decimal(1234.5, 1, "id") == "1.234,5" and decimal(1234.5, 1, "en") == "1,234.5"
    assert decimal(0.1, 2, "en", signed=True) == "+0.10"
    assert date(dt.date(2026, 8, 17), "id") == "17 Agustus 2026"
    assert date(dt.date(2026, 8, 17), "en") == "17 August 2026"
    assert short_date(dt.date(2026, 11, 22), "id") == "Min 22/11"


def test_periods_are_days_and_iso_weeks():
    week = Window.of("week", dt.date(2026, 11, 18))  # a Wednesday
    assert (week.start, week.end, week.label) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22),
                                                  "2026-W47")
    assert Window.of("week", dt.date(2027, 1, 1)).label == "2026-W53"  # ISO year, not calendar
    day = Window.of("day", dt.date(2026, 11, 21))
    assert (day.start, day.end, day.label, day.week_start) == (
        dt.date(2026, 11, 21), dt.date(2026, 11, 21), "2026-11-21", dt.date(2026, 11, 16))


@pytest.mark.parametrize(("text", "expected"), [
    ("polisi \u202eiduj\u202c baik", "polisi iduj baik"),
    ("a\u2066b\u2069c\u200fd\x00e\x1bf", "abcdef"),
    ("baris\nbaru\t dan   spasi", "baris baru dan spasi"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # escaped by the template
])
def test_clean_drops_bidi_and_control_characters(text, expected):
    assert clean(text, EXCERPT_CHARS) == expected


def test_clean_cuts_long_text_with_an_ellipsis():
    cut = clean("x" * 1000, EXCERPT_CHARS)
    assert len(cut) == EXCERPT_CHARS and cut.endswith("…")
    assert clean(None, 10) == ""


@pytest.mark.parametrize(("url", "kept"), [
    ("https://x.com/warga/status/1", True),
    ("HTTP://example.invalid/a?b=1&c=\"2\"", True),  # the template escapes the quote
    ("javascript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("https://evil.example/\u202egpj.exe", False),
    ("https://a.example/ b", False),
    ("//evil.example/", False),
    ("", False),
    (None, False),
])
def test_only_plain_http_urls_become_links(url, kept):
    assert safe_url(url) == (url if kept else None)
