"""Progress of the long commands: a live bar on a terminal, the plain lines everywhere else.

The commands report through two kinds of callbacks: ``say(line)`` for what happened and
``on_progress(...)`` every so many items or seconds. :class:`Output` keeps both: on a terminal
(``Console().is_terminal``) each progress call moves a rich bar (count, total when known, rate,
elapsed time) and the ``say`` lines print above it; otherwise (pipes, files, tests, Airflow's
task logs) the progress calls print the very lines they printed before, and nothing else
changes.

    out = Output()
    with out.bar("sending", total=count, unit="posts") as bar:
        ...on_progress=lambda r: bar.update(f"  … {r.sent:,} sent", completed=r.sent)
    out.say("Produced …")
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported when an Output is made: `pantau --help` stays quick
    from rich.console import Console
    from rich.progress import Progress, ProgressColumn, Task, TaskID


def _columns() -> list[ProgressColumn]:
    from rich.progress import (
        BarColumn,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class Count(ProgressColumn):
        """``1,234/5,000 posts``, or ``1,234 posts`` when the total is not known."""

        def render(self, task: Task) -> Text:
            unit = task.fields.get("unit", "")
            done = f"{int(task.completed):,}"
            if task.total is not None:
                done += f"/{int(task.total):,}"
            return Text(f"{done} {unit}".rstrip(), style="progress.download")

    class Rate(ProgressColumn):
        """Items per second over the last seconds (rich's own speed estimate)."""

        def render(self, task: Task) -> Text:
            speed = task.speed
            if speed is None or not task.fields.get("rate", True):
                return Text("", style="progress.data.speed")
            unit = task.fields.get("unit", "")
            return Text(f"{speed:,.0f} {unit}/s".replace(" /s", "/s"),
                        style="progress.data.speed")

    # a short bar, so that the counts and the info fit an 80-column terminal
    return [SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(bar_width=20),
            Count(), Rate(), TimeElapsedColumn(), TextColumn("{task.fields[info]}")]


class Bar:
    """One bar of an :class:`Output`: :meth:`update` moves it, or prints the plain line."""

    def __init__(self, output: Output, progress: Progress | None, task: TaskID | None) -> None:
        self._output = output
        self._progress = progress
        self._task = task

    @property
    def live(self) -> bool:
        """True when this is a drawn bar (a terminal), False when updates print plain lines."""
        return self._progress is not None

    def update(self, line: str | None, *, completed: float | None = None,
               total: float | None = None, info: str | None = None) -> None:
        """Move the bar to ``completed`` (of ``total``) with ``info`` beside it; without a
        terminal, print ``line`` instead (nothing when it is None)."""
        if self._progress is None or self._task is None:
            if line is not None:
                self._output.say(line)
            return
        if info is None:
            self._progress.update(self._task, completed=completed, total=total)
        else:
            self._progress.update(self._task, completed=completed, total=total, info=info)

    def every(self, plain: int, live: int = 500) -> int:
        """How many items between progress calls: ``plain`` without a terminal (the lines the
        logs always had), at most ``live`` for a drawn bar (so it moves smoothly)."""
        return min(plain, live) if self.live else plain

    @contextmanager
    def follow(self, read: Callable[[], float], interval_s: float = 0.25) -> Iterator[None]:
        """While the block runs, move the bar to ``read()`` every ``interval_s`` (for loops that
        have no progress callback, e.g. a counter another object keeps); no-op without a
        terminal."""
        if not self.live:
            yield
            return
        stop = threading.Event()

        def poll() -> None:
            while not stop.wait(interval_s):
                self.update(None, completed=read())

        thread = threading.Thread(target=poll, name="pantau-progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self.update(None, completed=read())


class Output:
    """Where a command writes: ``say`` lines, and bars on a terminal.

    Args:
        console: the rich console (default: standard output; tests pass one with
            ``force_terminal`` writing into a buffer).
        say: send every line to this callable instead, and draw no bar (for callers that
            already collect the lines, e.g. the demo or a test).
    """

    def __init__(self, console: Console | None = None,
                 say: Callable[[str], None] | None = None) -> None:
        if console is None:
            from rich.console import Console

            console = Console()
        self.console = console
        self._say = say
        self.live = say is None and self.console.is_terminal

    def say(self, message: str) -> None:
        """Print one line as it is (above the bar while one is drawn)."""
        if self._say is not None:
            self._say(message)
        elif self.live:
            self.console.print(message, markup=False, highlight=False, emoji=False,
                               soft_wrap=True)
        else:
            print(message, file=self.console.file, flush=True)

    @contextmanager
    def bar(self, description: str, *, total: float | None = None, unit: str = "",
            info: str = "", rate: bool = True) -> Iterator[Bar]:
        """A bar for the block: drawn (and left on screen at the end) on a terminal; without
        one, a :class:`Bar` whose updates print the plain lines. ``rate=False`` leaves out the
        items per second (for steps)."""
        if not self.live:
            yield Bar(self, None, None)
            return
        from rich.progress import Progress

        progress = Progress(*_columns(), console=self.console, refresh_per_second=4,
                            speed_estimate_period=10)
        with progress:
            task = progress.add_task(description, total=total, unit=unit, info=info, rate=rate)
            yield Bar(self, progress, task)
