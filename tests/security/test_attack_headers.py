"""Security headers on every response, and pages the Content-Security-Policy does not break.

The server before uvicorn sent no Content-Security-Policy, Referrer-Policy or X-Frame-Options."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from pantau.serve.dashboard import CONTENT_SECURITY_POLICY, STATIC
from tests.security.attack_client import get, post_login

pytestmark = pytest.mark.integration

EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _assert_secure(reply, what: str) -> None:
    for name, value in EXPECTED.items():
        assert reply.headers.get(name) == value, (what, name, dict(reply.headers))
    assert reply.headers.get_all("Content-Security-Policy") == [CONTENT_SECURITY_POLICY]


def test_the_policy_is_the_strict_one():
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                      "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'",
                      "form-action 'self'", "connect-src 'self'", "img-src 'self' data:"):
        assert directive in CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(("target", "status"), [
    ("/", 200), ("/static/app.js", 200), ("/static/style.css", 200),
    ("/static/vendor/chart-4.6.1.umd.min.js", 200), ("/api/filters", 200), ("/api/volume", 200),
    ("/api/session", 200), ("/nothing-here", 404), ("/static/nothing.js", 404),
    ("/static//etc/passwd", 404), ("/api/volume?from=notadate", 400), ("/login", 303),
])
def test_headers_on_every_response_of_the_open_dashboard(open_dashboard, target, status):
    reply = get(open_dashboard.port, target)
    assert reply.status == status, (target, reply.body[:200])
    _assert_secure(reply, target)


@pytest.mark.parametrize(("target", "status"), [
    ("/", 303), ("/login", 200), ("/api/filters", 401), ("/api/viral", 401),
    ("/static/app.js", 200), ("/nothing-here", 404), ("/logout", 303),
])
def test_headers_on_every_response_with_a_login(login_dashboard, target, status):
    reply = get(login_dashboard.port, target)
    assert reply.status == status, (target, reply.body[:200])
    _assert_secure(reply, target)


def test_headers_on_a_refused_login(login_dashboard):
    reply = post_login(login_dashboard.port, "alice", "wrong-password")
    assert reply.status == 401
    _assert_secure(reply, "POST /login")


def test_json_is_never_cached_nor_sniffed(open_dashboard):
    reply = get(open_dashboard.port, "/api/alerts")
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.headers["Cache-Control"] == "no-store"


class _InlineFinder(HTMLParser):
    """Inline scripts, inline styles and event-handler attributes: what the CSP would refuse."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        self.found += [f"{tag} {name}=" for name in names if name == "style" or name.startswith("on")]
        self.found += [f"{tag} {name}={value}" for name, value in attrs
                       if value and value.strip().lower().startswith("javascript:")]
        if tag == "link" and dict(attrs).get("href", "").startswith(("http:", "https:", "//")):
            self.found.append(f"link to another host: {dict(attrs)['href']}")


@pytest.mark.parametrize("page", ["index.html", "login.html"])
def test_pages_have_nothing_inline_the_policy_would_block(page):
    finder = _InlineFinder()
    finder.feed((STATIC / page).read_text(encoding="utf-8"))
    assert finder.found == []


def test_the_script_writes_no_html():
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "setAttribute(\"style\"", "setAttribute(\"href\""):
        assert sink not in script, sink
    assert script.count(".href =") == 1 and "a.href = href" in script  # only a checked URL
