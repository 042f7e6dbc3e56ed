"""Delivery from the ledger to local servers speaking the real APIs' shapes: Telegram's Bot API
and Slack's incoming webhooks (the scripted HTTP fake), signed webhooks, SMTP (aiosmtpd with
STARTTLS and AUTH) and the file sink. Rate limits, waits and backoff are read off an injected
clock: nothing here sleeps."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import sqlite3

import pytest

from pantau.notify import deliver as notify
from pantau.notify.channels import message_id
from tests.http_fakes.server import FakeApi, Reply
from tests.notify_support import FakeClock, FakeSmtp, closed_port, epoch, notify_settings, outbox_row, payload

TOKEN = "7012345678:AAHt0k3nS3cr3tPartOfTheBotTokenXyZ"
HMAC_KEY = "whk-7d1f0c2e9a-signing-key"
START = epoch("2026-03-14T14:00:00+00:00")  # 21:00 WIB


def ok_telegram(message_id: int) -> Reply:
    return Reply({"ok": True, "result": {"message_id": message_id, "date": 1773496800,
                                          "chat": {"id": -1001234567890, "type": "supergroup"},
                                          "text": "…"}})


def slack_ok() -> Reply:
    return Reply(b"ok", headers={"Content-Type": "text/plain"})


def rows_of(settings) -> dict[tuple[str, str], sqlite3.Row]:
    with notify.ledger(settings) as con:
        return {(r["event_id"], r["channel"]): r for r in con.execute("select * from deliveries")}


@pytest.fixture
def api():
    with FakeApi() as server:
        yield server


def channels_file(api: FakeApi, smtp_to: str = "kabid.humas@polri.example") -> str:
    return f"""\
        channels:
          - name: humas-jaksel
            type: telegram
            chat_id: "-1001234567890"
          - name: piket-jaksel
            type: telegram
            chat_id: "-1009876543210"
          - name: ops-slack
            type: slack
          - name: siem
            type: webhook
            url: {api.url}/hooks/pantau
          - name: kabid
            type: email
            to: [{smtp_to}]
          - name: arsip
            type: file
        """


def make_settings(tmp_path, api: FakeApi, **env: str):
    secrets = json.dumps({"ops-slack": f"{api.url}/services/T0001/B0002/slackSecretPath42",
                          "siem": HMAC_KEY})
    return notify_settings(tmp_path, channels_file(api), PANTAU_NOTIFY_SECRETS=secrets,
                           PANTAU_NOTIFY_TELEGRAM_BOT_TOKEN=TOKEN,
                           PANTAU_NOTIFY_TELEGRAM_API_URL=api.url, **env)


def test_every_channel_delivers_each_event_once_within_its_rate_limits(tmp_path, api):
    with FakeSmtp(tmp_path) as smtp:
        settings = make_settings(tmp_path, api, PANTAU_NOTIFY_SMTP_PER_MINUTE="2",
                                 **smtp.env())
        events = [payload(f"spike_opened:polres_metro_jakarta_selatan:2026-03-14T1{i}")
                  for i in range(3)]
        rows = [outbox_row(channel, facts) for facts in events
                for channel in ("humas-jaksel", "piket-jaksel", "ops-slack", "siem", "arsip")]
        rows += [outbox_row("kabid", facts) for facts in events[:2]]
        assert notify.enqueue(settings, rows) == 17
        assert notify.enqueue(settings, rows) == 0  # insert-or-ignore: a later build adds nothing
        telegram = f"/bot{TOKEN}/sendMessage"
        api.script(telegram, *(ok_telegram(100 + i) for i in range(6)))
        api.script("/services/T0001/B0002/slackSecretPath42", *(slack_ok() for _ in range(3)))
        api.script("/hooks/pantau", *(Reply({"received": True}, status=202) for _ in range(3)))
        clock = FakeClock(START)

        report = notify.deliver(settings, clock=clock, sleep=clock.sleep)

        assert report.sent == 17 and report.failed == report.retrying == 0, report
        # Telegram: HTML parse mode, the chat of each channel, the event id in the text
        sent = [r.json() for r in api.received(telegram)]
        assert len(sent) == 6
        assert {m["chat_id"] for m in sent} == {"-1001234567890", "-1009876543210"}
        assert all(m["parse_mode"] == "HTML" and len(m["text"]) <= 4096 for m in sent)
        assert {e["event_id"] for e in events} == {
            m["text"].rsplit("<code>", 1)[1].removesuffix("</code>") for m in sent}
        # Slack: Block Kit with a fallback text
        slack = [r.json() for r in api.received("/services/T0001/B0002/slackSecretPath42")]
        assert len(slack) == 3 and all(m["blocks"] and m["text"] for m in slack)
        # webhook: the payload itself, signed over "<timestamp>.<body>"
        for request in api.received("/hooks/pantau"):
            body = json.loads(request.body)
            assert request.headers["X-Pantau-Event-Id"] == body["event_id"]
            expected = hmac.new(HMAC_KEY.encode(), request.headers["X-Pantau-Timestamp"].encode()
                                + b"." + request.body, hashlib.sha256).hexdigest()
            assert request.headers["X-Pantau-Signature"] == f"sha256={expected}"
            assert body["top_posts"][0]["platform"] == "x"
        # email: STARTTLS + AUTH passed (the server requires both), HTML and plain text,
        # Message-ID derived from the event id, the event id in a header
        assert len(smtp.messages) == 2
        for mail in smtp.messages:
            event_id = mail["X-Pantau-Event-Id"]
            assert mail["Message-ID"] == message_id(event_id, "kabid")
            assert mail.get_body(("plain",)).get_content().count(event_id) == 1
            assert "<table" in mail.get_body(("html",)).get_content()
        # the file sink: one JSON line per message
        lines = [json.loads(line) for line in
                 settings.notify_sink_path.read_text(encoding="utf-8").splitlines()]
        assert sorted(line["event_ids"][0] for line in lines) == sorted(e["event_id"]
                                                                        for e in events)
        # every row sent once, with the channel's id for it
        ledger = rows_of(settings)
        assert {r["status"] for r in ledger.values()} == {"sent"}
        assert {r["attempts"] for r in ledger.values()} == {1}
        assert {ledger[(e["event_id"], "humas-jaksel")]["response_id"] for e in events} <= {
            str(100 + i) for i in range(6)}
        # rate limits, read off the injected clock: Telegram 1/s per chat and 25/s per bot,
        # Slack 1/s per webhook, SMTP 2 per minute
        def times(channel: str) -> list[float]:
            return sorted(epoch(r["sent_at"].replace("Z", "+00:00"))
                          for (_, name), r in ledger.items() if name == channel)
        for channel, spacing in (("humas-jaksel", 1.0), ("piket-jaksel", 1.0),
                                 ("ops-slack", 1.0), ("kabid", 30.0)):
            gaps = [b - a for a, b in itertools.pairwise(times(channel))]
            assert gaps and min(gaps) >= spacing - 1e-6, (channel, gaps)
        both = sorted(times("humas-jaksel") + times("piket-jaksel"))
        assert min(b - a for a, b in itertools.pairwise(both)) >= 1 / 25 - 1e-6
        assert clock.now - START < 31  # the channels were served in turn, not one after another

        # a rerun sends nothing again
        before = (len(api.requests), len(smtp.messages), len(lines))
        again = notify.deliver(settings, clock=clock, sleep=clock.sleep)
        assert again.messages == 0
        assert (len(api.requests), len(smtp.messages),
                len(settings.notify_sink_path.read_text().splitlines())) == before


def test_telegram_errors_rate_limit_bad_request_and_bad_token(tmp_path, api):
    settings = make_settings(tmp_path, api)
    a, b, c = (payload(f"viral_negative_post:x:190000000000000000{i}", "viral_negative_post")
               for i in range(3))
    notify.enqueue(settings, [outbox_row("humas-jaksel", f) for f in (a, b)])
    telegram = f"/bot{TOKEN}/sendMessage"
    api.script(telegram,
               Reply({"ok": False, "error_code": 429,
                      "description": "Too Many Requests: retry after 7",
                      "parameters": {"retry_after": 7}}, status=429),
               ok_telegram(501),
               Reply({"ok": False, "error_code": 400,
                      "description": "Bad Request: can't parse entities: Unsupported start tag"},
                     status=400))
    clock = FakeClock(START)

    report = notify.deliver(settings, clock=clock, sleep=clock.sleep)

    ledger = rows_of(settings)
    first, second = ledger[(a["event_id"], "humas-jaksel")], ledger[(b["event_id"], "humas-jaksel")]
    # waited as Telegram asked, then sent
    assert epoch(first["sent_at"].replace("Z", "+00:00")) - START >= 7
    assert (first["status"], first["attempts"], first["response_id"]) == ("sent", 2, "501")
    assert second["status"] == "failed" and second["next_attempt_at"] is None  # permanent
    assert "can't parse entities" in second["last_error"]
    assert report.sent == 1 and report.failed == 1

    # a bad token (401): recorded, retried after the backoff, and sent once it is fixed
    notify.enqueue(settings, [outbox_row("piket-jaksel", c), outbox_row("siem", c)])
    api.script(telegram, Reply({"ok": False, "error_code": 401, "description": "Unauthorized"},
                               status=401))
    api.script("/hooks/pantau", Reply({}, status=200))
    report = notify.deliver(settings, clock=clock, sleep=clock.sleep)
    down = rows_of(settings)[(c["event_id"], "piket-jaksel")]
    assert down["status"] == "failed" and down["next_attempt_at"] is not None
    assert "Telegram 401: Unauthorized" in down["last_error"]
    assert "PANTAU_NOTIFY_TELEGRAM_BOT_TOKEN" in down["last_error"]
    assert rows_of(settings)[(c["event_id"], "siem")]["status"] == "sent"  # the other went on
    assert report.sent == 1 and report.retrying == 1
    for row in rows_of(settings).values():
        assert TOKEN not in (row["last_error"] or "") and TOKEN.split(":")[1] not in (
            row["last_error"] or "")

    assert notify.deliver(settings, clock=clock, sleep=clock.sleep).messages == 0  # not yet due
    clock.now = epoch(down["next_attempt_at"].replace("Z", "+00:00"))
    api.script(telegram, ok_telegram(777))
    retry = notify.deliver(settings, clock=clock, sleep=clock.sleep)
    assert retry.sent == 1 and retry.messages == 1  # the permanent failure is not retried
    assert rows_of(settings)[(c["event_id"], "piket-jaksel")]["response_id"] == "777"


def test_slack_errors_retry_after_invalid_payload_and_a_disabled_webhook(tmp_path, api):
    settings = make_settings(tmp_path, api)
    events = [payload(f"response_overdue:alert-{i}", "response_overdue", overdue_minutes=35)
              for i in range(4)]
    notify.enqueue(settings, [outbox_row("ops-slack", f) for f in events])
    path = "/services/T0001/B0002/slackSecretPath42"
    api.script(path,
               Reply(b"rate_limited", status=429, headers={"Retry-After": "4",
                                                           "Content-Type": "text/plain"}),
               slack_ok(),
               Reply(b"invalid_payload", status=400, headers={"Content-Type": "text/plain"}),
               Reply(b"no_service", status=404, headers={"Content-Type": "text/plain"}))
    clock = FakeClock(START)

    report = notify.deliver(settings, clock=clock, sleep=clock.sleep)

    ledger = [rows_of(settings)[(f["event_id"], "ops-slack")] for f in events]
    assert 4.0 in clock.slept
    assert [r["status"] for r in ledger] == ["sent", "failed", "failed", "pending"]
    assert ledger[1]["next_attempt_at"] is None and "invalid_payload" in ledger[1]["last_error"]
    assert "no_service" in ledger[2]["last_error"] and ledger[2]["next_attempt_at"]
    # the webhook is disabled: the fourth is not even tried, it waits with the reason
    assert ledger[3]["attempts"] == 0 and "no_service" in ledger[3]["last_error"]
    assert ledger[3]["next_attempt_at"] == ledger[2]["next_attempt_at"]
    assert len(api.received(path)) == 4
    assert report.sent == 1 and report.failed == 1 and report.retrying == 2
    assert all("slackSecretPath42" not in (r["last_error"] or "") for r in ledger)


def test_smtp_temporary_and_permanent_answers(tmp_path, api):
    with FakeSmtp(tmp_path) as smtp:
        settings = make_settings(tmp_path, api, **smtp.env())
        events = [payload(f"issue_closed:alert-{i}", "issue_closed") for i in range(3)]
        notify.enqueue(settings, [outbox_row("kabid", f) for f in events])
        smtp.answers.extend(["451 4.3.0 Mail server temporarily rejected message",
                             "550 5.7.1 Message rejected as spam"])
        clock = FakeClock(START)
        notify.deliver(settings, clock=clock, sleep=clock.sleep)
        ledger = [rows_of(settings)[(f["event_id"], "kabid")] for f in events]
        assert [r["status"] for r in ledger] == ["failed", "failed", "sent"]
        assert "SMTP 451" in ledger[0]["last_error"] and ledger[0]["next_attempt_at"]
        assert "SMTP 550" in ledger[1]["last_error"] and ledger[1]["next_attempt_at"] is None
        assert len(smtp.messages) == 1

        # a wrong password: recorded as the channel being down, retried later
        wrong = settings.replace(notify_smtp_password="not-the-password")
        clock.now += 3600
        notify.deliver(wrong, clock=clock, sleep=clock.sleep)
        first = rows_of(settings)[(events[0]["event_id"], "kabid")]
        assert "SMTP login refused (535)" in first["last_error"] and first["attempts"] == 2
        assert "not-the-password" not in first["last_error"]

        clock.now += 3 * 3600
        notify.deliver(settings, clock=clock, sleep=clock.sleep)
        assert rows_of(settings)[(events[0]["event_id"], "kabid")]["status"] == "sent"
        assert len(smtp.messages) == 2


def test_a_bad_bot_token_and_a_down_smtp_server_are_retried_while_the_others_deliver(tmp_path,
                                                                                      api):
    settings = make_settings(tmp_path, api, PANTAU_NOTIFY_SMTP_HOST="127.0.0.1",
                             PANTAU_NOTIFY_SMTP_PORT=str(closed_port()))
    events = [payload(f"spike_opened:polresta_denpasar:2026-03-14T1{i}") for i in range(2)]
    notify.enqueue(settings, [outbox_row(channel, f) for f in events
                              for channel in ("humas-jaksel", "kabid", "siem", "arsip")])
    api.script(f"/bot{TOKEN}/sendMessage",
               Reply({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401))
    api.script("/hooks/pantau", Reply({}, status=204), Reply({}, status=204))
    clock = FakeClock(START)

    report = notify.deliver(settings, clock=clock, sleep=clock.sleep)

    ledger = rows_of(settings)
    assert len(api.received(f"/bot{TOKEN}/sendMessage")) == 1  # one try, then the bot is down
    for f in events:
        assert ledger[(f["event_id"], "siem")]["status"] == "sent"
        assert ledger[(f["event_id"], "arsip")]["status"] == "sent"
        for channel, reason in (("humas-jaksel", "Telegram 401"), ("kabid", "not reachable")):
            row = ledger[(f["event_id"], channel)]
            assert row["status"] in ("failed", "pending") and reason in row["last_error"]
            assert row["next_attempt_at"] is not None  # retried later
    assert report.sent == 4 and report.retrying == 4 and report.failed == 0
    state = notify.status(settings)
    assert state.counts["siem"] == {"sent": 2}
    assert {f.channel for f in state.failures} == {"humas-jaksel", "kabid"}


def test_quiet_hours_hold_events_and_send_one_digest_per_channel_when_they_end(tmp_path, api):
    settings = make_settings(tmp_path, api)
    quiet = {"start": "22:00", "end": "06:00", "timezone": "Asia/Jakarta"}
    events = [payload(f"spike_opened:polres_metro_jakarta_selatan:2026-03-14T1{i}")
              for i in range(3)]
    notify.enqueue(settings, [outbox_row(channel, f, quiet_hours=quiet) for f in events
                              for channel in ("humas-jaksel", "siem")])
    clock = FakeClock(epoch("2026-03-14T16:30:00+00:00"))  # 23:30 WIB

    held = notify.deliver(settings, clock=clock, sleep=clock.sleep)
    assert held.held == 6 and held.messages == 0 and api.requests == []

    clock.now = epoch("2026-03-14T23:05:00+00:00")  # 06:05 WIB
    api.script(f"/bot{TOKEN}/sendMessage", ok_telegram(900))
    api.script("/hooks/pantau", Reply({}, status=200))
    report = notify.deliver(settings, clock=clock, sleep=clock.sleep)

    assert report.messages == 2 and report.sent == 6
    (telegram,) = [r.json() for r in api.received(f"/bot{TOKEN}/sendMessage")]
    assert "Ringkasan 3 notifikasi selama jam tenang" in telegram["text"]
    (hook,) = api.received("/hooks/pantau")
    body = hook.json()
    assert body["kind"] == "digest" and sorted(body["event_ids"]) == sorted(
        f["event_id"] for f in events)
    assert hook.headers["X-Pantau-Event-Id"].startswith("digest:")
    ledger = rows_of(settings)
    assert {r["digest_id"] for (_, ch), r in ledger.items() if ch == "siem"} == {
        hook.headers["X-Pantau-Event-Id"]}
    assert notify.deliver(settings, clock=clock, sleep=clock.sleep).messages == 0


def test_a_channel_removed_from_the_file_is_recorded_not_lost(tmp_path, api):
    settings = make_settings(tmp_path, api)
    facts = payload()
    notify.enqueue(settings, [outbox_row("old-channel", facts)])
    report = notify.deliver(settings, clock=FakeClock(START))
    row = rows_of(settings)[(facts["event_id"], "old-channel")]
    assert report.failed == 1 and row["status"] == "failed"
    assert "no longer declared" in row["last_error"]


def test_a_second_run_at_the_same_time_does_nothing(tmp_path, api):
    from pantau.exceptions import TransientError
    from pantau.notify.deliver import _run_lock

    settings = make_settings(tmp_path, api)
    with _run_lock(settings), pytest.raises(TransientError, match="Another `pantau notify`"):
        notify.deliver(settings, clock=FakeClock(START))


def test_the_dashboard_shows_failed_deliveries_to_logged_in_users_only(tmp_path, api):
    import httpx

    from pantau.serve.auth import Users, add_user
    from pantau.serve.dashboard import create_app
    from pantau.serve.server import start_in_thread

    settings = make_settings(tmp_path, api)
    facts = payload()
    notify.enqueue(settings, [outbox_row("humas-jaksel", facts), outbox_row("siem", facts)])
    api.script(f"/bot{TOKEN}/sendMessage",
               Reply({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401))
    api.script("/hooks/pantau", Reply({}, status=200))
    notify.deliver(settings, clock=FakeClock(START))
    users_file = tmp_path / "dashboard-users"
    add_user(users_file, "siti", "sandi-rahasia-1")
    app = create_app(tmp_path / "no-snapshot-yet.duckdb", users=Users(users_file),
                     session_key="test-key-" + "k" * 32,
                     notify_ledger=settings.notify_ledger_path)
    with start_in_thread(app) as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/api/notifications").status_code == 401
        client.post("/login", data={"username": "siti", "password": "sandi-rahasia-1"})
        answer = client.get("/api/notifications")
    assert answer.status_code == 200
    body = answer.json()
    assert body["channels"] == {"humas-jaksel": {"failed": 1}, "siem": {"sent": 1}}
    assert body["failed"] == 1
    (failure,) = body["failures"]
    assert failure["channel"] == "humas-jaksel" and "Telegram 401" in failure["last_error"]
    assert TOKEN not in answer.text


def test_notify_check_summarises_the_file_and_names_the_line_of_a_mistake(tmp_path, api,
                                                                           monkeypatch, capsys):
    from pantau.cli import main

    settings = make_settings(tmp_path, api)
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    assert main(["notify", "check"]) == 0
    out = capsys.readouterr().out
    assert "6 channels, 0 subscriptions" in out
    assert "channel humas-jaksel: telegram (chat -1001234567890)" in out
    assert TOKEN not in out and HMAC_KEY not in out and "slackSecretPath42" not in out

    broken = settings.notify_subscriptions
    broken.write_text(broken.read_text() + "  - name: pager\n    type: pagerduty\n")
    assert main(["notify", "check"]) == 2
    err = capsys.readouterr().err
    line = broken.read_text().splitlines().index("    type: pagerduty") + 1
    assert f"{broken}:{line}: channels.6.type" in err and "'pagerduty'" in err


def test_a_payload_that_cannot_be_read_is_recorded_and_the_rest_goes(tmp_path, api):
    settings = make_settings(tmp_path, api)
    good = payload("issue_answered:alert-1", "issue_answered")
    odd = payload("issue_answered:alert-2", "issue_answered", unit=None, top_posts="bukan list",
                  growth="NaN", response=None)
    broken = {**outbox_row("arsip", payload("issue_answered:alert-3")), "payload": "{not json"}
    notify.enqueue(settings, [outbox_row("arsip", good), outbox_row("arsip", odd), broken])
    report = notify.deliver(settings, clock=FakeClock(START))
    ledger = rows_of(settings)
    assert report.sent == 2 and report.failed == 1
    row = ledger[("issue_answered:alert-3", "arsip")]
    assert row["status"] == "failed" and row["next_attempt_at"] is None
    assert "cannot render the message (JSONDecodeError" in row["last_error"]
    lines = settings.notify_sink_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and "Pertumbuhan: ?\u00d7 baseline" in json.loads(lines[1])["text"]
