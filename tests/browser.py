"""Headless Chromium for the dashboard tests (Debian's chromium and chromedriver, via selenium)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def chromium(profile: Path) -> webdriver.Chrome:
    """A headless Chromium with its own profile folder; its console is readable by
    :func:`console_errors`. The caller quits it."""
    assert os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER), (
        "Debian's chromium and chromium-driver are needed: `make install` installs them "
        "(scripts/system-deps.sh), or apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,1800",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    return driver


def console_errors(driver: webdriver.Chrome) -> list[str]:
    """The console's error messages since the last call (CSP violations among them)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
