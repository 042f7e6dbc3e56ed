"""`pantau sql` on a real snapshot file: one query in three formats, the shell in a terminal,
the working warehouse, and the errors a user meets."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
import sys
import time

import duckdb
import pytest

from pantau.cli import main
from pantau.settings import Settings

pytestmark = pytest.mark.integration


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings.environment()}


def _main(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    return main(list(args))


def test_one_query_prints_a_table_csv_or_json(serving_settings, monkeypatch, capsys):
    query = ("select polres_id, sum(post_count) as posts from marts.mart_polres_engagement_daily "
             "group by polres_id order by posts desc, polres_id")
    assert _main(serving_settings, monkeypatch, "sql", "-c", query) == 0
    table = capsys.readouterr().out
    assert "polres_id" in table and "polrestabes_bandung" in table

    assert _main(serving_settings, monkeypatch, "sql", "--format", "csv", "-c", query) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 6 and sum(int(r["posts"]) for r in rows) == 600

    assert _main(serving_settings, monkeypatch, "sql", "--format", "json", "-c",
                 "select post_key, hashtags, created_at from marts.fct_posts order by post_key "
                 "limit 2") == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 2 and isinstance(records[0]["hashtags"], list)
    assert records[0]["created_at"].startswith("2026-11-")


def test_text_functions_are_registered(serving_settings, monkeypatch, capsys):
    assert _main(serving_settings, monkeypatch, "sql", "--format", "json", "-c",
                 "select sentiment_label('oknum polisi minta damai pas tilang, parah 😡') as label, "
                 "topic(post_text) as topic from marts.fct_posts limit 1") == 0
    [record] = json.loads(capsys.readouterr().out)
    assert record["label"] == "negative" and record["topic"]


def test_missing_snapshot_says_how_to_make_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PANTAU_STATE_DIR", str(tmp_path))
    assert main(["sql", "-c", "select 1"]) == 2
    err = capsys.readouterr().err
    assert f"no published snapshot at {tmp_path / 'published.duckdb'}" in err
    assert "run `pantau build` or `pantau demo` first" in err


def test_writes_are_refused_and_the_snapshot_is_unchanged(serving_settings, monkeypatch, capsys):
    assert _main(serving_settings, monkeypatch, "sql", "-c", "delete from marts.fct_posts") == 2
    assert "read-only" in capsys.readouterr().err
    con = duckdb.connect(str(serving_settings.published_path), read_only=True)
    assert con.execute("select count(*) from marts.fct_posts").fetchall() == [(600,)]
    con.close()


def test_warehouse_flag_queries_the_working_warehouse(serving_settings, monkeypatch, capsys):
    con = duckdb.connect(str(serving_settings.warehouse_path))
    con.execute("create schema raw; create table raw.social_posts as select 7 as n")
    con.close()
    assert _main(serving_settings, monkeypatch, "sql", "--warehouse", "--format", "csv", "-c",
                 "select n from raw.social_posts") == 0
    assert capsys.readouterr().out.splitlines() == ["n", "7"]


def test_snapshot_queries_run_while_a_writer_holds_the_warehouse(serving_settings):
    writer = duckdb.connect(str(serving_settings.warehouse_path))  # the loader's write lock
    try:
        done = subprocess.run([sys.executable, "-m", "pantau.cli", "sql", "--format", "csv", "-c",
                               "select count(*) as n from marts.fct_posts"],
                              env=_env(serving_settings), capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["n", "600"]
        writer.execute("create table still_writable as select 1")
    finally:
        writer.close()


def _read_until(fd: int, marker: bytes, deadline: float) -> bytes:
    seen = b""
    while marker not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting for {marker!r}; screen so far:\n{seen.decode()}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_interactive_shell_completes_names_and_keeps_history(serving_settings):
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "pantau.cli", "sql"],
                               env={**_env(serving_settings), "TERM": "dumb"},
                               stdin=follower, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    deadline = time.monotonic() + 60
    try:
        _read_until(leader, b"pantau> ", deadline)
        # Tab completes "marts.mart_issue_al" to marts.mart_issue_alerts ("mart_issue_a" would be
        # ambiguous with mart_issue_amplifiers)
        os.write(leader, b"select count(*) as open_alerts from marts.mart_issue_al\t where is_open;\n")
        screen = _read_until(leader, b"pantau> ", deadline)
        assert b"open_alerts" in screen and b"Catalog Error" not in screen, screen.decode()
        os.write(leader, b"select 40 + 2 as answer;\n")
        assert b"42" in _read_until(leader, b"pantau> ", deadline)
        os.write(leader, b".quit\n")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
    history = (serving_settings.state_dir / "sql_history").read_text()
    assert "marts.mart_issue_alerts where is_open;" in history and "select 40 + 2" in history


def test_ui_says_why_it_cannot_start_here(serving_settings, monkeypatch, capsys):
    # extensions.duckdb.org is unreachable on this network: the message must say so and what to do
    assert _main(serving_settings, monkeypatch, "sql", "--ui") == 2
    err = capsys.readouterr().err
    assert "the DuckDB UI is not available here" in err and "extensions.duckdb.org" in err
    assert "pantau serve" in err
