"""Exactly once, end to end: publish hands a published build's outbox rows (a real DuckDB
warehouse) to the ledger, never an unpublished build's nor a later build's repeat of an event;
a real `pantau notify` child process killed with SIGKILL mid-delivery repeats at most the one
message in flight, with the same event id; secrets never reach logs or `pantau notify status`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest

from pantau.cli import main
from pantau.connections import warehouse
from pantau.notify import deliver as notify
from pantau.publish.snapshot import publish
from pantau.settings import PROJECT_DIR
from tests.http_fakes.server import FakeApi, Reply
from tests.notify_support import notify_settings, outbox_row, payload

pytestmark = pytest.mark.integration

HMAC_KEY = "whk-0b9e5c1d-signing-key-of-the-siem"
TOKEN = "7012345678:AAHsecretHalfOfTheBotToken0123456789"
SLACK_URL_PATH = "/services/T0001/B0002/slackSecretPath42"
SMTP_PASSWORD = "smtp-p4ssw0rd-rahasia"


def webhook_file(api: FakeApi) -> str:
    return f"""\
        channels:
          - name: siem
            type: webhook
            url: {api.url}/hooks/pantau
        """


def child_env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env.update(settings.environment())
    env["PYTHONPATH"] = str(PROJECT_DIR)
    return env


def pantau(settings, *args: str, **kwargs):  # type: ignore[no-untyped-def]
    return subprocess.Popen([sys.executable, "-m", "pantau.cli", *args], env=child_env(settings),
                            cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kwargs)


def test_publish_hands_off_only_published_builds_and_each_event_once(tmp_path):
    settings = notify_settings(tmp_path, "", PANTAU_PG_PUBLISH="false")
    first, second, third = (payload(f"spike_opened:polres_metro_jakarta_selatan:2026-03-14T1{i}")
                            for i in range(3))
    con = warehouse.connect(settings.warehouse_path)
    try:
        warehouse.ensure_raw(con)
        con.execute("create schema if not exists marts")
        con.execute("create table marts.mart_example as select 1 as x")
        now = datetime.now(UTC).replace(tzinfo=None)

        def write(build: str, *events: dict) -> None:
            for facts in events:
                row = outbox_row("sink", facts, build_id=build)
                con.execute("""
                    insert into ops.notification_outbox (build_id, event_id, channel, kind,
                        severity, unit_id, unit_level, polres_id, polda_id, occurred_at,
                        quiet_hours, payload, written_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                            [*row.values(), now])

        write("run-1", first)
        write("run-2", first, second)  # a build whose publish never happened
        write("run-3", first, third)  # the same event again, and a new one
    finally:
        con.close()

    publish(settings, run_id="run-1")
    with notify.ledger(settings) as led:
        assert [tuple(r) for r in led.execute("select event_id, build_id from deliveries")] == [
            (first["event_id"], "run-1")]
    publish(settings, run_id="run-3")
    with notify.ledger(settings) as led:
        rows = {r[0]: r[1] for r in led.execute("select event_id, build_id from deliveries")}
        builds = {r[0] for r in led.execute("select build_id from handoffs")}
    assert rows == {first["event_id"]: "run-1", third["event_id"]: "run-3"}
    assert builds == {"run-1", "run-3"}
    assert notify.handoff(settings).builds == 0  # each build is read once

    report = notify.deliver(settings)  # no channel declared: the local sink
    lines = [json.loads(line) for line in settings.notify_sink_path.read_text().splitlines()]
    assert report.sent == 2 and sorted(line["event_ids"][0] for line in lines) == sorted(rows)
    assert notify.deliver(settings).messages == 0


def test_kill_9_mid_delivery_repeats_at_most_the_message_in_flight(tmp_path):
    with FakeApi() as api:
        settings = notify_settings(tmp_path, webhook_file(api),
                                   PANTAU_NOTIFY_SECRETS=json.dumps({"siem": HMAC_KEY}))
        events = [payload(f"viral_negative_post:x:19000000000000000{i:02d}", "viral_negative_post")
                  for i in range(6)]
        notify.enqueue(settings, [outbox_row("siem", f) for f in events])
        in_flight = threading.Event()
        api.script("/hooks/pantau", Reply({}, status=200), Reply({}, status=200),
                   Reply({}, status=200, hold=in_flight))
        child = pantau(settings, "notify")
        try:
            assert api.wait_for(3, "/hooks/pantau", timeout=60), child.communicate(timeout=5)
            child.send_signal(signal.SIGKILL)  # the third message is sent, not yet recorded
            assert child.wait(timeout=30) == -signal.SIGKILL
        finally:
            in_flight.set()
            if child.poll() is None:
                child.kill()
        with notify.ledger(settings) as led:
            status = dict(led.execute("select event_id, status from deliveries").fetchall())
        assert [status[f["event_id"]] for f in events] == ["sent"] * 2 + ["pending"] * 4

        api.script("/hooks/pantau", *(Reply({}, status=200) for _ in range(4)))
        rerun = pantau(settings, "notify")
        out, err = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, (out, err)

        received = api.received("/hooks/pantau")
        ids = Counter(r.headers["X-Pantau-Event-Id"] for r in received)
        assert set(ids) == {f["event_id"] for f in events}  # nothing lost
        assert [n for n in ids.values() if n > 1] == [2]  # one repeat: the message in flight
        assert ids[events[2]["event_id"]] == 2
        repeats = [r for r in received if r.headers["X-Pantau-Event-Id"] == events[2]["event_id"]]
        assert repeats[0].json()["event_id"] == repeats[1].json()["event_id"] == events[2][
            "event_id"]

        assert notify.deliver(settings).messages == 0  # a rerun: zero duplicates
        assert len(api.received("/hooks/pantau")) == 7


def test_secrets_never_reach_the_logs_or_the_status(tmp_path, monkeypatch, capsys):
    with FakeApi() as api:
        subscriptions = f"""\
            channels:
              - name: humas-jaksel
                type: telegram
                chat_id: "-1001234567890"
              - name: ops-slack
                type: slack
              - name: siem
                type: webhook
                url: {api.url}/hooks/pantau
              - name: kabid
                type: email
                to: [kabid.humas@polri.example]
            """
        settings = notify_settings(
            tmp_path, subscriptions, PANTAU_NOTIFY_TELEGRAM_BOT_TOKEN=TOKEN,
            PANTAU_NOTIFY_TELEGRAM_API_URL=api.url,
            PANTAU_NOTIFY_SECRETS=json.dumps({"ops-slack": api.url + SLACK_URL_PATH,
                                              "siem": HMAC_KEY}),
            PANTAU_NOTIFY_SMTP_HOST="127.0.0.1", PANTAU_NOTIFY_SMTP_PORT="9",
            PANTAU_NOTIFY_SMTP_USERNAME="humas", PANTAU_NOTIFY_SMTP_PASSWORD=SMTP_PASSWORD)
        facts = payload()
        notify.enqueue(settings, [outbox_row(c, facts)
                                  for c in ("humas-jaksel", "ops-slack", "siem", "kabid")])
        api.script(f"/bot{TOKEN}/sendMessage",
                   Reply({"ok": False, "error_code": 401, "description": "Unauthorized"},
                         status=401))
        api.script(SLACK_URL_PATH, Reply(b"no_service", status=404,
                                         headers={"Content-Type": "text/plain"}))
        api.script("/hooks/pantau", Reply({"error": "bad gateway"}, status=502))

        run = pantau(settings, "-v", "notify")  # -v: every log line, httpx's URLs included
        out, err = run.communicate(timeout=60)
        assert run.returncode == 1  # deliveries failed: recorded, to be retried
        for name, value in child_env(settings).items():
            if name.startswith("PANTAU_"):
                monkeypatch.setenv(name, value)
        assert main(["notify", "status"]) == 0
        status_out, status_err = capsys.readouterr()
        printed = out + err + status_out + status_err
        assert "HTTP Request: POST" in err  # the URLs were logged, masked
        assert "Telegram 401: Unauthorized" in status_out and "no_service" in status_out
        assert "webhook 502" in status_out and "SMTP server 127.0.0.1:9" in status_out
        for secret in (TOKEN, TOKEN.split(":")[1], SLACK_URL_PATH, "slackSecretPath42",
                       HMAC_KEY, SMTP_PASSWORD):
            assert secret not in printed, secret
        with notify.ledger(settings) as led:
            stored = json.dumps([tuple(r) for r in led.execute(
                "select last_error, response_id from deliveries")])
        assert all(secret not in stored for secret in (TOKEN, SLACK_URL_PATH, HMAC_KEY,
                                                       SMTP_PASSWORD))
