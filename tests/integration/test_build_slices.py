"""A build in slices of raw (PANTAU_DBT_BUILD_SLICE_ROWS) equals a full build in one run: a
full build in slices, and an incremental build that catches up on a backlog in slices after a
build that failed part-way (staging ahead of the models after it). On export-like files of our
own (tests/fixtures/replay): a national complaint wave with its retweets and duplicate rows, two
copy-paste campaigns, and the same wave observed again later (new metrics of half its posts,
built in an earlier slice)."""

from __future__ import annotations

import csv
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pantau.ingest import Loader
from pantau.settings import Settings
from pantau.transform.dbt import dbt_build, raw_slices, run_dbt
from pantau.transform.text.versions import model_version
from producers import Publisher
from producers.replay import replay
from tests.support import model_rows

pytestmark = pytest.mark.integration

REPLAY = Path(__file__).resolve().parent.parent / "fixtures" / "replay"
OBSERVED = datetime(2024, 5, 14, 6, 0, tzinfo=UTC)

#: The loads, in order: (file, replay options, observed at). Each is its own load; the wave
#: comes twice, the second time crawled again a day later.
LOADS = (
    ("wave/wave_tweet_harvest.csv", {"fmt": "tweet-harvest"}, OBSERVED),
    ("campaign/campaign_tweet_harvest.csv", {"fmt": "tweet-harvest"},
     OBSERVED + timedelta(hours=1)),
    ("tweet_harvest_2024.csv", {"fmt": "tweet-harvest"}, OBSERVED + timedelta(hours=2)),
    ("wave/wave_plain_text.csv", {"fmt": "csv", "platform": "x"}, OBSERVED + timedelta(hours=3)),
    ("wave_recrawled.csv", {"fmt": "tweet-harvest"}, OBSERVED + timedelta(days=1)),
)


def _recrawl(path: Path) -> None:
    """The wave's export crawled again a day later: every other post has more likes and
    retweets (a new observation of it); the rest are unchanged (the loader keeps them once)."""
    with (REPLAY / "wave" / "wave_tweet_harvest.csv").open(newline="", encoding="utf-8") as src:
        rows = list(csv.DictReader(src))
    for row in rows[::2]:
        row["favorite_count"] = str(int(row["favorite_count"]) * 3 + 1)
        row["retweet_count"] = str(int(row["retweet_count"]) + 2)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)


def _rows(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return model_rows(con)
    finally:
        con.close()


def _load(settings: Settings, tmp_path: Path, loads: tuple[tuple[str, dict[str, str],
                                                                  datetime], ...]) -> int:
    """Replay ``loads`` and load each (in batches of 1,000 messages, each batch with its own
    ingested_at, as a stream loads them); returns the observations raw then holds."""
    for name, options, observed_at in loads:
        path = REPLAY / name if (REPLAY / name).exists() else tmp_path / name
        with Publisher(settings, source="pantau-replay-test") as publisher:
            replay(path, publisher, observed_at=observed_at, **options)
        assert publisher.report.failed == 0
        assert Loader(settings.replace(ingest_batch_size=1_000)).run().loaded > 0
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        (raw_rows,) = con.execute("select count(*) from raw.social_posts").fetchone()
    finally:
        con.close()
    return int(raw_rows)


def _slices_built(caplog: pytest.LogCaptureFixture) -> list[int]:
    """The observations staged after each slice, from the build's log (which must name each
    slice of the build in order)."""
    built = [r.getMessage() for r in caplog.records if " built in " in r.getMessage()]
    slices = len(built) + 1
    assert [m.split(" (")[0] for m in built] == [
        f"slice {n} of {slices}" for n in range(1, slices)]
    caplog.clear()
    return [int(m.split(": ")[1].split(" observations")[0].replace(",", "")) for m in built]


def test_a_build_in_slices_equals_one_in_a_single_run(
        settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _recrawl(tmp_path / "wave_recrawled.csv")
    # the first two loads built, then the other three loaded while no build ran: a backlog
    before = _load(settings, tmp_path, LOADS[:2])
    assert dbt_build(settings.replace(dbt_build_slice_rows=0)).failed == 0
    raw_rows = _load(settings, tmp_path, LOADS[2:])
    # and a sliced build that failed after staging took them in, before the models after it
    # did: staging is ahead of them
    process = run_dbt(settings, "build", "--select", "stg_post_observations", "stg_social_posts",
                      "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
                      "--vars", json.dumps({"text_model_version": model_version()}))
    assert process.returncode == 0, (settings.state_dir / "dbt" / "build.log").read_text()[-3000:]

    # an incremental build of a backlog larger than a slice catches up slice by slice, each
    # going on from what the models held: staging first rebuilt where they are (else the
    # models after it would read all it gained at once), up to what the first loads staged
    backlog = settings.replace(dbt_build_slice_rows=(raw_rows - before) // 2 + 1)
    with caplog.at_level(logging.INFO, logger="pantau.transform.dbt"):
        assert dbt_build(backlog).failed == 0
    restaged = [r.getMessage() for r in caplog.records if " staged in " in r.getMessage()]
    assert restaged and restaged[-1].endswith(f": {before:,} observations"), restaged
    staged = _slices_built(caplog)
    assert len(staged) == 1 and before < staged[0] < raw_rows, (before, staged, raw_rows)
    caught_up = _rows(settings)

    # the reference: a full build in one run (slices turned off)
    assert dbt_build(settings.replace(dbt_build_slice_rows=0), full_refresh=True).failed == 0
    whole = _rows(settings)

    # then a full build in slices over those tables: the first slice must replace them
    sliced = settings.replace(dbt_build_slice_rows=raw_rows // 3 + 1)
    cuts = raw_slices(sliced)
    assert len(cuts) == 2, cuts  # three slices: the first, one built on it, and the last
    with caplog.at_level(logging.INFO, logger="pantau.transform.dbt"):
        result = dbt_build(sliced, full_refresh=True)
    assert result.failed == 0 and result.passed > 0
    # each slice staged more of raw, the first replacing the tables of the build before
    staged = _slices_built(caplog)
    assert len(staged) == len(cuts) and 0 < staged[0] < staged[1] < raw_rows, (staged, raw_rows)
    in_slices = _rows(settings)

    assert in_slices.keys() == whole.keys() == caught_up.keys()
    assert "marts.mart_coordinated_campaigns" in whole
    for table in whole:  # every model, not only the marts
        assert in_slices[table] == whole[table], f"{table} differs from the build in one run"
        assert caught_up[table] == whole[table], f"{table}, caught up in slices, differs"
    assert len(whole["marts.mart_coordinated_campaigns"]) >= 2  # the planted campaigns


def test_the_slice_s_end_reaches_the_sql_only_as_a_timestamp(settings: Settings) -> None:
    """The var that ends a slice is checked before it reaches raw's filter."""
    hostile = "2024-05-14' or true; drop table raw.social_posts; --"
    process = run_dbt(settings, "compile", "--select", "stg_social_posts",
                      "--vars", f'{{"ingested_until": "{hostile}"}}')
    assert process.returncode != 0
    assert "Invalid isoformat string" in (settings.state_dir / "dbt" / "compile.log").read_text()

    process = run_dbt(settings, "compile", "--select", "stg_social_posts",
                      "--vars", '{"ingested_until": "2024-05-14T06:00:00.250000"}')
    assert process.returncode == 0
    compiled = next((settings.state_dir / "dbt" / "target").rglob("stg_social_posts.sql"))
    assert "ingested_at <= '2024-05-14 06:00:00.250000'::timestamp" in compiled.read_text()
