"""Stored XSS through the marts: post texts, topics, names and URLs come from social media, so a
snapshot whose viral posts and alerts carry markup and ``javascript:`` URLs is loaded in headless
Chromium. The page must show the markup as text and link only http(s) URLs.

Before, app.js put any post URL into ``a.href``, so a ``javascript:`` URL ran on click."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from selenium.webdriver.support.ui import Select, WebDriverWait

from pantau.serve.dashboard import create_app
from pantau.serve.queries import ISSUE_ROWS
from pantau.serve.server import RunningServer, start_in_thread
from tests.browser import console_errors
from tests.serving_snapshot import write_snapshot

pytestmark = pytest.mark.integration

PWN = "document.body.dataset.pwned=1"
TEXT = f'<img src=x onerror="{PWN}">'
TOPIC = f"<svg onload={PWN}>"
NAME = f"<script>{PWN}</script>Polres Palsu"
HOSTILE_URLS = {
    1: f"javascript:{PWN}",
    2: f" JaVaScRiPt:{PWN}",
    3: "data:text/html,<script>parent.document.body.dataset.pwned=1</script>",
    4: "//evil.example/phish",
    5: f"java\tscript:{PWN}",
    6: "vbscript:msgbox(1)",
}


@pytest.fixture
def hostile_snapshot(tmp_path: Path) -> Path:
    path = write_snapshot(tmp_path / "published.duckdb")
    con = duckdb.connect(str(path))
    for rank, url in HOSTILE_URLS.items():
        con.execute("update marts.mart_viral_posts set url = ?, post_text = ?, author_label = ?, "
                    "topic = ? where viral_rank = ?", [url, TEXT, TEXT, TOPIC, rank])
    con.execute("update marts.mart_issue_alerts set top_post_url = ?, first_response_url = ?, "
                "first_response_at = coalesce(first_response_at, started_at), "
                "response_minutes = coalesce(response_minutes, 30), topic = ?, polres_name = ?, "
                "unit_name = ? where alert_id in (select alert_id from marts.mart_issue_alerts "
                "where unit_level = 'polres' order by alert_id limit 2)",
                [f"javascript:{PWN}", f"javascript:{PWN}", TOPIC, NAME, NAME])
    con.execute("update marts.mart_issue_alerts set top_polda_name = ?, top_polres_name = ?, "
                "top_post_url = ? where unit_level = 'national'", [NAME, TEXT, f"javascript:{PWN}"])
    con.execute("update marts.mart_polres_scorecard set polres_name = ? "
                "where polres_id = 'polres_gresik'", [NAME])
    con.execute("update marts.mart_unit_scorecard set unit_name = ? "
                "where unit_id = 'polres_gresik'", [NAME])
    # issue 18's views: account labels, hashtags, campaign texts, news items, Polres names
    con.execute("update marts.mart_issue_amplifiers set author_label = ?, "
                "author_key = author_key || ? where scope_type = 'issue'", [TEXT, TEXT])
    con.execute("update marts.mart_network_edges set source_label = ?, target_label = ?, "
                "source_author_key = source_author_key || ?, "
                "target_author_key = target_author_key || ?", [TEXT, TEXT, TEXT, TEXT])
    con.execute("update marts.mart_network_communities set top_author_labels = [?, ?]",
                [TEXT, NAME])
    con.execute("update marts.mart_issue_hashtag_war set hashtag = ? || hashtag_rank",
                [TOPIC])
    con.execute("update marts.mart_coordinated_campaigns set sample_text = ?", [TEXT])
    con.execute("update marts.fct_posts set post_text = ?, author_label = ?, url = ? "
                "where platform = 'news'", [TEXT, NAME, f"javascript:{PWN}"])
    con.execute("update marts.mart_polda_share_of_voice set polres_name = ?, polda_name = ? "
                "where polres_id = 'polres_gresik'", [NAME, NAME])
    con.close()
    return path


@pytest.fixture
def hostile_dashboard(hostile_snapshot: Path) -> Iterator[RunningServer]:
    with start_in_thread(create_app(hostile_snapshot)) as server:
        yield server


def test_hostile_texts_and_urls_stay_inert(hostile_dashboard, browser):
    browser.get(hostile_dashboard.url)
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.body.dataset.state") in ("ready", "error"))
    assert browser.execute_script("return document.body.dataset.state") == "ready", \
        browser.find_element("id", "status").text

    assert browser.execute_script("return document.body.dataset.pwned") is None
    hrefs = browser.execute_script(
        "return [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert hrefs, "the honest posts keep their links"
    assert all(h.startswith(("https://", "http://")) for h in hrefs), hrefs
    injected = browser.execute_script(
        "return document.querySelectorAll('main img, main script, main svg svg, main iframe, "
        "main [onerror], main [onload]').length")
    assert injected == 0

    viral = browser.find_element("css selector", "#viral tbody").text
    assert TEXT in viral and TOPIC in viral
    rows = browser.find_elements("css selector", "#viral tbody tr")
    for row in rows[:len(HOSTILE_URLS)]:  # hostile URLs: the post text shows, without a link
        assert TEXT in row.text and not row.find_elements("css selector", "a")
    alerts = browser.find_element("css selector", "#alerts tbody").text
    assert TOPIC in alerts and NAME in alerts
    assert NAME in browser.find_element("css selector", "#scorecard tbody").text
    assert browser.execute_script(
        "return [...document.querySelectorAll('#map text')].some(t => t.textContent === arguments[0])"
        " || document.querySelectorAll('#map circle').length > 0", NAME)

    for row in rows[:2]:  # clicking where a link would have been runs nothing
        row.find_element("css selector", "td.post").click()
    assert browser.execute_script("return document.body.dataset.pwned") is None

    # the national wave names its Polda and Polres: as text, and its hostile link is no link
    version = int(browser.execute_script("return document.body.dataset.version"))
    Select(browser.find_element("id", "f-level")).select_by_value("national")
    WebDriverWait(browser, 30).until(
        lambda d: int(d.execute_script("return document.body.dataset.version")) > version)
    national = browser.find_element("css selector", "#alerts tbody")
    assert NAME in national.text and TEXT in national.text
    assert not national.find_elements("css selector", "a, img, script")
    assert browser.execute_script("return document.body.dataset.pwned") is None
    assert [m for m in console_errors(browser) if "Content Security Policy" in m] == []


def test_hostile_labels_hashtags_campaigns_and_news_stay_inert_in_the_issue_view(
        hostile_dashboard, hostile_snapshot, browser):
    con = duckdb.connect(str(hostile_snapshot), read_only=True)
    [(alert_id,)] = con.execute(
        "select alert_id from marts.mart_issue_alerts where unit_level = 'polres' and alert_id in "
        "(select alert_id from marts.mart_coordinated_campaigns) and news_item_count > 0 "
        "and polda_name = 'Polda Jawa Timur' "
        "order by alert_id limit 1").fetchall()
    con.close()
    browser.get(hostile_dashboard.url)
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.body.dataset.state") in ("ready", "error"))
    # the share of voice: a hostile Polres or Polda name is text in the table and the chart
    Select(browser.find_element("id", "f-polda")).select_by_visible_text("Polda Jawa Timur")
    WebDriverWait(browser, 30).until(
        lambda d: NAME in d.find_element("css selector", "#voice tbody").text)
    assert browser.execute_script(
        "return window.pantau.charts['chart-voice'].data.datasets.some(d => d.label === arguments[0])",
        NAME)
    browser.find_element("css selector", f"button.issue-link[data-alert-id='{alert_id}']").click()
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.body.dataset.issue") in ("ready", "error"))
    assert browser.execute_script("return document.body.dataset.issue") == "ready", \
        browser.find_element("id", "issue-status").text
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return window.pantau.cy !== null && window.pantau.cy.nodes().length > 0"))

    assert browser.execute_script("return document.body.dataset.pwned") is None
    # the graph's labels are the hostile texts, drawn on its canvas, not parsed
    assert browser.execute_script(
        "return window.pantau.cy.nodes().every(n => n.data('label') === arguments[0])", TEXT)
    amplifiers = browser.find_element("css selector", "#issue-amplifiers tbody").text
    assert amplifiers.count(TEXT) == min(ISSUE_ROWS, len(
        browser.find_elements("css selector", "#issue-amplifiers tbody tr")))
    assert TOPIC in browser.find_element("css selector", "#issue-hashtags tbody").text
    assert TEXT in browser.find_element("css selector", "#issue-campaigns tbody").text
    communities = browser.find_element("css selector", "#issue-communities tbody").text
    assert TEXT in communities and NAME in communities
    news = browser.find_element("css selector", "#issue-news tbody")
    assert TEXT in news.text and NAME in news.text
    assert not news.find_elements("css selector", "a")  # a javascript: URL is no link
    injected = browser.execute_script(
        "return document.querySelectorAll('main img, main script, main svg svg, main iframe, "
        "main [onerror], main [onload]').length")
    assert injected == 0
    hrefs = browser.execute_script(
        "return [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert all(h.startswith(("https://", "http://")) for h in hrefs), hrefs
    for row in browser.find_elements("css selector", "#issue-news tbody td.post")[:2]:
        row.click()
    assert browser.execute_script("return document.body.dataset.pwned") is None
    assert [m for m in console_errors(browser) if "Content Security Policy" in m] == []
