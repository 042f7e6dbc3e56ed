"""An issue's events keep the id an earlier build gave them when its start moves
(pantau.notify.outbox._keep_ids), read from a real warehouse's outbox."""

from __future__ import annotations

import json
from datetime import datetime

from pantau.connections import warehouse
from pantau.notify.events import Event
from pantau.notify.outbox import _keep_ids


def _row(con, build: str, ended: str | None) -> None:  # type: ignore[no-untyped-def]
    payload = {"started_at": "2026-11-20T08:00:00Z", "ended_at": ended}
    con.execute("insert into ops.notification_outbox values (?, 'old-id', 'desk', "
                "'spike_opened', 'high', 'polres_a', 'polres', 'polres_a', null, "
                "'2026-11-20 08:00:00', null, ?, '2026-11-20 09:00:00')",
                [build, json.dumps(payload)])


def test_an_event_written_open_then_closed_keeps_its_id_when_the_start_moves(tmp_path):
    con = warehouse.connect(tmp_path / "warehouse.duckdb")
    try:
        warehouse.ensure_raw(con)
        # one build wrote the issue open (no end), a later one closed: the same id and start
        _row(con, "build-1", None)
        _row(con, "build-2", "2026-11-20T12:00:00Z")
        _row(con, "build-3", None)  # reopened: the open and closed rows compare on their end
        moved = Event(event_id="new-id", kind="spike_opened", severity="high",
                      unit_id="polres_a", unit_level="polres", polres_id="polres_a",
                      polda_id=None, occurred_at=datetime(2026, 11, 20, 7, 30),
                      payload={"event_id": "new-id"},
                      started_at=datetime(2026, 11, 20, 7, 30), ended_at=None)
        _keep_ids(con, [moved], datetime(2026, 11, 19))
    finally:
        con.close()
    assert (moved.event_id, moved.payload["event_id"]) == ("old-id", "old-id")
