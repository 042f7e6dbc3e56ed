"""Analysts' corrections on a real DuckDB warehouse: checked all or nothing, appended with who and
when, conflicts kept; hostile input is refused with its reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pantau.cli import main
from pantau.connections.warehouse import connect, ensure_raw
from pantau.exceptions import WarehouseLockedError
from pantau.ingest.corrections import Correction, CorrectionError, export, read_file, record
from pantau.settings import Settings

KEYS = ["x:1", "x:2", "tiktok:3"]


@pytest.fixture
def warehouse(tmp_path: Path) -> Settings:
    settings = Settings.from_env({"PANTAU_STATE_DIR": str(tmp_path / "state"),
                                  "PANTAU_LABEL_LOCK_WAIT_S": "0"})
    con = connect(settings.warehouse_path)
    ensure_raw(con)
    con.execute("create schema marts; create table marts.fct_posts (post_key varchar)")
    con.executemany("insert into marts.fct_posts values (?)", [[k] for k in KEYS])
    con.close()
    return settings


def _rows(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute("select post_key, field, value, note, corrected_by, source "
                           "from audit.label_corrections order by corrected_at, field").fetchall()


def test_corrections_are_appended_with_who_and_the_earlier_ones_by_others_are_reported(warehouse):
    first = record(warehouse, [Correction("x:1", "sentiment", "negative", "sarkas"),
                               Correction("x:1", "polres", "polres_bogor")], by="ani")
    assert (first.written, first.overridden) == (2, [])
    second = record(warehouse, [Correction("x:1", "sentiment", "neutral")], by="budi")
    assert [(k, f, v, who) for k, f, v, who, _ in second.overridden] == [
        ("x:1", "sentiment", "negative", "ani")]
    assert _rows(warehouse) == [("x:1", "polres", "polres_bogor", "", "ani", "cli"),
                                ("x:1", "sentiment", "negative", "sarkas", "ani", "cli"),
                                ("x:1", "sentiment", "neutral", "", "budi", "cli")]


@pytest.mark.parametrize(("correction", "reason"), [
    (Correction("x:404", "sentiment", "negative"), "'x:404' is not in marts.fct_posts"),
    (Correction("x:1", "sentiment", "angry"), "'angry' is not a sentiment label"),
    (Correction("x:1", "emotion", "neutral"), "is not a emotion label"),
    (Correction("x:1", "topic", "gossip"), "is not a topic label"),
    (Correction("x:1", "polres", "polres_atlantis"), "is not a polres label"),
    (Correction("x:1", "mood", "happy"), "field 'mood' is not one of"),  # type: ignore[arg-type]
    (Correction("x:1' or 1=1 --", "sentiment", "negative"), "is not in marts.fct_posts"),
    (Correction("no-colon", "sentiment", "negative"), "is not PLATFORM:POST_ID"),
    (Correction("x:1", "sentiment", "negative", "a" * 1001), "at most 1000 characters"),
    (Correction("x:1", "sentiment", "negative", "bad\x00note"), "without control characters"),
    (Correction("x:1\x1b[2J", "sentiment", "negative"), "is not PLATFORM:POST_ID"),
])
def test_a_bad_correction_refuses_the_whole_batch_with_its_reason(warehouse, correction, reason):
    good = Correction("x:2", "sentiment", "positive")
    with pytest.raises(CorrectionError, match="no correction was written") as refused:
        record(warehouse, [good, correction], by="ani")
    assert reason in str(refused.value)
    assert _rows(warehouse) == []


@pytest.mark.parametrize("name", ["", "   ", "a" * 65, "ani\nroot", "\x07"])
def test_the_analyst_must_have_a_printable_name(warehouse, name):
    with pytest.raises(CorrectionError, match="--by NAME"):
        record(warehouse, [Correction("x:1", "sentiment", "negative")], by=name)


def test_a_file_is_all_or_nothing_and_names_the_line(warehouse, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("post_key,field,value,note\nx:1,sentiment,negative,\"iklan, bukan keluhan\"\n"
                    "tiktok:3,topic,pungli_pemerasan,\n", encoding="utf-8")
    batch, where = read_file(good)
    record(warehouse, batch, by="ani", source="file", where=where)
    bad = tmp_path / "bad.csv"
    bad.write_text("post_key,field,value,note\nx:2,sentiment,negative,\nx:2,topic,nope,\n",
                   encoding="utf-8")
    batch, where = read_file(bad)
    with pytest.raises(CorrectionError, match=r"bad\.csv:3: 'nope' is not a topic label"):
        record(warehouse, batch, by="ani", source="file", where=where)
    assert [r[:3] for r in _rows(warehouse)] == [("x:1", "sentiment", "negative"),
                                                 ("tiktok:3", "topic", "pungli_pemerasan")]
    headless = tmp_path / "headless.csv"
    headless.write_text("key,label\nx:1,negative\n", encoding="utf-8")
    with pytest.raises(CorrectionError, match="missing column"):
        read_file(headless)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00post_key")
    with pytest.raises(CorrectionError, match="cannot be read as UTF-8 CSV"):
        read_file(binary)


def test_the_command_records_exports_and_says_what_it_overrode(warehouse, tmp_path, monkeypatch,
                                                                capsys):
    for key, value in warehouse.environment().items():
        monkeypatch.setenv(key, value)
    assert main(["label", "x:1", "--sentiment", "negative", "--topic", "pungli_pemerasan",
                 "--note", "minta uang damai", "--by", "ani"]) == 0
    assert main(["label", "x:1", "--sentiment", "neutral", "--by", "budi"]) == 0
    out = capsys.readouterr().out
    assert "x:1 sentiment was 'negative' by ani" in out and "recorded" in out
    assert main(["label", "x:404", "--sentiment", "neutral", "--by", "budi"]) == 2
    assert "'x:404' is not in marts.fct_posts" in capsys.readouterr().err
    assert main(["label", "x:1", "--by", "budi"]) == 2  # no label given
    assert "no correction given" in capsys.readouterr().err
    path = tmp_path / "all.csv"
    assert export(warehouse, path) == 3
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "post_key,field,value,note,corrected_by,corrected_at,source,correction_id"
    assert len(lines) == 4


def test_a_lock_held_by_another_process_is_waited_for_then_named(warehouse):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
         "print('holding', flush=True); sys.stdin.read()", str(warehouse.warehouse_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with pytest.raises(WarehouseLockedError, match="locked by another process"):
            record(warehouse, [Correction("x:1", "sentiment", "negative")], by="ani")
    finally:
        holder.communicate("")
    assert _rows(warehouse) == []
