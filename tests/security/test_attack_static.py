"""Path traversal against /static: nothing outside the package's static folder is ever served.

The hand-written server before uvicorn answered ``/static//etc/passwd`` with the file (joining an
absolute part drops the folder) and ``/static//proc/self/environ`` with the environment."""

from __future__ import annotations

import pytest

from tests.security.attack_client import get

pytestmark = pytest.mark.integration

TRAVERSALS = [
    "/static//etc/passwd",
    "/static//proc/self/environ",
    "/static///etc/passwd",
    "/static/../../pyproject.toml",
    "/static/../pyproject.toml",
    "/static/../../../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/static/%252e%252e%252f%252e%252e%252fpyproject.toml",
    "/static/..%2f..%2fpyproject.toml",
    "/static/%2fetc%2fpasswd",
    "/static/..\\..\\pyproject.toml",
    "/static/..%5c..%5cpyproject.toml",
    "/static/app.js%00.html",
    "/static/%00/../../pyproject.toml",
    "/static/vendor/../../dashboard.py",
    "/static/.%2e/.%2e/pyproject.toml",
    "/static/",
    "/static/vendor",
    "/../pyproject.toml",
    "//etc/passwd",
    "/index.html/../../pyproject.toml",
]
#: What the body of a leaked file would contain.
SECRETS = [b"root:", b"PANTAU_", b"[project]", b"import ", b"PATH="]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_is_404_and_leaks_nothing(open_dashboard, target):
    reply = get(open_dashboard.port, target)
    assert reply.status == 404, (target, reply.status, reply.body[:200])
    for secret in SECRETS:
        assert secret not in reply.body, (target, reply.body[:200])


@pytest.mark.parametrize("target", ["/static//etc/passwd", "/static/../../pyproject.toml"])
def test_traversal_is_404_with_a_login_too(login_dashboard, target):
    reply = get(login_dashboard.port, target)
    assert reply.status == 404 and b"root:" not in reply.body and b"[project]" not in reply.body


def test_the_static_files_themselves_are_served(open_dashboard):
    script = get(open_dashboard.port, "/static/app.js")
    assert script.status == 200 and b"safeUrl" in script.body
    assert script.headers["Content-Type"].startswith("text/javascript")
    chart = get(open_dashboard.port, "/static/vendor/chart-4.6.1.umd.min.js")
    assert chart.status == 200 and len(chart.body) > 100_000
    assert b"<!doctype html>" in get(open_dashboard.port, "/").body
