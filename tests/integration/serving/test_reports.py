"""The reports (pantau/reports) on the serving tests' snapshot, printed by real headless Chromium
(one browser for the module): the PDF opens with pypdf, has the expected pages, and the figures
it prints equal SQL written here on the marts; hostile post text stays text; the scheduled run
makes each period once and a forced rerun overwrites the same files."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from pantau.reports import Printer, list_reports, make_due, make_report
from pantau.reports.messages import decimal, integer
from pantau.settings import Settings
from tests.serving_snapshot import write_snapshot

pytestmark = pytest.mark.integration

WEEK_END = dt.date(2026, 11, 22)  # a Sunday: the ISO week 2026-W47, Monday 16 to Sunday 22
DAY = dt.date(2026, 11, 21)


@pytest.fixture(scope="module")
def printer():
    with Printer() as started:
        yield started


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    state = tmp_path_factory.mktemp("reports") / "state"
    settings = Settings.from_env({"PANTAU_STATE_DIR": str(state)})
    write_snapshot(settings.published_path)
    return settings


def sql(settings: Settings, query: str, *params: object) -> tuple:
    con = duckdb.connect(str(settings.published_path), read_only=True)
    try:
        row = con.execute(query, list(params)).fetchone()
        assert row is not None
        return row
    finally:
        con.close()


def pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def expected(settings: Settings, unit_id: str, start: dt.date, end: dt.date) -> dict:
    """The report's figures, by SQL on the marts."""
    mentions = sql(settings, """select sum(post_count) from marts.mart_unit_engagement_daily
                                where unit_id = ? and activity_date between ? and ?""",
                   unit_id, start, end)[0]
    net = sql(settings, """select (sum(positive_count) - sum(negative_count)) / sum(post_count)
                           from marts.mart_unit_sentiment_daily
                           where unit_id = ? and activity_date between ? and ?""",
              unit_id, start, end)[0]
    alerts, minutes = sql(settings, """select count(*), median(response_minutes)
                                       from marts.mart_issue_alerts
                                       where unit_id = ? and started_at::date between ? and ?""",
                          unit_id, start, end)
    monday = end - dt.timedelta(days=end.weekday())
    rank, previous = sql(settings, """
        select max(reputation_rank) filter (where week_start_date = ?),
               max(reputation_rank) filter (where week_start_date = ?)
        from marts.mart_unit_scorecard where unit_id = ?""",
        monday, monday - dt.timedelta(days=7), unit_id)
    return {"mentions": mentions, "net": net, "alerts": alerts, "minutes": minutes, "rank": rank,
            "previous": previous}


def test_a_weekly_polda_report_prints_the_marts_figures_on_four_pages(settings, printer):
    report = make_report(settings, unit_id="polda_jawa_barat", period="week", end=DAY,
                         printer=printer)
    want = expected(settings, "polda_jawa_barat", dt.date(2026, 11, 16), WEEK_END)
    f = report.figures
    assert (f.mentions, f.alert_count, f.rank.rank, f.rank.previous) == (
        want["mentions"], want["alerts"], want["rank"], want["previous"])
    assert f.net_sentiment == pytest.approx(want["net"])
    assert want["mentions"] > 0 and want["alerts"] == 1 and want["rank"] is not None

    assert report.pdf_path == settings.reports_dir / "week" / "2026-W47" / "polda_jawa_barat.pdf"
    pages, text = pdf_text(report.pdf_path)
    # summary and charts; alerts; viral posts; the Polda's Polres
    assert report.pages == pages == 4
    assert f"Jumlah sebutan\n{integer(want['mentions'], 'id')}\n" in text
    assert f"Sentimen bersih\n{decimal(want['net'], 2, 'id', signed=True)}\n" in text
    assert f"Peringatan isu\n{want['alerts']}\n" in text
    change = want["previous"] - want["rank"]
    word = "naik" if change > 0 else "turun" if change < 0 else "tetap"
    units = sql(settings, """select count(*) from marts.mart_unit_scorecard
                             where unit_level = 'polda' and week_start_date = ?""",
                dt.date(2026, 11, 16))[0]
    assert f"{want['rank']} dari {units}\nPerubahan: {word}" in text
    # every Polres of the Polda, with its own mentions
    words = " ".join(text.split())
    for polres_id, name in [("polres_bogor", "Polres Bogor"),
                            ("polrestabes_bandung", "Polrestabes Bandung")]:
        mine = expected(settings, polres_id, dt.date(2026, 11, 16), WEEK_END)
        row = (f"{name} {integer(mine['mentions'], 'id')} "
               f"{decimal(mine['net'], 2, 'id', signed=True)} {mine['alerts']} {mine['rank']} dari")
        assert row in words, polres_id


def test_a_daily_polres_report_in_english_with_a_response_time(settings, printer):
    english = settings.replace(notify_language="en")
    report = make_report(english, unit_id="polrestabes_bandung", period="day", end=DAY,
                         printer=printer)
    want = expected(settings, "polrestabes_bandung", DAY, DAY)
    f = report.figures
    assert (f.mentions, f.alert_count, f.median_response_minutes, f.rank.rank) == (
        want["mentions"], want["alerts"], want["minutes"], want["rank"])
    assert want["minutes"] is not None and want["alerts"] >= 1

    pages, text = pdf_text(report.pdf_path)
    assert report.pages == pages == 3  # no Polres page for a Polres
    assert f"Mentions\n{integer(want['mentions'], 'en')}\n" in text
    assert f"Net sentiment\n{decimal(want['net'], 2, 'en', signed=True)}\n" in text
    assert f"Median response time\n{decimal(want['minutes'], 1, 'en')} minutes" in text
    change = want["previous"] - want["rank"]
    assert f"Change: {'up' if change > 0 else 'down'} {abs(change)}" in text
    assert "Daily report" in text and "Laporan" not in text
    assert list_reports(english, unit_id="polrestabes_bandung", period="day", end=DAY) == [
        report.pdf_path, report.html_path]
    assert list_reports(english, unit_id="polres_gresik", period="day", end=DAY) == []


HOSTILE = ("<script>alert('x')</script></style><b>tebal</b> \u202eoknum polisi\u202c "
           + "a" * 400 + " https://evil.example/")


def test_hostile_post_text_is_printed_as_text(tmp_path, printer):
    settings = Settings.from_env({"PANTAU_STATE_DIR": str(tmp_path / "state")})
    write_snapshot(settings.published_path)
    con = duckdb.connect(str(settings.published_path))
    con.execute("update marts.mart_viral_posts set post_text = ?, author_label = ?, "
                "url = 'javascript:alert(1)'", [HOSTILE, "</style><img src=x onerror=alert(1)>"])
    con.close()
    report = make_report(settings, unit_id="polres_bogor", period="week", end=WEEK_END,
                         printer=printer)
    assert report.figures.negative_posts, "the week has viral posts to show"
    html = report.html_path.read_text()
    assert "<script>" not in html and "<img" not in html and "javascript:" not in html
    assert "&lt;script&gt;" in html and "&lt;/style&gt;&lt;img" in html
    assert "\u202e" not in html and "\u202c" not in html
    pages, text = pdf_text(report.pdf_path)
    assert pages == report.pages == 3, "the long word wraps instead of widening the page"
    assert "<script>alert('x')</script></style><b>tebal</b> oknum polisi" in text


def test_the_scheduled_run_makes_a_period_once_and_a_forced_rerun_overwrites_it(settings,
                                                                                printer):
    lines: list[str] = []
    first = make_due(settings, "day", printer=printer, say=lines.append)
    assert first["label"] == "2026-11-21"  # the day before the snapshot's newest day
    units = sql(settings, """select count(distinct unit_id) from marts.mart_unit_engagement_daily
                             where unit_level in ('polda', 'polres')
                               and activity_date = '2026-11-21'""")[0]
    assert first["made"] == units and not first["skipped"]
    assert units == 9  # the snapshot's three Polda and six Polres all had posts that day
    folder = settings.reports_dir / "day" / "2026-11-21"
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 2 * units + 1 and "manifest.json" in files
    assert json.loads((folder / "manifest.json").read_text())["made"] == units

    again = make_due(settings, "day", printer=printer, say=lines.append)
    assert again["skipped"] and again["made"] == 0
    before = (folder / "polres_bogor.pdf").stat().st_mtime_ns
    forced = make_due(settings, "day", force=True, printer=printer, say=lines.append)
    assert forced["made"] == units
    assert sorted(p.name for p in folder.iterdir()) == files  # the same files, made again
    assert (folder / "polres_bogor.pdf").stat().st_mtime_ns > before
    # what the email channel attaches: the newest completed period's files of a unit
    assert list_reports(settings, unit_id="polres_bogor", period="day") == [
        folder / "polres_bogor.pdf", folder / "polres_bogor.html"]
    assert list_reports(settings, unit_id="polres_bogor", period="week") == []  # none made yet


def test_the_report_command_prints_paths_and_pages_and_says_what_is_wrong(settings, monkeypatch,
                                                                          capsys, tmp_path):
    from pantau.cli import main

    monkeypatch.setenv("PANTAU_STATE_DIR", str(settings.state_dir))
    assert main(["report", "--polres", "polres_bogr", "--period", "day"]) == 2
    err = capsys.readouterr().err
    assert "no Polres with the id 'polres_bogr'" in err and "did you mean polres_bogor" in err
    assert main(["report", "--polda", "polda_jatim", "--period", "week"]) == 2
    assert "did you mean polda_jawa_timur" in capsys.readouterr().err
    assert main(["report", "--polres", "polres_gresik", "--period", "week", "--end",
                 "2026-11-22"]) == 0
    out = capsys.readouterr().out
    pdf = settings.reports_dir / "week" / "2026-W47" / "polres_gresik.pdf"
    assert f"{pdf} (3 pages), {pdf.with_suffix('.html')}" in out
    assert PdfReader(pdf).pages[0].extract_text().startswith("Laporan mingguan · Polres Gresik")

    monkeypatch.setenv("PANTAU_PUBLISHED_PATH", str(tmp_path / "none.duckdb"))
    assert main(["report", "--all", "--period", "day"]) == 2
    assert "run `pantau build`" in capsys.readouterr().err
