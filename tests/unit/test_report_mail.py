"""Email subscriptions receive their reports: queued once per report and channel, sent by SMTP
(a local aiosmtpd requiring STARTTLS and AUTH) with the PDF attached."""

from __future__ import annotations

import datetime as dt

from pantau.notify import deliver
from pantau.notify.report_mail import enqueue_reports
from pantau.reports import report_dir
from tests.notify_support import FakeSmtp, notify_settings

SUBSCRIPTIONS = """
channels:
  - {name: kabid, type: email, to: [kabid.humas@polri.example]}
  - {name: jaksel, type: email, to: [humas.jaksel@polri.example]}
  - {name: arsip, type: file}
subscriptions:
  - channel: kabid
    scope: {polda: [polda_metro_jaya]}
    kinds: [spike_opened]
    reports: [weekly]
  - channel: jaksel
    scope: {polres: [polres_metro_jakarta_selatan]}
    kinds: [spike_opened]
    reports: [daily, weekly]
  - channel: arsip
    scope: all
    kinds: [issue_closed]
"""
END = dt.date(2026, 11, 22)  # a Sunday: the ISO week 2026-W47


def _made(settings, units: list[str]) -> dict:
    folder = report_dir(settings, "week", END)
    folder.mkdir(parents=True)
    for unit in units:
        (folder / f"{unit}.pdf").write_bytes(b"%PDF-1.7\n% Pantau test report\n%%EOF\n")
        (folder / f"{unit}.html").write_text("<html></html>", encoding="utf-8")
    return {"period": "week", "label": folder.name, "end": END.isoformat(),
            "units": [*units, "polres_bogor"], "skipped": False}


def test_reports_are_mailed_once_to_the_subscriptions_that_asked_with_the_pdf(tmp_path):
    with FakeSmtp(tmp_path) as smtp:
        settings = notify_settings(tmp_path, SUBSCRIPTIONS, **smtp.env())
        # polres_bogor's report was not made (no file): nothing is queued for it
        summary = _made(settings, ["polda_metro_jaya", "polres_metro_jakarta_selatan"])

        assert enqueue_reports(settings, summary) == 2  # the Polda's to kabid, the Polres' to jaksel
        assert enqueue_reports(settings, summary) == 0  # a repeated run queues nothing again
        assert enqueue_reports(settings, {**summary, "period": "day"}) == 0  # no daily made
        report = deliver.deliver(settings)

        assert report.sent == 2 and report.failed == 0, report
        by_to = {mail["To"]: mail for mail in smtp.messages}
        assert sorted(by_to) == ["humas.jaksel@polri.example", "kabid.humas@polri.example"]
        polda = by_to["kabid.humas@polri.example"]
        assert polda["Subject"].startswith("[Pantau] Laporan mingguan — Polda Metro Jaya")
        (attachment,) = list(polda.iter_attachments())
        assert attachment.get_filename() == "polda_metro_jaya.pdf"
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_content().startswith(b"%PDF-1.7")
        assert deliver.deliver(settings).sent == 0  # sent once


def test_a_report_that_vanished_before_sending_fails_for_good_with_the_reason(tmp_path):
    with FakeSmtp(tmp_path) as smtp:
        settings = notify_settings(tmp_path, SUBSCRIPTIONS, **smtp.env())
        summary = _made(settings, ["polda_metro_jaya"])
        assert enqueue_reports(settings, summary) == 1
        (report_dir(settings, "week", END) / "polda_metro_jaya.pdf").unlink()

        report = deliver.deliver(settings)

        assert report.sent == 0 and report.failed == 1 and not smtp.messages
        (failure,) = deliver.status(settings).failures
        assert "polda_metro_jaya.pdf cannot be read" in failure.last_error
