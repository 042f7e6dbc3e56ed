"""The dashboard's issue view and share of voice (issue 18) on the serving snapshot: the JSON of
``/api/issue`` and ``/api/voice`` against the marts, their refusals of bad parameters, and, in
headless Chromium, an alert row's link opening the issue view, whose amplification network
Cytoscape draws (one node per amplifier of the mart, one edge per edge between them), with its
tables, no console error and a screenshot."""

from __future__ import annotations

import json
import struct
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from pantau.serve.dashboard import create_app
from pantau.serve.queries import ISSUE_NODES
from pantau.serve.server import RunningServer, start_in_thread
from pantau.settings import Settings
from tests.browser import console_errors

pytestmark = pytest.mark.integration


@pytest.fixture
def dashboard(serving_settings: Settings) -> Iterator[RunningServer]:
    with start_in_thread(create_app(serving_settings.published_path)) as server:
        yield server


def _get(port: int, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _one(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _busiest_polres_alert(path: Path) -> tuple[str, int, int]:
    """The Polres alert with a campaign and the most accounts in its network: (alert_id,
    accounts, edges)."""
    [row] = _one(path, """
        select a.alert_id,
               (select count(*) from marts.mart_issue_amplifiers as m
                where m.scope_type = 'issue' and m.scope_id = a.alert_id) as accounts,
               (select count(*) from marts.mart_network_edges as e
                where e.scope_type = 'issue' and e.scope_id = a.alert_id) as edges
        from marts.mart_issue_alerts as a
        where a.unit_level = 'polres'
          and a.alert_id in (select alert_id from marts.mart_coordinated_campaigns)
        order by accounts desc, a.alert_id limit 1""")
    return row


def test_issue_and_voice_endpoints_answer_from_the_marts_and_refuse_bad_parameters(
        dashboard, serving_settings):
    path = serving_settings.published_path
    alert_id, accounts, edges = _busiest_polres_alert(path)
    status, issue = _get(dashboard.port, "/api/issue?" + urllib.parse.urlencode(
        {"alert_id": alert_id}))
    assert status == 200 and issue["alert"]["alert_id"] == alert_id
    assert len(issue["nodes"]) == min(accounts, ISSUE_NODES) == issue["node_count"]
    assert len(issue["edges"]) == edges > 0
    [(hashtags, campaigns)] = _one(path, """
        select (select count(*) from marts.mart_issue_hashtag_war where alert_id = $1),
               (select count(*) from marts.mart_coordinated_campaigns where alert_id = $1)""",
                                   [alert_id])
    assert len(issue["hashtags"]) == min(hashtags, 20) and len(issue["campaigns"]) == campaigns
    assert len(issue["news"]) == issue["alert"]["news_item_count"]  # the items it counts

    status, voice = _get(dashboard.port, "/api/voice?polda=Polda+Jawa+Timur&period=day")
    assert status == 200 and voice["polda"]["polda_name"] == "Polda Jawa Timur"
    [(days,)] = _one(path, "select count(distinct period_start) from marts.mart_polda_share_of_voice "
                           "where polda_name = 'Polda Jawa Timur' and period_type = 'day'")
    assert len(voice["labels"]) == days
    for i in range(days):  # the Polda's Polres share its whole voice every day
        assert sum(s["data"][i] for s in voice["series"]) == pytest.approx(1, abs=1e-3)
    assert sum(p["share_of_voice"] for p in voice["polres"]) == pytest.approx(1, abs=1e-3)

    for query, status_expected, words in (
            ("/api/issue?alert_id=polres_atlantis:20260101T000000", 404, "no issue alert"),
            ("/api/issue?alert_id=%27%3B%20drop%20table%20x", 400, "is not an alert id"),
            ("/api/issue?alert_id=" + "a" * 200 + ":20260101T000000", 400, "is not an alert id"),
            ("/api/issue", 400, "alert_id is missing"),
            (f"/api/issue?alert_id={alert_id}&level=polda", 400, "takes only alert_id"),
            (f"/api/issue?alert_id={alert_id}&alert_id={alert_id}", 400, "more than once"),
            ("/api/voice?period=month", 400, "is not a period"),
            ("/api/voice?polres=x&bogus=1", 400, "unknown filter 'bogus'")):
        status, body = _get(dashboard.port, query.replace(" ", "%20"))
        assert status == status_expected and words in body["error"], (query, body)


def _png_size_and_colours(png: bytes) -> tuple[int, int, int]:
    """(width, height, distinct byte values of the decompressed pixels) of a PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    data, at = b"", 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        if kind == b"IDAT":
            data += png[at + 8:at + 8 + length]
        at += 12 + length
    return width, height, len(set(zlib.decompress(data)))


def test_an_alert_row_opens_the_issue_view_with_its_network_graph(dashboard, browser,
                                                                  serving_settings, tmp_path):
    path = serving_settings.published_path
    alert_id, accounts, edges = _busiest_polres_alert(path)
    browser.get(f"http://127.0.0.1:{dashboard.port}/")
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.body.dataset.state") in ("ready", "error"))
    assert browser.execute_script("return document.body.dataset.state") == "ready"

    # the share of voice of the Polda with the most mentions, a stacked bar per week
    voice = browser.execute_script(
        "const c = window.pantau.charts['chart-voice'];"
        "return c.data.labels.map((_, i) => c.data.datasets.reduce((a, d) => a + d.data[i], 0));")
    assert voice and all(v == pytest.approx(1, abs=1e-3) for v in voice)
    assert browser.find_element("id", "voice-polda").text.startswith("Polda ")

    button = browser.find_element(
        "css selector", f"#alerts button.issue-link[data-alert-id='{alert_id}']")
    button.click()
    assert browser.execute_script("return location.hash") == \
        f"#issue={urllib.parse.quote(alert_id, safe='')}"
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.body.dataset.issue") in ("ready", "error"))
    assert browser.execute_script("return document.body.dataset.issue") == "ready", \
        browser.find_element("id", "issue-status").text
    assert not browser.find_element("id", "overview").is_displayed()
    shown = min(accounts, ISSUE_NODES)
    # the graph is drawn: Cytoscape's canvases in the container, and its nodes and edges laid out
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "const cy = window.pantau.cy; return cy !== null && cy.nodes().length === arguments[0]"
        " && document.querySelectorAll('#issue-graph canvas').length > 0"
        " && cy.nodes().every(n => Number.isFinite(n.position('x')))", shown))
    assert browser.execute_script("return window.pantau.cy.edges().length") == edges
    stances = set(browser.execute_script(
        "return window.pantau.cy.nodes().map(n => n.data('colour'))"))
    assert len(stances) >= 2  # pro and contra communities are told apart
    assert len(browser.find_elements("css selector", "#issue-amplifiers tbody tr")) == min(shown, 20)
    assert browser.find_elements("css selector", "#issue-hashtags td.stance-contra")
    [(campaigns, share)] = _one(path, "select count(*), max(share_of_issue) "
                                      "from marts.mart_coordinated_campaigns where alert_id = ?",
                                [alert_id])
    campaign_rows = browser.find_elements("css selector", "#issue-campaigns tbody tr")
    assert len(campaign_rows) == campaigns > 0
    assert f"{100 * share:.1f}%" in campaign_rows[0].text  # the largest share first
    [(news,)] = _one(path, "select news_item_count from marts.mart_issue_alerts "
                           "where alert_id = ?", [alert_id])
    news_rows = browser.find_elements("css selector", "#issue-news tbody tr")
    assert len(news_rows) == max(news, 1)

    shot = tmp_path / "issue-view.png"
    browser.save_screenshot(str(shot))
    width, height, colours = _png_size_and_colours(shot.read_bytes())
    expected = browser.execute_script(
        "return [Math.round(innerWidth * devicePixelRatio), Math.round(innerHeight * devicePixelRatio)]")
    assert [width, height] == expected
    assert colours > 32, "the screenshot is blank"
    assert console_errors(browser) == []

    browser.find_element("id", "issue-back").click()  # back to the overview
    WebDriverWait(browser, 10).until(
        lambda d: d.find_element("id", "overview").is_displayed())
    print(f"issue view: {shown} accounts, {edges} edges; screenshot {shot}")
