"""HTML to PDF with Debian's headless Chromium (print-to-PDF through selenium and chromedriver).

One :class:`Printer` starts one browser and prints any number of pages with it (a Chromium start
costs about two seconds; a page then prints in a fraction of one). Pages are A4, with their CSS
page breaks; the page's own Content-Security-Policy keeps scripts and network loads out, and the
browser runs with a throwaway profile.
"""

from __future__ import annotations

import base64
import io
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from pantau.exceptions import MissingToolError

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

A4_CM = (21.0, 29.7)


def _tool(name: str, *fallbacks: str) -> str:
    for candidate in (name, *fallbacks):
        found = shutil.which(candidate)
        if found:
            return found
    raise MissingToolError(f"`{name}` was not found: reports are printed to PDF by headless Chromium",
                           "install Debian's chromium and chromium-driver "
                           "(`make install`, or apt-get install -y chromium chromium-driver)")


def page_count(pdf: bytes) -> int:
    """Pages of a PDF (pypdf reads it: a broken file raises)."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


class Printer:
    """A headless Chromium that prints HTML files to PDF; use it as a context manager."""

    def __init__(self) -> None:
        self._driver: Chrome | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Printer:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        chromium = _tool("chromium", "chromium-browser", "google-chrome")
        driver_path = _tool("chromedriver")
        self._profile = tempfile.TemporaryDirectory(prefix="pantau-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking", "--disable-sync",
                     "--disable-component-update", "--disable-extensions",
                     f"--user-data-dir={self._profile.name}"):
            options.add_argument(flag)
        try:
            self._driver = webdriver.Chrome(options=options,
                                            service=Service(executable_path=driver_path))
        except BaseException:
            self._profile.cleanup()
            raise
        self._driver.set_page_load_timeout(60)
        return self

    def print_pdf(self, html_path: Path) -> bytes:
        """The PDF of the HTML file at ``html_path``, A4 with its CSS margins and breaks."""
        from selenium.webdriver.common.print_page_options import PrintOptions

        assert self._driver is not None, "use the Printer in a with block"
        self._driver.get(html_path.resolve().as_uri())
        options = PrintOptions()
        options.page_width, options.page_height = A4_CM
        options.margin_top = options.margin_bottom = 0
        options.margin_left = options.margin_right = 0
        options.background = True
        options.shrink_to_fit = False
        return base64.b64decode(self._driver.print_page(options))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            if self._driver is not None:
                self._driver.quit()
        finally:
            self._driver = None
            if self._profile is not None:
                self._profile.cleanup()
                self._profile = None
