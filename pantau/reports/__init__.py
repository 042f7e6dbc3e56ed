"""Daily and weekly reports per Polda and per Polres, as HTML and PDF (docs/reports.md).

    with open_snapshot(settings.published_path) as con, Printer() as printer: ...
    report = make_report(settings, unit_id="polda_jawa_barat", period="week")
    report.pdf_path, report.pages, report.figures.mentions

A report reads the published snapshot of the marts (read-only; :mod:`pantau.reports.data` says
which mart each figure comes from), renders HTML through Jinja2 (:mod:`pantau.reports.render`)
and prints it to PDF with headless Chromium (:mod:`pantau.reports.pdf`). The files go to
``PANTAU_REPORTS_DIR/<period>/<day or ISO week>/<unit_id>.{html,pdf}``: making a report again
overwrites the same two files. :func:`list_reports` gives the files of a unit and period (what
the email channel attaches); :func:`make_due` is the scheduled run of the ``reports`` DAG.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pantau.exceptions import TerminalError
from pantau.reports.data import (
    PERIODS,
    Figures,
    Period,
    Unit,
    Window,
    active_units,
    newest_day,
    read_figures,
    units,
)
from pantau.reports.pdf import Printer, page_count
from pantau.reports.render import render_html
from pantau.serve.snapshot import open_snapshot
from pantau.settings import Settings

__all__ = ["PERIODS", "SUBSCRIPTION_PERIODS", "Period", "Printer", "Report", "ReportError",
           "UnknownUnitError", "Window",
           "default_end", "list_reports", "make_due", "make_report", "make_reports", "report_dir"]

MANIFEST = "manifest.json"
#: The names of the reports in the subscriptions file (``reports: [daily, weekly]``): periods.
SUBSCRIPTION_PERIODS: dict[str, Period] = {"daily": "day", "weekly": "week"}


class ReportError(TerminalError):
    """A report cannot be made as asked."""


class UnknownUnitError(ReportError):
    """No Polda or Polres has the id asked for."""

    def __init__(self, unit_id: str, level: str | None, known: Iterable[str]) -> None:
        close = difflib.get_close_matches(unit_id, list(known), n=3, cutoff=0.5)
        kind = {"polda": "Polda", "polres": "Polres"}.get(level or "", "Polda or Polres")
        hint = f"; did you mean {', '.join(close)}?" if close else (
            "; `pantau sql -c \"select unit_id, unit_name from marts.dim_police_units\"` lists them")
        super().__init__(f"no {kind} with the id {unit_id!r} in the published snapshot{hint}")


@dataclass(frozen=True)
class Report:
    """One report made: its two files, the PDF's pages and the figures it printed."""

    unit_id: str
    period: Period
    label: str
    html_path: Path
    pdf_path: Path
    pages: int
    figures: Figures


def report_dir(settings: Settings, period: Period, end: dt.date) -> Path:
    """The folder of the reports of ``period`` ending on (or, for a week, containing) ``end``."""
    return settings.reports_dir / period / Window.of(period, end).label


def list_reports(settings: Settings, *, unit_id: str, period: Period,
                 end: dt.date | None = None) -> list[Path]:
    """The report files of ``unit_id`` for the period that holds ``end``: the PDF, then the HTML,
    those that exist (empty when none was made). The email channel attaches these.

    Without ``end``: those of the newest period the scheduled run completed (the newest folder
    with a manifest; the subscriptions' ``daily`` and ``weekly`` are the periods ``day`` and
    ``week``, :data:`SUBSCRIPTION_PERIODS`).
    """
    if end is None:
        done = sorted(p.parent for p in (settings.reports_dir / period).glob(f"*/{MANIFEST}"))
        if not done:
            return []
        folder = done[-1]  # the labels (2026-11-21, 2026-W47) sort by time
    else:
        folder = report_dir(settings, period, end)
    return [p for p in (folder / f"{unit_id}.pdf", folder / f"{unit_id}.html") if p.is_file()]


def default_end(con: duckdb.DuckDBPyConnection, period: Period) -> dt.date:
    """The last complete period of the snapshot's data: the day before its newest day, or the
    last ISO week that ended by then."""
    newest = newest_day(con)
    if newest is None:
        raise ReportError("the published snapshot has no posts yet — run `pantau build` after "
                          "posts were ingested")
    last_full_day = newest - dt.timedelta(days=1)
    if period == "day":
        return last_full_day
    return last_full_day - dt.timedelta(days=(last_full_day.weekday() + 1) % 7)  # a Sunday


def _unit(con: duckdb.DuckDBPyConnection, unit_id: str, level: str | None) -> Unit:
    known = units(con, level)
    for unit in known:
        if unit.unit_id == unit_id:
            return unit
    raise UnknownUnitError(unit_id, level, [u.unit_id for u in known])


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _make(settings: Settings, con: duckdb.DuckDBPyConnection, printer: Printer, unit: Unit,
          window: Window, generated_at: dt.datetime) -> Report:
    figures = read_figures(con, unit, window)
    folder = settings.reports_dir / window.period / window.label
    folder.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = folder / f"{unit.unit_id}.html", folder / f"{unit.unit_id}.pdf"
    html = render_html(figures, lang=settings.notify_language, generated_at=generated_at)
    _write_atomically(html_path, html.encode())
    pdf = printer.print_pdf(html_path)
    pages = page_count(pdf)
    _write_atomically(pdf_path, pdf)
    return Report(unit.unit_id, window.period, window.label, html_path, pdf_path, pages, figures)


def make_report(settings: Settings, *, unit_id: str, period: Period, end: dt.date | None = None,
                level: str | None = None, printer: Printer | None = None) -> Report:
    """Make (or make again) the report of one Polda or Polres.

    Args:
        unit_id: a ``unit_id`` of ``dim_police_units`` at the Polda or Polres level.
        period: ``day`` (the day ``end``) or ``week`` (the ISO week holding ``end``).
        end: default: the last complete day or week of the snapshot (:func:`default_end`).
        level: ``polda`` or ``polres`` to insist on one (the CLI's ``--polda``/``--polres``).
        printer: a started :class:`Printer` to reuse (one Chromium for many reports).

    Raises:
        SnapshotMissingError: nothing published yet.
        UnknownUnitError: no such unit; the message names the closest ids.
    """
    return make_reports(settings, unit_ids=[unit_id], period=period, end=end, level=level,
                        printer=printer)[0]


def make_reports(settings: Settings, *, unit_ids: list[str] | None, period: Period,
                 end: dt.date | None = None, level: str | None = None,
                 printer: Printer | None = None,
                 on_report: Callable[[Report, int, int], None] | None = None) -> list[Report]:
    """The reports of ``unit_ids`` (None: every Polda and Polres) for one period, printed by one
    Chromium; ``on_report(report, done, total)`` after each."""
    if period not in PERIODS:
        raise ReportError(f"the period is day or week, not {period!r}")
    con = open_snapshot(settings.published_path)
    try:
        wanted = (units(con, level) if unit_ids is None
                  else [_unit(con, unit_id, level) for unit_id in unit_ids])
        window = Window.of(period, end or default_end(con, period))
        generated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        made: list[Report] = []
        started_here: AbstractContextManager[Printer] = (
            Printer() if printer is None else nullcontext(printer))
        with started_here as started:
            for unit in wanted:
                made.append(_make(settings, con, started, unit, window, generated_at))
                if on_report:
                    on_report(made[-1], len(made), len(wanted))
        return made
    finally:
        con.close()


def make_due(settings: Settings, period: Period, *, force: bool = False,
             printer: Printer | None = None,
             say: Callable[[str], None] = print) -> dict[str, object]:
    """The scheduled run: the reports of the last complete ``period`` for every Polda and
    Polres with a mention or an alert in it (the others have nothing to report), unless that
    period's manifest says they were made (``force``: make them again; the same files are
    overwritten). The manifest is written last, so a run that failed halfway is made whole by
    the next one."""
    con = open_snapshot(settings.published_path)
    try:
        if newest_day(con) is None:
            say("the published snapshot has no posts yet: no reports")
            return {"period": period, "label": None, "made": 0, "skipped": True}
        end = default_end(con, period)
        window = Window.of(period, end)
        active = [u.unit_id for u in active_units(con, window)]
    finally:
        con.close()
    folder = report_dir(settings, period, end)
    manifest = folder / MANIFEST
    if manifest.is_file() and not force:
        say(f"{period} reports of {folder.name} were made already ({manifest})")
        return {"period": period, "label": folder.name, "made": 0, "skipped": True}
    reports = (make_reports(settings, unit_ids=active, period=period, end=end, printer=printer)
               if active else [])
    summary = {"period": period, "label": folder.name, "end": end.isoformat(),
               "made": len(reports), "pages": sum(r.pages for r in reports),
               "bytes": sum(r.pdf_path.stat().st_size + r.html_path.stat().st_size
                            for r in reports),
               "units": [r.unit_id for r in reports], "skipped": False}
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(manifest, json.dumps(summary, indent=1).encode())
    say(f"{len(reports)} {period} reports of {folder.name} in {folder}")
    return summary
