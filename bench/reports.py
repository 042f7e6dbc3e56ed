"""Time and size of the reports for every Polres (182) and, with ``--polda``, every Polda.

    .venv/bin/python bench/reports.py --posts 200000 --period week

Writes a snapshot to the marts contract with ``--posts`` rows in ``fct_posts`` about all 182
Polres of the seed (the serving tests' writer, ``tests/serving_snapshot.py``) under
``.pantau/bench/reports/`` (or uses ``--snapshot PATH``, e.g. one ``pantau build`` published
from real data), then makes the report of every Polres for one period with one headless Chromium,
as the ``reports`` DAG does, and prints: the wall time (Chromium's start apart), the time per
report split into reading the marts, rendering the HTML and printing the PDF, the pages, and the
total and per-report sizes of the PDFs and the HTML. Figures, not pass/fail. Needs Debian's
chromium and chromedriver.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pantau.reports as reports_module
from pantau.reports import Printer, make_reports
from pantau.reports import data as report_data
from pantau.serve.snapshot import open_snapshot
from pantau.settings import PROJECT_DIR, Settings
from tests.serving_snapshot import write_snapshot


def all_polres() -> tuple[str, ...]:
    seed = (PROJECT_DIR / "dbt_project" / "seeds" / "polres.csv").read_text().splitlines()[1:]
    return tuple(line.split(",", 1)[0] for line in seed if line.strip())


class Timed:
    """Wraps a function and adds up the seconds spent in it."""

    def __init__(self, module: object, name: str) -> None:
        self.module, self.name, self.seconds = module, name, 0.0
        self.inner = getattr(module, name)
        setattr(module, name, self)

    def __call__(self, *args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--period", choices=["day", "week"], default="week")
    parser.add_argument("--end", default=None, help="YYYY-MM-DD (default: the data's last day)")
    parser.add_argument("--snapshot", type=Path, help="use this snapshot instead of writing one")
    parser.add_argument("--polda", action="store_true", help="the Polda's reports too")
    args = parser.parse_args()

    state = PROJECT_DIR / ".pantau" / "bench" / "reports"
    settings = Settings.from_env({"PANTAU_STATE_DIR": str(state)})
    if args.snapshot:
        settings = settings.replace(published_path=args.snapshot.resolve())
    else:
        started = time.perf_counter()
        write_snapshot(settings.published_path, posts=args.posts, polres_ids=all_polres())
        print(f"snapshot: {args.posts:,} posts about {len(all_polres())} Polres in "
              f"{time.perf_counter() - started:.1f}s ({settings.published_path})")
    con = open_snapshot(settings.published_path)
    try:
        end = (dt.date.fromisoformat(args.end) if args.end
               else report_data.newest_day(con))
        units = [u.unit_id for u in report_data.units(con, "polres")]
        if args.polda:
            units += [u.unit_id for u in report_data.units(con, "polda")]
    finally:
        con.close()
    assert end is not None, "the snapshot has no posts"

    reading = Timed(reports_module, "read_figures")
    rendering = Timed(reports_module, "render_html")
    started = time.perf_counter()
    with Printer() as printer:
        browser_s = time.perf_counter() - started
        printing = Timed(printer, "print_pdf")
        started = time.perf_counter()
        made = make_reports(settings, unit_ids=units, period=args.period, end=end,
                            printer=printer)
        wall = time.perf_counter() - started
    pdf = [r.pdf_path.stat().st_size for r in made]
    html = [r.html_path.stat().st_size for r in made]
    pages = [r.pages for r in made]
    n = len(made)
    print(f"{n} {args.period} reports of {made[0].label} ({made[0].pdf_path.parent})")
    print(f"  Chromium start: {browser_s:.1f}s")
    print(f"  all reports: {wall:.1f}s wall, {wall / n * 1000:.0f} ms per report "
          f"(reading the marts {reading.seconds / n * 1000:.0f} ms, HTML "
          f"{rendering.seconds / n * 1000:.0f} ms, PDF {printing.seconds / n * 1000:.0f} ms)")
    print(f"  pages: {sum(pages)} ({min(pages)}-{max(pages)} per report)")
    print(f"  size: PDF {sum(pdf) / 1e6:.1f} MB (median {statistics.median(pdf) / 1e3:.0f} kB, "
          f"max {max(pdf) / 1e3:.0f} kB), HTML {sum(html) / 1e6:.1f} MB "
          f"(median {statistics.median(html) / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
