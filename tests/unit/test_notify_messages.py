"""Messages that explain themselves, in both languages, and hostile post text and links that
cannot break out of any format."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from pantau.notify.messages import TELEGRAM_MAX_CHARS, render, safe_url
from pantau.settings import Settings
from tests.notify_support import DENPASAR, payload

ID = Settings.from_env({})
EN = Settings.from_env({"PANTAU_NOTIFY_LANGUAGE": "en"})


class _Tags(HTMLParser):
    """The tags and links of an HTML fragment, as a browser or Telegram would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [value or "" for name, value in attrs if name == "href"]


def parsed(html: str) -> _Tags:
    tags = _Tags()
    tags.feed(html)
    return tags


def test_a_spike_message_carries_every_fact_in_indonesian_and_english():
    facts = payload(response={"responded": True, "first_response_at": "2026-03-14T13:47:00Z",
                              "response_minutes": 42,
                              "url": "https://x.com/polres_jaksel/status/1900000000000000099"})
    indonesian = render("email", [facts], ID).text
    for expected in ("Lonjakan negatif", "Polres Metro Jakarta Selatan · Polda Metro Jaya",
                     "Topik: pungli", "14 Mar 2026 13:05 UTC (20:05 WIB)",
                     "Postingan negatif: 1.284 (puncak 412/jam)",
                     "Pertumbuhan: 43,4\u00d7 baseline 9,5/jam", "Portal berita: 3",
                     "[x, 15.230 interaksi] parah bgt pak",
                     "https://x.com/wargajaksel/status/1900000000000000001",
                     "Tanggapan akun resmi: Sudah, 14 Mar 2026 13:47 UTC (20:47 WIB) (42 menit",
                     "https://x.com/polres_jaksel/status/1900000000000000099",
                     "Buka di dasbor: http://127.0.0.1:8050/?level=polres",
                     f"ID kejadian: {facts['event_id']}"):
        assert expected in indonesian, expected
    english = render("email", [facts], EN).text
    for expected in ("Negative spike", "Topic: pungli", "Negative posts: 1,284 (peak 412/hour)",
                     "Growth: 43.4\u00d7 baseline 9.5/hour", "[x, 15,230 engagements]",
                     "Official account's response: Yes, 14 Mar 2026 13:47 UTC (20:47 WIB)",
                     "Open in the dashboard", f"Event id: {facts['event_id']}"):
        assert expected in english, expected
    # the three top posts, in every format
    telegram = render("telegram", [facts], ID).text
    assert telegram.count("interaksi]") == 3
    slack = json.dumps(render("slack", [facts], EN).body)
    assert slack.count("engagements]") == 3


def test_times_are_utc_and_the_units_own_zone():
    bali = payload(unit=DENPASAR, started_at="2026-03-14T17:30:00Z")
    assert "14 Mar 2026 17:30 UTC (15 Mar 01:30 WITA)" in render("email", [bali], ID).text


def test_overdue_and_unanswered_says_how_late():
    late = payload("response_overdue:alert-7781", "response_overdue", overdue_minutes=25)
    text = render("email", [late], EN).text
    assert text.startswith("Unanswered after 60 minutes — Polres Metro Jakarta Selatan")
    assert "Not yet — 25 min past the 60-minute target" in text


HOSTILE = [
    '<a href="javascript:alert(1)">klik</a> <b>promo</b> & </code><script>x()</script>',
    "<!channel> <!here> @everyone *bold* <https://evil.example|polisi.go.id>",
    "normal \u202eexe.gpj\u202c \u200bzero\u0000null\r\nX-Injected: yes",
    "wkwk " * 400,  # far longer than an excerpt
]
BAD_URLS = ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>",
            "https://evil.example/\"><script>x</script>", "//evil.example/relative",
            "https://evil.example/a b", "https://evil.example|fake", "ftp://files.example/x",
            "https://evil.example:99999/"]


@pytest.mark.parametrize("channel", ["telegram", "slack", "email"])
def test_hostile_excerpts_and_links_cannot_break_out(channel):
    posts = [{"excerpt": text, "platform": "x", "engagement": 10, "url": url,
              "author_label": "@troll", "sentiment": "negative"}
             for text, url in zip(HOSTILE * 2, BAD_URLS, strict=False)]
    facts = payload(top_posts=posts[:3], topic="<i>topik</i>\r\nBcc: semua@evil.example")
    message = render(channel, [facts], ID)
    assert "\r" not in message.text  # the topic's line break is folded into a space
    assert not any(line.startswith("Bcc:") for line in message.text.splitlines())
    if channel == "telegram":
        tags = parsed(message.text)
        assert set(tags.tags) <= {"b", "a", "code"}  # only ours
        # one attacker link is a real https URL: kept, its quote and brackets percent-encoded
        assert tags.hrefs == ["https://evil.example/%22%3E%3Cscript%3Ex%3C/script%3E",
                              facts["dashboard_url"]]
        assert "<script" not in message.text and "\u202e" not in message.text
        assert len(message.text) <= TELEGRAM_MAX_CHARS
    elif channel == "slack":
        text = json.dumps(message.body)
        assert "<!channel>" not in text and "<!here>" not in text
        assert "<https://evil.example|polisi.go.id>" not in text
        assert "<javascript:" not in text and "<data:" not in text
        assert "&lt;https://evil.example|polisi.go.id&gt;" in text  # a disguised link, as text
        assert "&lt;!channel&gt;" in text
    else:
        tags = parsed(message.html)
        assert "script" not in tags.tags and "i" not in tags.tags
        assert "\n" not in message.subject and "\r" not in message.subject
        assert all(h.startswith(("http://127.0.0.1:8050", "https://evil.example/%22%3E"))
                   for h in tags.hrefs)
        assert 'href="javascript' not in message.html
        excerpts = [line for line in message.text.splitlines() if line.startswith(("1.", "2."))]
        assert all(len(line) < 330 for line in excerpts)  # cut to 280 characters


def test_a_long_digest_still_fits_telegram():
    many = [payload(f"spike_opened:unit-{i}:2026-03-14T13", topic="x" * 90) for i in range(200)]
    text = render("telegram", many, ID).text
    assert len(text) <= TELEGRAM_MAX_CHARS
    assert text.startswith("<b>Ringkasan 200 notifikasi selama jam tenang</b>")
    assert "lainnya (lihat dasbor)" in text


def test_the_webhook_body_is_the_payload_with_its_event_id():
    facts = payload()
    body = render("webhook", [facts], ID).body
    assert body == facts
    digest = render("webhook", [facts, payload("other")], ID).body
    assert digest is not None and digest["event_ids"] == [facts["event_id"], "other"]


def test_safe_url_keeps_http_links_and_encodes_what_could_end_them():
    assert safe_url("https://x.com/a/status/1?s=20&t=x") == "https://x.com/a/status/1?s=20&t=x"
    assert safe_url('https://x.com/a"b<c>|d') == "https://x.com/a%22b%3Cc%3E%7Cd"
    assert all(safe_url(url) is None for url in BAD_URLS if "|" not in url and '"' not in url)


def test_a_polda_wave_and_a_national_wave_name_their_level():
    polda = {"unit_id": "polda_metro_jaya", "unit_level": "polda", "unit_name": "Polda Metro Jaya",
             "polres_id": None, "polres_name": None, "polda_id": "polda_metro_jaya",
             "polda_name": "Polda Metro Jaya"}
    national = {"unit_id": "polri", "unit_level": "national", "unit_name": "Polri",
                "polres_id": None, "polres_name": None, "polda_id": None, "polda_name": None}
    assert render("email", [payload(unit=polda)], EN).text.startswith(
        "Negative spike — Polda Metro Jaya\n")
    text = render("email", [payload(unit=national)], EN).text
    assert text.startswith("Negative spike — Polri\n") and "13:05 UTC (20:05 WIB)" in text
    digest = render("slack", [payload(unit=polda), payload("b", unit=national)], EN).body
    assert digest is not None and digest["text"] == "Digest of 2 notifications from quiet hours"


def test_a_spike_from_no_baseline_says_so_instead_of_a_ratio_to_zero():
    quiet = payload(baseline_per_hour=0.0, growth=81.0, peak_hour_count=81)
    assert "Pertumbuhan: 81/jam, dari hampir nol sebelumnya" in render("email", [quiet], ID).text
    assert "Growth: 81/hour, from almost none before" in render("email", [quiet], EN).text
    assert "\u00d7 baseline 0" not in render("telegram", [quiet], ID).text
