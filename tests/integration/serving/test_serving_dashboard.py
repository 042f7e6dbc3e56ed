"""The dashboard in real headless Chromium (Debian's chromium and chromedriver, via selenium), on a
real snapshot file served by uvicorn: the page loads under its Content-Security-Policy, the charts
draw the marts' numbers, a filter changes a chart, the level selector (Nasional, Polda, Polres)
redraws them from the marts of that level, a user logs in through the form, and the JSON
endpoints follow a republished snapshot. Saves a screenshot in the test's tmp dir."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.support.ui import Select, WebDriverWait

from pantau.serve.auth import Users, add_user
from pantau.serve.dashboard import create_app
from pantau.serve.server import RunningServer, start_in_thread
from pantau.settings import Settings
from tests.browser import console_errors
from tests.serving_snapshot import write_snapshot

pytestmark = pytest.mark.integration


@pytest.fixture
def dashboard(serving_settings: Settings) -> Iterator[RunningServer]:
    with start_in_thread(create_app(serving_settings.published_path)) as server:
        yield server


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def _chart_totals(driver: webdriver.Chrome, chart: str) -> dict[str, float]:
    return driver.execute_script(
        "const c = window.pantau.charts[arguments[0]];"
        "return Object.fromEntries(c.data.datasets.map(d => "
        "[d.label, d.data.reduce((a, v) => a + (v || 0), 0)]));", chart)


def _wait_ready(driver: webdriver.Chrome, version: int) -> None:
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.body.dataset.state") in ("ready", "error")
        and int(d.execute_script("return document.body.dataset.version")) > version)
    assert driver.execute_script("return document.body.dataset.state") == "ready", \
        driver.find_element("id", "status").text


def test_page_draws_the_marts_and_a_filter_changes_the_charts(dashboard, browser, serving_settings,
                                                              tmp_path):
    started = time.monotonic()
    browser.get(f"http://127.0.0.1:{dashboard.port}/")
    _wait_ready(browser, 0)
    load_seconds = time.monotonic() - started

    con = duckdb.connect(str(serving_settings.published_path), read_only=True)
    expected = dict(con.execute(
        "select d.polres_name, sum(e.post_count) from marts.mart_polres_engagement_daily e "
        "join marts.dim_polres d using (polres_id) group by 1").fetchall())
    viral_count = con.execute("select least(count(*), 20) from marts.mart_viral_posts").fetchall()[0][0]
    con.close()
    assert _chart_totals(browser, "chart-volume") == pytest.approx(expected)
    assert len(_chart_totals(browser, "chart-sentiment")) == 6
    assert len(browser.find_elements("css selector", "#viral tbody tr")) == viral_count
    assert browser.find_elements("css selector", "#viral tbody a[href^='https://']")
    assert browser.find_elements("css selector", "#alerts tbody td.open")
    assert len(browser.find_elements("css selector", "#map circle.unit-dot")) == 6
    canvas_has_pixels = browser.execute_script(
        "const c = document.getElementById('chart-volume');"
        "const p = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "for (let i = 3; i < p.length; i += 4) if (p[i] > 0) return true; return false;")
    assert canvas_has_pixels
    assert not browser.find_element("id", "session").is_displayed()  # no login on this one

    Select(browser.find_element("id", "f-polda")).select_by_visible_text("Polda Jawa Barat")
    _wait_ready(browser, 1)
    after_polda = _chart_totals(browser, "chart-volume")
    assert set(after_polda) == {"Polres Bogor", "Polrestabes Bandung"}
    assert len(browser.find_elements("css selector", "#map circle.unit-dot")) == 2

    Select(browser.find_element("id", "f-platform")).select_by_value("x")
    _wait_ready(browser, 2)
    after_platform = _chart_totals(browser, "chart-volume")
    assert sum(after_platform.values()) < sum(after_polda.values())

    browser.save_screenshot(str(tmp_path / "dashboard.png"))
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    assert console_errors(browser) == []  # nothing refused by the Content-Security-Policy
    print(f"dashboard ready in {load_seconds:.2f}s; screenshot {tmp_path / 'dashboard.png'}")


def _level_totals(path: Path, level: str) -> dict[str, float]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.execute(
            "select d.unit_name, sum(e.post_count) from marts.mart_unit_engagement_daily e "
            "join marts.dim_police_units d using (unit_id) where e.unit_level = ? group by 1",
            [level]).fetchall())
    finally:
        con.close()


def _texts(driver: webdriver.Chrome, selector: str) -> list[str]:
    return [e.text for e in driver.find_elements("css selector", selector)]


def test_the_level_selector_redraws_the_charts_nationally_and_per_polda(dashboard, browser,
                                                                        serving_settings,
                                                                        tmp_path):
    path = serving_settings.published_path
    browser.get(f"http://127.0.0.1:{dashboard.port}/")
    _wait_ready(browser, 0)
    level = Select(browser.find_element("id", "f-level"))
    assert [o.text for o in level.options] == ["Nasional", "Polda", "Polres"]
    assert level.first_selected_option.text == "Polres"
    assert _chart_totals(browser, "chart-volume") == pytest.approx(_level_totals(path, "polres"))

    level.select_by_visible_text("Nasional")
    _wait_ready(browser, 1)
    assert _chart_totals(browser, "chart-volume") == pytest.approx({"Polri": 600})
    assert list(_chart_totals(browser, "chart-sentiment")) == ["Polri"]
    assert not browser.find_element("id", "f-polda").is_enabled()
    assert not browser.find_element("id", "f-polres").is_enabled()
    con = duckdb.connect(str(path), read_only=True)
    [(top_polda, top_polres)] = con.execute(
        "select top_polda_name, top_polres_name from marts.mart_issue_alerts "
        "where unit_level = 'national'").fetchall()
    con.close()
    alerts = _texts(browser, "#alerts tbody tr")
    assert len(alerts) == 1 and "Polri" in alerts[0] and "open" in alerts[0]
    assert top_polda in alerts[0] and top_polres in alerts[0]  # the national wave's most named
    assert _texts(browser, "#scorecard tbody td:nth-child(2)") == ["Polri"]
    assert set(_texts(browser, "#alerts thead th.unit-heading")) == {"Polri"}
    browser.save_screenshot(str(tmp_path / "dashboard-national.png"))

    level.select_by_visible_text("Polda")
    _wait_ready(browser, 2)
    poldas = _level_totals(path, "polda")
    assert set(poldas) == {"Polda Metro Jaya", "Polda Jawa Barat", "Polda Jawa Timur"}
    assert _chart_totals(browser, "chart-volume") == pytest.approx(poldas)
    assert browser.find_element("id", "f-polda").is_enabled()
    assert not browser.find_element("id", "f-polres").is_enabled()
    assert len(_texts(browser, "#alerts tbody tr")) == 3
    assert len(browser.find_elements("css selector", "#map circle.unit-dot")) == 3

    Select(browser.find_element("id", "f-polda")).select_by_visible_text("Polda Jawa Barat")
    _wait_ready(browser, 3)
    assert _chart_totals(browser, "chart-volume") == pytest.approx(
        {"Polda Jawa Barat": poldas["Polda Jawa Barat"]})

    level.select_by_visible_text("Polres")
    _wait_ready(browser, 4)
    assert set(_chart_totals(browser, "chart-volume")) == {"Polres Bogor", "Polrestabes Bandung"}

    browser.find_element("id", "f-reset").click()
    _wait_ready(browser, 5)
    assert level.first_selected_option.text == "Polres"
    assert len(_chart_totals(browser, "chart-volume")) == 6
    assert console_errors(browser) == []


def test_levels_in_the_api(dashboard, serving_settings):
    base = f"http://127.0.0.1:{dashboard.port}"
    path = serving_settings.published_path

    national = _get(f"{base}/api/volume?level=national")
    assert national["level"] == "national" and national["unit_total"] == 1
    assert [(s["unit_id"], s["label"]) for s in national["series"]] == [("polri", "Polri")]
    assert sum(v or 0 for v in national["series"][0]["data"]) == 600
    assert [s["unit_id"] for s in _get(f"{base}/api/sentiment?level=national")["series"]] == \
        ["polri"]
    assert [s["unit_id"] for s in _get(f"{base}/api/sentiment?level=national&platform=x")
            ["series"]] == ["polri"]
    alerts = _get(f"{base}/api/alerts?level=national")["alerts"]
    assert [(a["unit_id"], a["unit_level"], a["unit_name"], a["polres_id"]) for a in alerts] == \
        [("polri", "national", "Polri", None)]
    assert alerts[0]["top_polda_name"] and alerts[0]["top_polres_name"]
    assert [u["unit_id"] for u in _get(f"{base}/api/scorecard?level=national")["units"]] == \
        ["polri"]
    # the polda and polres filters narrow nothing at the national level
    assert _get(f"{base}/api/volume?level=national&polda=Polda%20Jawa%20Barat"
                "&polres=polres_bogor") == national

    polda = _get(f"{base}/api/volume?level=polda")
    assert {s["label"]: sum(v or 0 for v in s["data"]) for s in polda["series"]} == \
        pytest.approx(_level_totals(path, "polda"))
    assert {s["unit_id"] for s in polda["series"]} == {
        "polda_metro_jaya", "polda_jawa_barat", "polda_jawa_timur"}
    for route, key in (("alerts", "alerts"), ("scorecard", "units")):
        rows = _get(f"{base}/api/{route}?level=polda")[key]
        assert len(rows) == 3 and {r["unit_level"] for r in rows} == {"polda"}
    jabar = "level=polda&polda=Polda%20Jawa%20Barat"
    assert [s["unit_id"] for s in _get(f"{base}/api/volume?{jabar}")["series"]] == \
        ["polda_jawa_barat"]
    assert [a["unit_name"] for a in _get(f"{base}/api/alerts?{jabar}")["alerts"]] == \
        ["Polda Jawa Barat"]
    assert _get(f"{base}/api/volume?{jabar}&polres=polres_gresik") == \
        _get(f"{base}/api/volume?{jabar}")  # polres is below the Polda level: ignored

    default = _get(f"{base}/api/volume")
    assert default == _get(f"{base}/api/volume?level=polres")
    assert default["level"] == "polres" and default["unit_total"] == 6
    assert {s["label"]: sum(v or 0 for v in s["data"]) for s in default["series"]} == \
        pytest.approx(_level_totals(path, "polres"))
    default_alerts = _get(f"{base}/api/alerts")["alerts"]
    assert len(default_alerts) == 12 and {a["unit_level"] for a in default_alerts} == {"polres"}
    assert all(a["polres_id"] == a["unit_id"] for a in default_alerts)
    assert len(_get(f"{base}/api/scorecard")["units"]) == 6
    with pytest.raises(urllib.error.HTTPError) as error:
        _get(f"{base}/api/volume?level=kabupaten")
    assert error.value.code == 400
    assert "is not a level" in json.loads(error.value.read())["error"]


def test_a_user_logs_in_through_the_form_then_the_charts_draw(serving_settings, browser, tmp_path):
    users_file = tmp_path / "dashboard-users"
    add_user(users_file, "siti", "sandi-rahasia-1")
    app = create_app(serving_settings.published_path, users=Users(users_file),
                     session_key="test-key-" + "k" * 32)
    with start_in_thread(app) as server:
        browser.get(f"http://127.0.0.1:{server.port}/")
        WebDriverWait(browser, 30).until(lambda d: d.current_url.endswith("/login"))
        browser.find_element("id", "username").send_keys("siti")
        browser.find_element("id", "password").send_keys("not-her-password")
        browser.find_element("id", "login-submit").click()
        # the form posts and a new page replaces this one: an element read in between is stale
        WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: d.find_element("id", "login-message").text == "Wrong user name or password.")

        browser.find_element("id", "username").clear()
        browser.find_element("id", "username").send_keys("siti")
        browser.find_element("id", "password").send_keys("sandi-rahasia-1")
        browser.find_element("id", "login-submit").click()
        WebDriverWait(browser, 30).until(lambda d: d.current_url == f"{server.url}")
        _wait_ready(browser, 0)
        assert sum(_chart_totals(browser, "chart-volume").values()) == 600
        assert browser.find_element("id", "user").text == "Logged in as siti"
        cookie = browser.get_cookie("pantau_session")
        assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert browser.execute_script("return document.cookie") == ""  # HttpOnly: not for scripts

        browser.find_element("id", "logout").click()
        WebDriverWait(browser, 30).until(lambda d: d.current_url.endswith("/login"))
        browser.get(f"{server.url}")
        assert browser.current_url.endswith("/login")
        refused = [m for m in console_errors(browser) if "Content Security Policy" in m]
        assert refused == []  # the login page and the page after it obey the CSP


def test_endpoints_follow_a_republished_snapshot_and_reject_bad_filters(dashboard,
                                                                      serving_settings):
    base = f"http://127.0.0.1:{dashboard.port}"
    before = _get(f"{base}/api/volume")
    assert sum(sum(v or 0 for v in s["data"]) for s in before["series"]) == 600
    fresh = write_snapshot(Path(str(serving_settings.published_path) + ".new"), posts=300)
    os.replace(fresh, serving_settings.published_path)
    after = _get(f"{base}/api/volume")
    assert sum(sum(v or 0 for v in s["data"]) for s in after["series"]) == 300
    with pytest.raises(urllib.error.HTTPError) as error:
        _get(f"{base}/api/volume?from=yesterday")
    assert error.value.code == 400
    assert "is not a date" in json.loads(error.value.read())["error"]
    with pytest.raises(urllib.error.HTTPError) as error:
        _get(f"{base}/static/../settings.py")
    assert error.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as error:
        _get(f"{base}/api/volume?platform=myspace")
    assert error.value.code == 400
    assert "is not a platform" in json.loads(error.value.read())["error"]


def test_missing_snapshot_is_a_clear_api_error(dashboard, serving_settings):
    serving_settings.published_path.unlink()
    with pytest.raises(urllib.error.HTTPError) as error:
        _get(f"http://127.0.0.1:{dashboard.port}/api/filters")
    assert error.value.code == 503
    assert "no published snapshot" in json.loads(error.value.read())["error"]


def test_a_logged_in_analyst_corrects_a_viral_posts_label_from_its_row(serving_settings, browser,
                                                                         tmp_path):
    from pantau.serve.server import label_recorder

    warehouse = Settings.from_env({"PANTAU_STATE_DIR": str(tmp_path / "work"),
                                   "PANTAU_LABEL_LOCK_WAIT_S": "0"})
    warehouse.warehouse_path.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse.warehouse_path)) as con:
        con.execute(f"attach '{serving_settings.published_path}' as snap (read_only)")
        con.execute("create schema marts; create table marts.fct_posts as "
                    "select post_key from snap.marts.fct_posts")
    users_file = tmp_path / "dashboard-users"
    add_user(users_file, "siti", "sandi-rahasia-1")
    app = create_app(serving_settings.published_path, users=Users(users_file),
                     session_key="test-key-" + "k" * 32, record_label=label_recorder(warehouse))
    with start_in_thread(app) as server:
        browser.get(f"http://127.0.0.1:{server.port}/login")
        browser.find_element("id", "username").send_keys("siti")
        browser.find_element("id", "password").send_keys("sandi-rahasia-1")
        browser.find_element("id", "login-submit").click()
        WebDriverWait(browser, 30).until(lambda d: d.current_url == f"{server.url}")
        _wait_ready(browser, 0)
        form = browser.find_element("css selector", "#viral tbody details.correct")
        form.find_element("tag name", "summary").click()
        Select(form.find_element("name", "field")).select_by_value("topic")
        Select(form.find_element("name", "value")).select_by_value("pungli_pemerasan")
        form.find_element("name", "note").send_keys("minta uang damai")
        form.find_element("css selector", "button[type=submit]").click()
        WebDriverWait(browser, 30).until(lambda _d: form.find_element("css selector", ".ok, .error"))
        assert "Saved by siti" in form.find_element("css selector", ".ok").text
        key = browser.execute_script(
            "return fetch('/api/viral', {credentials: 'same-origin'}).then(r => r.json())"
            ".then(p => p.posts[0].post_key)")
    with duckdb.connect(str(warehouse.warehouse_path), read_only=True) as con:
        assert con.execute("select post_key, field, value, note, corrected_by, source "
                           "from audit.label_corrections").fetchall() == [
            (key, "topic", "pungli_pemerasan", "minta uang damai", "siti", "dashboard")]
