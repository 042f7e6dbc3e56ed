"""Notification delivery figures: the hand-off from the outbox of a real DuckDB warehouse to the
SQLite ledger, rendering per channel format, and delivery to the local sink, with a rerun that
must send nothing.

    python bench/notify.py --events 5000

Prints one line per figure and a JSON summary. Rate limits are the services' (Telegram 1/s per
chat, Slack 1/s per webhook), so those channels' throughput is theirs, not Pantau's: the sink
shows what the ledger itself costs per message.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pantau.connections import warehouse
from pantau.notify import deliver as notify
from pantau.notify.messages import render
from pantau.settings import Settings


def _payload(number: int) -> dict:
    return {
        "event_id": f"spike_opened:polres_metro_jakarta_selatan:{number}", "kind": "spike_opened",
        "severity": "high", "occurred_at": "2026-03-14T13:05:00+00:00",
        "unit": {"unit_id": "polres_metro_jakarta_selatan", "unit_level": "polres",
                 "unit_name": "Polres Metro Jakarta Selatan",
                 "polres_id": "polres_metro_jakarta_selatan",
                 "polres_name": "Polres Metro Jakarta Selatan", "polda_id": "polda_metro_jaya",
                 "polda_name": "Polda Metro Jaya"},
        "alert_id": f"alert-{number}", "post_key": None, "topic": "pungli",
        "started_at": "2026-03-14T13:05:00+00:00", "peak_at": "2026-03-14T14:00:00+00:00",
        "ended_at": None, "is_open": True, "negative_post_count": 1284, "peak_hour_count": 412,
        "baseline_per_hour": 9.5, "growth": 43.4, "news_site_count": 3,
        "top_posts": [{"excerpt": "parah bgt pak, disuruh damai 200rb di pos " * 5,
                       "platform": "x", "engagement": 15230 - i,
                       "url": f"https://x.com/warga/status/19{number:010d}{i}",
                       "author_label": "@warga", "sentiment": "negative"} for i in range(3)],
        "response": {"responded": False, "first_response_at": None, "response_minutes": None,
                     "url": None},
        "target_minutes": 60, "overdue_minutes": None, "dashboard_url": "http://127.0.0.1:8050/",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"PANTAU_STATE_DIR": tmp, "PANTAU_NOTIFY_SUBSCRIPTIONS":
                                      str(Path(tmp) / "none.yml")})
        payloads = [_payload(i) for i in range(args.events)]
        con = warehouse.connect(settings.warehouse_path)
        try:
            warehouse.ensure_raw(con)
            now = datetime.now(UTC).replace(tzinfo=None)
            con.executemany("""
                insert into ops.notification_outbox values (?, ?, 'sink', 'spike_opened', 'high',
                    'polres_metro_jakarta_selatan', 'polres', 'polres_metro_jakarta_selatan',
                    'polda_metro_jaya', ?, null, ?, ?)""",
                            [["build-1", p["event_id"], now, json.dumps(p), now] for p in payloads])
            con.execute("""insert into audit.publish_log (run_id, success, published_path, tables,
                total_rows, seconds, error, "at", target)
                values ('build-1', true, 'x', 1, 1, 0, null, ?, 'duckdb')""", [now])
        finally:
            con.close()

        figures: dict[str, float] = {}
        started = time.perf_counter()
        moved = notify.handoff(settings)
        figures["handoff_s"] = time.perf_counter() - started
        assert moved.new == args.events, moved
        for channel in ("telegram", "slack", "email", "webhook"):
            started = time.perf_counter()
            for payload in payloads[:1000]:
                render(channel, [payload], settings)
            figures[f"render_{channel}_ms"] = (time.perf_counter() - started) / min(
                1000, len(payloads)) * 1000
        started = time.perf_counter()
        report = notify.deliver(settings)
        figures["deliver_sink_s"] = time.perf_counter() - started
        assert report.sent == args.events, report.summary()
        started = time.perf_counter()
        again = notify.deliver(settings)
        figures["rerun_s"] = time.perf_counter() - started
        assert again.messages == 0
        lines = settings.notify_sink_path.read_text(encoding="utf-8").count("\n")
        assert lines == args.events
        print(f"hand-off of {args.events:,} outbox rows: {figures['handoff_s']:.2f} s")
        for channel in ("telegram", "slack", "email", "webhook"):
            print(f"render one {channel} message: {figures[f'render_{channel}_ms']:.2f} ms")
        print(f"deliver {args.events:,} to the sink: {figures['deliver_sink_s']:.2f} s "
              f"({args.events / figures['deliver_sink_s']:,.0f} messages/s, each recorded)")
        print(f"rerun (nothing due, zero duplicates): {figures['rerun_s']:.3f} s")
        print(json.dumps({"events": args.events, **{k: round(v, 4) for k, v in figures.items()}}))


if __name__ == "__main__":
    main()
