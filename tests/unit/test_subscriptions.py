"""The subscriptions file: what it accepts, how scopes match, and errors that name the line."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pantau.notify.subscriptions import SubscriptionError, load_subscriptions
from pantau.settings import PROJECT_DIR, Settings

GOOD = """\
channels:
  - name: humas-jaksel
    type: telegram
    chat_id: "-1001234567890"
  - name: ops-slack
    type: slack
  - name: kabid
    type: email
    to: [kabid.humas@example.go.id]
  - name: siem
    type: webhook
    url: https://hooks.example.org/pantau
subscriptions:
  - channel: humas-jaksel
    scope: {polres: [polres_metro_jakarta_selatan]}
    kinds: [spike_opened, response_overdue]
    quiet_hours: {start: "22:00", end: "05:30", timezone: Asia/Jakarta}
  - channel: ops-slack
    scope: national
    kinds: [spike_opened]
    min_severity: high
  - channel: kabid
    scope: {polda: [polda_metro_jaya]}
    kinds: [spike_opened, viral_positive_post]
    reports: [weekly]
  - channel: siem
    scope: all
    kinds: [issue_closed]
"""
SECRETS = '{"ops-slack": "https://hooks.slack.com/services/T0/B0/x", "siem": "k3y"}'


def settings_for(tmp_path: Path, text: str, secrets: str = SECRETS) -> Settings:
    path = tmp_path / "subscriptions.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return Settings.from_env({"PANTAU_STATE_DIR": str(tmp_path), "PANTAU_NOTIFY_SECRETS": secrets,
                              "PANTAU_NOTIFY_SUBSCRIPTIONS": str(path)})


def test_the_shipped_file_is_valid_and_declares_no_channel():
    loaded = load_subscriptions(Settings.from_env({}), PROJECT_DIR / "notifications" /
                                "subscriptions.yml")
    assert not loaded.configured and loaded.subscriptions == ()


def test_a_good_file_and_how_its_scopes_match(tmp_path):
    loaded = load_subscriptions(settings_for(tmp_path, GOOD))
    assert sorted(loaded.channels) == ["humas-jaksel", "kabid", "ops-slack", "siem"]
    jaksel, national, polda, everything = loaded.subscriptions
    event = {"kind": "spike_opened", "severity": "low", "unit_level": "polres",
             "polres_id": "polres_metro_jakarta_selatan", "polda_id": "polda_metro_jaya"}
    assert jaksel.matches(**event) and polda.matches(**event)
    assert not national.matches(**event) and not everything.matches(**event)  # kind
    assert not jaksel.matches(**{**event, "polres_id": "polres_bogor"})
    wave = {**event, "unit_level": "national", "polres_id": None, "polda_id": None}
    assert not national.matches(**wave)  # below its minimum severity
    assert national.matches(**{**wave, "severity": "high"})
    assert not polda.matches(**{**wave, "polda_id": "polda_metro_jaya"})  # a national wave
    assert everything.matches(**{**wave, "kind": "issue_closed"})
    assert jaksel.quiet_hours is not None
    assert jaksel.quiet_hours.contains(datetime(2026, 11, 29, 16, tzinfo=UTC))  # 23:00 WIB
    assert not jaksel.quiet_hours.contains(datetime(2026, 11, 29, 0, tzinfo=UTC))  # 07:00 WIB
    assert loaded.secrets == {"ops-slack": "https://hooks.slack.com/services/T0/B0/x",
                              "siem": "k3y"}
    assert "k3y" not in repr(loaded) and "hooks.slack" not in repr(loaded)


@pytest.mark.parametrize(("edit", "line", "words"), [
    (("type: telegram", "type: whatsapp"), 3, "channels.0.type: must be one of"),
    (("kinds: [spike_opened, response_overdue]", "kinds: [spike_opened, trending]"), 16,
     "trending"),
    (("polres_metro_jakarta_selatan]", "polres_metro_jakarta_selatn]"), 15,
     "did you mean 'polres_metro_jakarta_selatan'"),
    (("channel: ops-slack", "channel: ops-slak"), 18, "did you mean 'ops-slack'"),
    (('chat_id: "-1001234567890"', "chatid: 1"), 4, "unknown field"),
    (("timezone: Asia/Jakarta", "timezone: WIB"), 17, "unknown time zone 'WIB'"),
    (("min_severity: high", "min_severity: critical"), 21, "min_severity: must be one of"),
    (("scope: all", "scope: {all: true, national: true}"), 27, "exactly one of"),
    (("    to: [kabid.humas@example.go.id]\n", ""), 7, "needs `to`"),
    (("reports: [weekly]", "reports: [monthly]"), 25, "reports.0"),
    (('start: "22:00"', 'start: "25:00"'), 17, "quiet_hours.start"),
    (("url: https://hooks.example.org/pantau", "url: file:///etc/passwd"), 12, "url"),
])
def test_each_mistake_names_its_line(tmp_path, edit, line, words):
    old, new = edit
    assert old in GOOD
    with pytest.raises(SubscriptionError) as error:
        load_subscriptions(settings_for(tmp_path, GOOD.replace(old, new, 1)))
    message = str(error.value)
    assert f"subscriptions.yml:{line}:" in message, message
    assert words in message, message


def test_a_missing_secret_names_the_setting_and_the_channel(tmp_path):
    with pytest.raises(SubscriptionError, match=r"subscriptions.yml:5: slack channel 'ops-slack' "
                       r"needs its webhook URL in PANTAU_NOTIFY_SECRETS under 'ops-slack'"):
        load_subscriptions(settings_for(tmp_path, GOOD, secrets='{"siem": "k3y"}'))
    with pytest.raises(SubscriptionError, match="PANTAU_NOTIFY_SECRETS is not valid JSON"):
        load_subscriptions(settings_for(tmp_path, GOOD, secrets="ops-slack=https://x"))
    with pytest.raises(SubscriptionError, match="must be a JSON object"):
        load_subscriptions(settings_for(tmp_path, GOOD, secrets='["k3y"]'))


@pytest.mark.parametrize(("text", "words"), [
    ("channels: [\n  {name: a, type: file\n", "subscriptions.yml:3: not valid YAML"),
    ("- just\n- a list\n", "subscriptions.yml:1: the file must be a mapping"),
    ("a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n",
     "subscriptions.yml:2: YAML aliases (*name) are not allowed"),
    ("channels: !!python/object/apply:os.system [echo pwned]\n", "not valid YAML"),
    ("channels:\n\t- name: a\n", "not valid YAML"),
])
def test_hostile_or_broken_files_are_refused_with_their_line(tmp_path, text, words):
    with pytest.raises(SubscriptionError) as error:
        load_subscriptions(settings_for(tmp_path, text))
    assert words in str(error.value), str(error.value)


def test_a_file_that_is_not_text_or_far_too_large_is_refused(tmp_path):
    settings = settings_for(tmp_path, "")
    settings.notify_subscriptions.write_bytes(b"channels: []\n\xff\xfe")
    with pytest.raises(SubscriptionError, match="not UTF-8"):
        load_subscriptions(settings)
    settings.notify_subscriptions.write_bytes(b"#" * 1_000_001)
    with pytest.raises(SubscriptionError, match="larger than 1,000,000 bytes"):
        load_subscriptions(settings)
    settings.notify_subscriptions.unlink()
    assert not load_subscriptions(settings).configured  # no file: no channel
