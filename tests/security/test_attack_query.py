"""Hostile query strings: typed filters answer 400 with a readable JSON error, never 500, and no
value reaches SQL except as a bound parameter.

The server before uvicorn accepted any platform, any length and unknown parameters."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from pantau.serve.queries import ROUTES
from tests.security.attack_client import get

pytestmark = pytest.mark.integration

BAD = [
    ("from=notadate", "is not a date"),
    ("to=2026-02-30", "is not a date"),
    ("from=2026-11-13T00:00:00%27", "is not a date"),
    ("polres=" + "a" * 10_000, "longer than 100"),
    ("polda=" + "P" * 10_000, "longer than 100"),
    ("platform=%3Cscript%3Ealert(1)%3C/script%3E", "is not a platform"),
    ("platform=X", "is not a platform"),
    ("polres=polres_bogor&polres=polres_gresik", "more than once"),
    ("platform=x&platform=x", "more than once"),
    ("polres=" + quote("' or 1=1 --"), "is not a Polres id"),
    ("polres=" + quote("polres_bogor'; drop table x; --"), "is not a Polres id"),
    ("polda=" + quote("Polda Jawa Barat\x00"), "control characters"),
    ("polda=" + quote("a\r\nSet-Cookie: x=1"), "control characters"),
    ("secret=1", "unknown filter"),
    ("__proto__=1", "unknown filter"),
]


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize(("query", "says"), BAD, ids=[q[:30] for q, _ in BAD])
def test_bad_filters_are_400_json_with_the_reason(open_dashboard, route, query, says):
    reply = get(open_dashboard.port, f"{route}?{query}")
    assert reply.status == 400, (route, query[:60], reply.status, reply.body[:300])
    error = reply.json()["error"]
    assert says in error, error
    assert len(error) < 400  # the hostile value is not echoed in full


def test_the_error_is_valid_json_even_for_markup(open_dashboard):
    reply = get(open_dashboard.port, "/api/volume?platform=%3Cimg%20src=x%20onerror=alert(1)%3E")
    assert reply.status == 400
    assert reply.headers["Content-Type"].startswith("application/json")
    assert "<img" in reply.json()["error"]  # as JSON text, which the page shows with textContent


def test_sql_in_a_polda_is_a_value_not_sql(open_dashboard):
    port = open_dashboard.port
    honest = quote("Polda Jawa Barat")
    hostile = quote("Polda Jawa Barat' or 1=1 --")
    assert get(port, f"/api/scorecard?polda={honest}").json()["polres"]
    assert get(port, f"/api/scorecard?polda={hostile}").json() == {"polres": []}
    assert get(port, f"/api/viral?polda={hostile}").json() == {"posts": []}
    assert get(port, f"/api/alerts?polda={hostile}").json() == {"alerts": [], "open": 0}
    volume = get(port, f"/api/volume?polda={hostile}").json()
    assert volume["series"] == [] and volume["polres_total"] == 0
    everything = get(port, "/api/volume").json()
    assert everything["polres_total"] == 6


def test_a_sql_shaped_polres_returns_no_rows(open_dashboard):
    reply = get(open_dashboard.port, "/api/viral?polres=" + quote("' or 1=1 --"))
    assert reply.status == 400 and "posts" not in reply.json()
    reply = get(open_dashboard.port, "/api/viral?polres=x_or_1_1")
    assert reply.status == 200 and reply.json() == {"posts": []}


def test_good_filters_still_work(open_dashboard):
    reply = get(open_dashboard.port, "/api/volume?polda=Polda%20Jawa%20Barat&platform=x"
                "&from=2026-11-14&to=2026-11-20&polres=")
    assert reply.status == 200, reply.body[:300]
    assert {s["label"] for s in reply.json()["series"]} <= {"Polres Bogor", "Polrestabes Bandung"}


def test_a_foreign_host_header_is_refused_when_open(open_dashboard):
    from tests.security.attack_client import request

    reply = request(open_dashboard.port, "GET", "/api/filters", headers={"Host": "evil.example"})
    assert reply.status == 400 and b"poldas" not in reply.body
