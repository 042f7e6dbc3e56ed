"""Hostile query strings: typed filters answer 400 with a readable JSON error, never 500, and no
value reaches SQL except as a bound parameter. ``level`` is one of three words, bound as a
parameter too; a hostile one never answers with the rows of another level.

The server before uvicorn accepted any platform, any length and unknown parameters."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from pantau.serve.queries import LEVELS, ROUTES, Filters
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
    ("level=" + quote("polres' or 1=1 --"), "is not a level"),
    ("level=" + quote("national'; drop table marts.fct_posts; --"), "is not a level"),
    ("level=" + quote("polres' union select * from marts.fct_posts --"), "is not a level"),
    ("level=" + quote("national or unit_level is not null"), "is not a level"),
    ("level=national&level=polda", "more than once"),
    ("level=polres&level=polres", "more than once"),
    ("level=national&polda=a&level=national", "more than once"),
    ("level=" + "national" * 2_000, "is not a level"),
    ("level=" + "n" * 10_000, "is not a level"),
    ("level=Nasional", "is not a level"),
    ("level=NATIONAL", "is not a level"),
    ("level=%20polres", "is not a level"),
    ("level=polres%20", "is not a level"),
    ("level=" + quote("p\u043elres"), "is not a level"),  # Cyrillic o
    ("level=" + quote("nati\u200bonal"), "is not a level"),  # zero-width space
    ("level=" + quote("".join(chr(ord(c) + 0xFEE0) for c in "national")), "is not a level"),  # full-width
    ("level=" + quote("national\x00"), "is not a level"),
    ("level=" + quote("polda\r\nSet-Cookie: x=1"), "is not a level"),
    ("level=%ff%fe", "is not a level"),
    ("level=0", "is not a level"),
    ("level=unit", "is not a level"),
    ("level[]=national", "unknown filter"),
    ("Level=national", "unknown filter"),
]


@pytest.mark.parametrize("route", sorted([*ROUTES, "/api/voice"]))
@pytest.mark.parametrize(("query", "says"), BAD, ids=[q[:30] for q, _ in BAD])
def test_bad_filters_are_400_json_with_the_reason(open_dashboard, route, query, says):
    reply = get(open_dashboard.port, f"{route}?{query}")
    assert reply.status == 400, (route, query[:60], reply.status, reply.body[:300])
    error = reply.json()["error"]
    assert says in error, error
    assert len(error) < 400  # the hostile value is not echoed in full


ISSUE_BAD = [
    ("alert_id=" + quote("polres_bogor:20261117T012300' or 1=1 --"), 400, "is not an alert id"),
    ("alert_id=" + quote("x' union select * from marts.fct_posts --"), 400, "is not an alert id"),
    ("alert_id=" + quote("polres_bogor:20261117T012300\x00"), 400, "is not an alert id"),
    ("alert_id=" + quote("polres_b\u043egor:20261117T012300"), 400, "is not an alert id"),
    ("alert_id=" + quote("<script>alert(1)</script>"), 400, "is not an alert id"),
    ("alert_id=" + "a" * 10_000 + ":20261117T012300", 400, "is not an alert id"),
    ("alert_id=%ff%fe", 400, "is not an alert id"),
    ("alert_id=", 400, "is not an alert id"),
    ("", 400, "alert_id is missing"),
    ("alert_id=polres_bogor:20261117T012300&alert_id=polres_gresik:20261114T091600", 400,
     "more than once"),
    ("alert_id=polres_bogor:20261117T012300&level=national", 400, "takes only alert_id"),
    ("alert_id[]=polres_bogor:20261117T012300", 400, "takes only alert_id"),
    ("alert_id=polres_atlantis:20261117T012300", 404, "no issue alert"),
    ("alert_id=polres_bogor:20261117T012301", 404, "no issue alert"),
]


@pytest.mark.parametrize(("query", "status", "says"), ISSUE_BAD, ids=[q[:40] for q, *_ in ISSUE_BAD])
def test_bad_alert_ids_are_400_or_404_json_with_the_reason(open_dashboard, query, status, says):
    reply = get(open_dashboard.port, f"/api/issue?{query}")
    assert reply.status == status, (query[:60], reply.status, reply.body[:300])
    error = reply.json()["error"]
    assert says in error, error
    assert len(error) < 400


@pytest.mark.parametrize(("query", "says"), [
    ("period=month", "is not a period"), ("period=" + quote("week' or 1=1 --"), "is not a period"),
    ("period=WEEK", "is not a period"), ("period=day&period=week", "more than once"),
    ("period=" + "d" * 10_000, "is not a period")])
def test_bad_periods_of_the_share_of_voice_are_400(open_dashboard, query, says):
    reply = get(open_dashboard.port, f"/api/voice?{query}")
    assert reply.status == 400 and says in reply.json()["error"], reply.body[:300]


def test_the_error_is_valid_json_even_for_markup(open_dashboard):
    reply = get(open_dashboard.port, "/api/volume?platform=%3Cimg%20src=x%20onerror=alert(1)%3E")
    assert reply.status == 400
    assert reply.headers["Content-Type"].startswith("application/json")
    assert "<img" in reply.json()["error"]  # as JSON text, which the page shows with textContent


def test_sql_in_a_polda_is_a_value_not_sql(open_dashboard):
    port = open_dashboard.port
    honest = quote("Polda Jawa Barat")
    hostile = quote("Polda Jawa Barat' or 1=1 --")
    assert get(port, f"/api/scorecard?polda={honest}").json()["units"]
    assert get(port, f"/api/scorecard?polda={hostile}").json() == {"level": "polres", "units": []}
    assert get(port, f"/api/viral?polda={hostile}").json() == {"level": "polres", "posts": []}
    assert get(port, f"/api/alerts?polda={hostile}").json() == {"level": "polres", "alerts": [],
                                                                 "open": 0}
    volume = get(port, f"/api/volume?polda={hostile}").json()
    assert volume["series"] == [] and volume["unit_total"] == 0
    everything = get(port, "/api/volume").json()
    assert everything["unit_total"] == 6
    polda = get(port, f"/api/volume?level=polda&polda={hostile}").json()
    assert polda["series"] == [] and polda["unit_total"] == 0
    assert get(port, f"/api/alerts?level=polda&polda={hostile}").json()["alerts"] == []


def test_a_sql_shaped_polres_returns_no_rows(open_dashboard):
    reply = get(open_dashboard.port, "/api/viral?polres=" + quote("' or 1=1 --"))
    assert reply.status == 400 and "posts" not in reply.json()
    reply = get(open_dashboard.port, "/api/viral?polres=x_or_1_1")
    assert reply.status == 200 and reply.json() == {"level": "polres", "posts": []}


def test_good_filters_still_work(open_dashboard):
    reply = get(open_dashboard.port, "/api/volume?polda=Polda%20Jawa%20Barat&platform=x"
                "&from=2026-11-14&to=2026-11-20&polres=")
    assert reply.status == 200, reply.body[:300]
    assert {s["label"] for s in reply.json()["series"]} <= {"Polres Bogor", "Polrestabes Bandung"}


def test_a_foreign_host_header_is_refused_when_open(open_dashboard):
    from tests.security.attack_client import request

    reply = request(open_dashboard.port, "GET", "/api/filters", headers={"Host": "evil.example"})
    assert reply.status == 400 and b"poldas" not in reply.body


#: The units of each level in the test snapshot.
UNITS = {"national": {"polri"},
         "polda": {"polda_metro_jaya", "polda_jawa_barat", "polda_jawa_timur"},
         "polres": {"polres_metro_jakarta_selatan", "polres_metro_jakarta_pusat",
                    "polrestabes_bandung", "polres_bogor", "polrestabes_surabaya",
                    "polres_gresik"}}


def _units(route: str, payload: dict) -> set[str]:
    """The units a level-scoped answer names."""
    if route in ("/api/volume", "/api/sentiment"):
        return {s["unit_id"] for s in payload["series"]}
    if route == "/api/alerts":
        return {a["unit_id"] for a in payload["alerts"]}
    return {u["unit_id"] for u in payload["units"]}


LEVEL_ROUTES = ("/api/volume", "/api/sentiment", "/api/alerts", "/api/scorecard")


@pytest.mark.parametrize("route", LEVEL_ROUTES)
@pytest.mark.parametrize("level", LEVELS)
def test_each_level_answers_only_its_own_units(open_dashboard, route, level):
    for extra in ("", "&platform=x", "&polda=Polda%20Jawa%20Barat", "&polres=polres_bogor",
                  "&from=2026-11-13&to=2026-11-22"):
        reply = get(open_dashboard.port, f"{route}?level={level}{extra}")
        assert reply.status == 200, (route, level, extra, reply.body[:300])
        payload = reply.json()
        assert payload["level"] == level
        units = _units(route, payload)
        assert units and units <= UNITS[level], (route, level, extra, units)
        if route == "/api/alerts":
            assert {a["unit_level"] for a in payload["alerts"]} == {level}


@pytest.mark.parametrize("route", LEVEL_ROUTES)
def test_a_hostile_level_is_refused_before_any_row(open_dashboard, route):
    for value in ("national' or '1'='1", "polres') or ('1'='1", "polda\"", "national;",
                  "national--", "polres/**/", "?", "%", "*", "national,polda", "[national]"):
        reply = get(open_dashboard.port, f"{route}?level={quote(value)}")
        assert reply.status == 400, (route, value, reply.status, reply.body[:300])
        payload = reply.json()
        assert set(payload) == {"error"} and "is not a level" in payload["error"]


def test_a_level_too_long_for_the_server_is_refused_not_served(open_dashboard):
    # 100,000 characters: the HTTP server itself refuses the request line (400, plain text)
    reply = get(open_dashboard.port, "/api/volume?level=" + "n" * 100_000)
    assert reply.status in (400, 414) and b"series" not in reply.body


def test_an_empty_level_is_the_default_polres(open_dashboard):
    port = open_dashboard.port
    default = get(port, "/api/volume").json()
    assert get(port, "/api/volume?level=").json() == default
    assert get(port, "/api/volume?level=polres").json() == default
    assert default["level"] == "polres" and {s["unit_id"] for s in default["series"]} == \
        UNITS["polres"]


def test_the_level_is_a_bound_parameter():
    for level in LEVELS:
        where, params = Filters(level=level).where(date=None, level="unit_level")
        assert where == "where true and unit_level = ?" and params == [level]
        assert level not in where
