"""pantau.progress: a bar on a terminal, the plain progress lines everywhere else."""

from __future__ import annotations

import io

from rich.console import Console

from pantau.progress import Output


def _terminal() -> tuple[Output, io.StringIO]:
    buffer = io.StringIO()
    return Output(Console(file=buffer, force_terminal=True, width=120)), buffer


def _pipe() -> tuple[Output, io.StringIO]:
    buffer = io.StringIO()
    return Output(Console(file=buffer, force_terminal=False, width=120)), buffer


def _run(out: Output) -> None:
    out.say("Scenario default (seed 1): 100 posts")
    with out.bar("sending", total=100, unit="posts") as bar:
        bar.update("  … 40 messages sent", completed=40, info="40 messages sent")
        out.say("a line while the bar is drawn")
        bar.update("  … 100 messages sent", completed=100, info="100 messages sent")
    out.say("Produced to posts: sent 100, dead-lettered 0, failed 0 in 0.1s")


def test_a_terminal_gets_a_bar_with_count_and_the_lines_above_it() -> None:
    out, buffer = _terminal()
    assert out.live
    _run(out)
    text = buffer.getvalue()
    assert "━" in text  # the bar
    assert "100/100 posts" in text and "100 messages sent" in text
    assert "\x1b[" in text  # drawn with terminal control codes
    for line in ("Scenario default (seed 1): 100 posts", "a line while the bar is drawn",
                 "Produced to posts: sent 100, dead-lettered 0, failed 0 in 0.1s"):
        assert line in text
    assert "  … 40 messages sent" not in text  # the bar replaces the progress lines


def test_without_a_terminal_the_output_is_the_plain_lines_only() -> None:
    out, buffer = _pipe()
    assert not out.live
    _run(out)
    assert buffer.getvalue().splitlines() == [
        "Scenario default (seed 1): 100 posts",
        "  … 40 messages sent",
        "a line while the bar is drawn",
        "  … 100 messages sent",
        "Produced to posts: sent 100, dead-lettered 0, failed 0 in 0.1s",
    ]


def test_plain_output_goes_to_standard_output_by_default(capsys) -> None:  # type: ignore[no-untyped-def]
    out = Output()
    assert not out.live  # pytest captures standard output: not a terminal
    with out.bar("ingesting") as bar:
        bar.update("  … loaded 5, rejected 0, duplicates 0, lag 0", completed=5, total=5)
        bar.update(None, completed=5)  # bar-only updates print nothing
    assert capsys.readouterr().out == "  … loaded 5, rejected 0, duplicates 0, lag 0\n"


def test_a_say_callable_collects_every_line_and_draws_no_bar() -> None:
    said: list[str] = []
    buffer = io.StringIO()
    out = Output(Console(file=buffer, force_terminal=True), say=said.append)
    assert not out.live
    _run(out)
    assert said[1] == "  … 40 messages sent" and len(said) == 5
    assert buffer.getvalue() == ""


def test_progress_every_is_smaller_only_for_a_drawn_bar() -> None:
    with _terminal()[0].bar("x") as bar:
        assert bar.every(20_000) == 500 and bar.every(100) == 100
    with _pipe()[0].bar("x") as bar:
        assert bar.every(20_000) == 20_000


def test_follow_moves_the_bar_from_a_counter() -> None:
    out, buffer = _terminal()
    counter = {"sent": 0}
    with out.bar("replaying", unit="sent") as bar, bar.follow(lambda: counter["sent"], 0.01):
        counter["sent"] = 7
    assert "7 sent" in buffer.getvalue()
    out, buffer = _pipe()
    with out.bar("replaying", unit="sent") as bar, bar.follow(lambda: 1 / 0):  # never read
        pass
    assert buffer.getvalue() == ""


def test_steps_show_no_rate() -> None:
    out, buffer = _terminal()
    with out.bar("building", total=3, unit="steps", info="dbt build", rate=False) as bar:
        for done, name in enumerate(("GX audit", "publish", "done"), start=1):
            bar.update(None, completed=done, info=name)
    text = buffer.getvalue()
    assert "3/3 steps" in text and "done" in text and "steps/s" not in text
