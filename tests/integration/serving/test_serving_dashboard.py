"""The dashboard in real headless Chromium (Debian's chromium and chromedriver, via selenium), on a
real snapshot file: the page loads, the charts draw the marts' numbers, a filter changes a chart,
and the JSON endpoints follow a republished snapshot. Saves a screenshot in the test's tmp dir."""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import Select, WebDriverWait

from pantau.serve.dashboard import DashboardServer, make_server
from pantau.settings import Settings
from tests.serving_snapshot import write_snapshot

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def dashboard(serving_settings: Settings) -> Iterator[DashboardServer]:
    server = make_server(snapshot=serving_settings.published_path, host="127.0.0.1", port=0)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    assert os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER), (
        "Debian's chromium and chromium-driver are needed: `make install` installs them "
        "(scripts/system-deps.sh), or apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,1800",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


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
    assert len(browser.find_elements("css selector", "#map circle.polres-dot")) == 6
    canvas_has_pixels = browser.execute_script(
        "const c = document.getElementById('chart-volume');"
        "const p = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "for (let i = 3; i < p.length; i += 4) if (p[i] > 0) return true; return false;")
    assert canvas_has_pixels

    Select(browser.find_element("id", "f-polda")).select_by_visible_text("Polda Jawa Barat")
    _wait_ready(browser, 1)
    after_polda = _chart_totals(browser, "chart-volume")
    assert set(after_polda) == {"Polres Bogor", "Polrestabes Bandung"}
    assert len(browser.find_elements("css selector", "#map circle.polres-dot")) == 2

    Select(browser.find_element("id", "f-platform")).select_by_value("x")
    _wait_ready(browser, 2)
    after_platform = _chart_totals(browser, "chart-volume")
    assert sum(after_platform.values()) < sum(after_polda.values())

    browser.save_screenshot(str(tmp_path / "dashboard.png"))
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    print(f"dashboard ready in {load_seconds:.2f}s; screenshot {tmp_path / 'dashboard.png'}")


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


def test_missing_snapshot_is_a_clear_api_error(dashboard, serving_settings):
    serving_settings.published_path.unlink()
    with pytest.raises(urllib.error.HTTPError) as error:
        _get(f"http://127.0.0.1:{dashboard.port}/api/filters")
    assert error.value.code == 503
    assert "no published snapshot" in json.loads(error.value.read())["error"]
