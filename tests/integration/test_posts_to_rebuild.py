"""The posts an incremental build rebuilds are worked out once per build
(int_posts_to_rebuild), and a model reads them there only while the table holds for it: built
in this run, from a watermark no later than the model's. Otherwise the model works its set out
itself, as before. The hashtag war, keyed by alert, rebuilds only the alerts those posts (or a
new or moved window) touch and keeps the others' rows. Either way the models equal a full
build, on the export-like loads of test_build_slices (a wave, its retweets and replies,
campaigns, the wave crawled again)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pantau.settings import Settings
from pantau.transform.dbt import dbt_build, run_dbt
from pantau.transform.text.versions import model_version
from tests.integration.test_build_slices import LOADS, _load, _recrawl, _rows
from tests.support import query

pytestmark = pytest.mark.integration

#: the incremental models that read the set: a per-post model and an aggregate of each kind
READERS = {"fct_posts": "marts", "int_author_totals": "intermediate",
           "mart_hashtags_daily": "marts", "int_unit_hours_counted": "intermediate"}


def _read_the_table(settings: Settings) -> dict[str, bool]:
    """Whether each reader's last run read its posts from int_posts_to_rebuild (its query as
    dbt compiled it)."""
    run = settings.state_dir / "dbt" / "target" / "compiled" / "pantau" / "models"
    return {model: "rebuilt.changed_at >" in (run / folder / f"{model}.sql").read_text()
            for model, folder in READERS.items()}


#: The models keyed by issue, each with the key of its issues
KEYED_BY_ISSUE = {"mart_issue_hashtag_war": "alert_id",
                  "int_issue_responses_matched": "unit_id || ':' || alert_number",
                  "int_issue_campaign_shares": "alert_id"}


def _kept_and_rebuilt(settings: Settings, table: str = "marts.mart_issue_hashtag_war",
                      ) -> tuple[set[str], set[str]]:
    """The issues whose rows of ``table`` the last build kept and those it built: the keys its
    run inserted are in ops.changed_keys__<model> (macros/tests_of_changed_rows.sql)."""
    model = table.split(".")[1]
    key = KEYED_BY_ISSUE[model]
    rows = query(settings, f"""
        select distinct {key}, ({key}) in (select {key} from ops.changed_keys__{model})
        from {table}""")
    return {issue for issue, built in rows if not built}, {issue for issue, built in rows if built}


def test_the_posts_to_rebuild_are_read_once_and_worked_out_when_the_table_does_not_hold(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings.replace(dbt_build_slice_rows=0)
    _recrawl(tmp_path / "wave_recrawled.csv")
    _load(settings, tmp_path, LOADS[:2])
    assert dbt_build(settings).failed == 0  # the first build: nothing incremental

    # an incremental build: every reader reads the table, which holds the new posts and more
    alerts_before = query(settings, "select alert_id, ended_at from marts.mart_issue_alerts")
    _load(settings, tmp_path, LOADS[2:3])
    assert dbt_build(settings).failed == 0
    # the new posts (October) fall in no alert's window, but they close the campaign's open
    # alert (August), whose window so moved: only its rows are built again (it has none left:
    # its hashtagged posts came after its end), the wave's alerts (May) keep theirs
    moved = {alert for alert, _ in set(query(
        settings, "select alert_id, ended_at from marts.mart_issue_alerts")) - set(alerts_before)}
    kept, rebuilt = _kept_and_rebuilt(settings)
    assert len(moved) == 1 and not moved & kept and rebuilt <= moved
    assert len(kept) >= 5 and all(":202405" in alert for alert in kept)
    # nor are the official responses of the wave's issues (May) found again, nor their
    # campaign shares counted again: only the moved alert's (every issue has a share)
    kept, rebuilt = _kept_and_rebuilt(settings, "intermediate.int_issue_responses_matched")
    assert kept and not rebuilt
    kept, rebuilt = _kept_and_rebuilt(settings, "intermediate.int_issue_campaign_shares")
    assert rebuilt == moved and len(kept) >= 5
    assert _read_the_table(settings) == dict.fromkeys(READERS, True)
    ((in_table, new),) = query(settings, """
        select count(*), count(*) filter (where created_at is not null)
        from ops.int_posts_to_rebuild""")
    assert in_table >= new > 0

    # a build of a selection that leaves the table out (and int_author_totals, which then lags
    # behind): staging moved on since the table was built, so the readers work their sets out
    _load(settings, tmp_path, LOADS[3:4])
    process = run_dbt(settings, "build", "--exclude", "int_posts_to_rebuild", "int_author_totals",
                      "--exclude-resource-type", "unit_test",
                      "--vars", json.dumps({"text_model_version": model_version()}))
    assert process.returncode == 0, (settings.state_dir / "dbt" / "build.log").read_text()[-3000:]
    ran = _read_the_table(settings)
    del ran["int_author_totals"]  # not run: what it compiled is the last build's
    assert ran == {"fct_posts": False, "mart_hashtags_daily": False,
                   "int_unit_hours_counted": False}

    # the next build: the table holds from fct_posts' watermark, after int_author_totals': that
    # model works its set out (two loads' worth), the others read the table
    _load(settings, tmp_path, LOADS[4:])
    assert dbt_build(settings).failed == 0
    assert _read_the_table(settings) == {**dict.fromkeys(READERS, True),
                                         "int_author_totals": False}
    # the wave crawled again: the alerts whose windows hold a post it observed again are built
    # again, the alerts of the wave's later hours (none of its posts) keep their rows
    kept, rebuilt = _kept_and_rebuilt(settings)
    ((recrawled_until,),) = query(settings, """
        select max(created_at) from ops.int_posts_to_rebuild""")
    windows = dict(query(settings, "select alert_id, started_at from marts.mart_issue_alerts"))
    assert kept and rebuilt
    assert all(windows[alert] > recrawled_until for alert in kept)
    assert all(windows[alert] <= recrawled_until for alert in rebuilt)
    # and the responses whose window holds a post crawled again are found again
    assert _kept_and_rebuilt(settings, "intermediate.int_issue_responses_matched")[1]

    # a setting the hashtag war reads changes (and back): every alert is built again, nothing new
    stances = query(settings, "select alert_id, hashtag, stance from marts.mart_issue_hashtag_war")
    for stance_min_net in ("0.9", "0.2"):  # the mart tunables dbt reads come from the process
        monkeypatch.setenv("PANTAU_HASHTAG_STANCE_MIN_NET", stance_min_net)
        assert dbt_build(settings).failed == 0
        kept, rebuilt = _kept_and_rebuilt(settings)
        assert not kept and len(rebuilt) >= 10
        # the responses do not read that setting: none is found again
        kept, rebuilt = _kept_and_rebuilt(settings, "intermediate.int_issue_responses_matched")
        assert kept and not rebuilt
        changed = set(query(settings, "select alert_id, hashtag, stance "
                                      "from marts.mart_issue_hashtag_war")) ^ set(stances)
        assert bool(changed) == (stance_min_net == "0.9")
    incremental = _rows(settings)

    assert dbt_build(settings, full_refresh=True).failed == 0
    assert query(settings, "select count(*) from ops.int_posts_to_rebuild") == [(0,)]
    whole = _rows(settings)
    assert incremental.keys() == whole.keys() and "marts.mart_top_authors" in whole
    for table in whole:
        assert incremental[table] == whole[table], f"{table} differs from a full build"
