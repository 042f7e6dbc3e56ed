"""The subscriptions file: the channels notifications go to, and who hears of what.

A YAML file under version control (``PANTAU_NOTIFY_SUBSCRIPTIONS``, by default
``notifications/subscriptions.yml``) that analysts edit::

    channels:
      - name: humas-jaksel          # a name of your choice, used below and in the ledger
        type: telegram              # telegram, slack, email, webhook or file
        chat_id: "-1001234567890"
      - name: ops-slack
        type: slack                 # its webhook URL: PANTAU_NOTIFY_SECRETS["ops-slack"]
    subscriptions:
      - channel: humas-jaksel
        scope: {polres: [polres_metro_jakarta_selatan]}   # or {polda: [...]}, national, all
        kinds: [spike_opened, response_overdue, issue_answered]
        min_severity: medium        # low (default), medium or high
        quiet_hours: {start: "22:00", end: "06:00", timezone: Asia/Jakarta}
        reports: [weekly]           # email channels: the daily/weekly reports of the scope

Every mistake (an unknown channel type or kind, a Polres id that is not in the seeds, a
subscription naming a channel that is not declared, a secret missing from
``PANTAU_NOTIFY_SECRETS``) is a :class:`SubscriptionError` naming the file and line, raised when
the build reads the file: the build fails before anything is written to the outbox.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pantau.exceptions import TerminalError
from pantau.settings import Settings

#: What a subscription can ask for.
Kind = Literal["spike_opened", "viral_negative_post", "viral_positive_post", "response_overdue",
               "issue_answered", "issue_closed"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
Severity = Literal["low", "medium", "high"]
SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3}
ChannelType = Literal["telegram", "slack", "email", "webhook", "file"]
#: A subscriptions file is a page or two; anything much larger is a mistake.
MAX_FILE_BYTES = 1_000_000
#: Channel types whose secret comes from ``PANTAU_NOTIFY_SECRETS`` under the channel's name.
SECRET_CHANNELS = {"slack": "webhook URL", "webhook": "HMAC key"}


class SubscriptionError(TerminalError):
    """The subscriptions file cannot be used; the message names the file, line and fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Channel(_Strict):
    """Where messages go. Which fields a type needs is checked by :func:`_check_channel`."""

    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    type: ChannelType
    chat_id: str | int | None = None  # telegram: a chat id or @channelusername
    to: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]] | None = None
    url: Annotated[str, Field(pattern=r"^https?://", max_length=2048)] | None = None  # webhook
    path: str | None = None  # file: a JSON Lines file (default PANTAU_NOTIFY_SINK_PATH)


class Scope(_Strict):
    """Which units a subscription hears of; exactly one of the four."""

    polres: list[str] | None = None
    polda: list[str] | None = None
    national: bool = False
    all: bool = False


class QuietHours(_Strict):
    """Local times between which nothing is sent; what falls in them is sent as one digest
    when they end. ``start`` after ``end`` spans midnight."""

    start: time
    end: time
    timezone: str = "Asia/Jakarta"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as "
                             "Asia/Jakarta, Asia/Makassar or Asia/Jayapura)") from None
        return value

    def contains(self, moment: datetime) -> bool:
        """Whether ``moment`` (aware) falls in the quiet hours."""
        local = moment.astimezone(ZoneInfo(self.timezone)).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


class Subscription(_Strict):
    channel: str
    scope: Scope | Literal["national", "all"]
    kinds: list[Kind] = Field(min_length=1)
    min_severity: Severity = "low"
    quiet_hours: QuietHours | None = None
    reports: list[Literal["daily", "weekly"]] = Field(default_factory=list)

    @property
    def resolved_scope(self) -> Scope:
        if isinstance(self.scope, Scope):
            return self.scope
        return Scope(national=self.scope == "national", all=self.scope == "all")

    def matches(self, *, kind: str, severity: str, unit_level: str | None,
                polres_id: str | None, polda_id: str | None) -> bool:
        """Whether an event of this kind, severity and unit reaches this subscription.

        Scope: ``polres`` ids hear of their Polres' events; ``polda`` ids of the Polda's own
        waves and of its Polres' events; ``national`` of national waves (Polri) only; ``all``
        of everything.
        """
        if kind not in self.kinds or SEVERITY_RANK[severity] < SEVERITY_RANK[self.min_severity]:
            return False
        scope = self.resolved_scope
        if scope.all:
            return True
        if scope.national:
            return unit_level == "national"
        if scope.polres is not None:
            return polres_id is not None and polres_id in scope.polres
        return unit_level != "national" and polda_id is not None and polda_id in (
            scope.polda or [])


class _File(_Strict):
    channels: list[Channel] = Field(default_factory=list)
    subscriptions: list[Subscription] = Field(default_factory=list)


@dataclass(frozen=True)
class Subscriptions:
    """The parsed file: channels by name, subscriptions in file order, and the secrets of the
    channels that need one (never printed: see :meth:`__repr__`)."""

    path: Path
    channels: dict[str, Channel]
    subscriptions: tuple[Subscription, ...]
    secrets: dict[str, str]

    def __repr__(self) -> str:
        return (f"Subscriptions({str(self.path)!r}, channels={sorted(self.channels)}, "
                f"subscriptions={len(self.subscriptions)})")

    @property
    def configured(self) -> bool:
        """Whether any channel is declared (without one, events go to the local sink)."""
        return bool(self.channels)


def _lines(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """The 1-based line of every node of a composed YAML document, by its path of keys and
    indices (the path pydantic reports in ``loc``)."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
            lines[(*path, name)] = key.start_mark.line + 1
            lines.update(_lines(value, (*path, name)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_lines(item, (*path, index)))
    return lines


def _line_of(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int:
    """The line of the deepest known prefix of ``loc`` (pydantic adds union branch names)."""
    known = tuple(part for part in loc if not (isinstance(part, str) and part in (
        "Scope", "literal['national','all']", "function-after[_known_zone(), str]")))
    while known and known not in lines:
        known = known[:-1]
    return lines.get(known, 1)


def _closest(value: str, choices: list[str]) -> str:
    near = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]
                     if not (isinstance(part, str) and ("[" in part or part == "Scope")))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field"
    elif error["type"] == "literal_error":
        message = f"must be one of {error['ctx']['expected']}, got {error['input']!r}"
    return f"{where}: {message}" if where else message


def _secrets(settings: Settings) -> dict[str, str]:
    text = settings.notify_secrets
    if not text:
        return {}
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise SubscriptionError(
            f"PANTAU_NOTIFY_SECRETS is not valid JSON ({error.msg} at column {error.colno}); it "
            'must be an object of channel name to secret, e.g. {"ops-slack": "https://…"}') from None
    if not isinstance(parsed, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in parsed.items()):
        raise SubscriptionError("PANTAU_NOTIFY_SECRETS must be a JSON object of channel name to "
                                'a non-empty text secret, e.g. {"ops-slack": "https://…"}')
    return parsed


def load_subscriptions(settings: Settings, path: Path | None = None) -> Subscriptions:
    """Read and check the subscriptions file (a missing file is an empty one: no channel).

    Raises:
        SubscriptionError: the file, line and what is wrong, with the fix where there is one.
    """
    from pantau.contract.reference import load_polda, load_polres

    path = path or settings.notify_subscriptions
    secrets = _secrets(settings)
    if not path.exists():
        return Subscriptions(path, {}, (), {})
    if path.stat().st_size > MAX_FILE_BYTES:
        raise SubscriptionError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes; is it the "
                                "subscriptions file?")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SubscriptionError(f"{path}: not UTF-8 text (byte {error.start})") from None
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):  # billion laughs: refused, not expanded
                raise SubscriptionError(f"{path}:{event.start_mark.line + 1}: YAML aliases "
                                        "(*name) are not allowed here; write the values out")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise SubscriptionError(f"{path}{line}: not valid YAML: {problem}") from None
    if data is None:
        return Subscriptions(path, {}, (), {})
    lines = _lines(root) if root is not None else {}
    if not isinstance(data, dict):
        raise SubscriptionError(f"{path}:1: the file must be a mapping with `channels` and "
                                "`subscriptions` lists")
    try:
        parsed = _File.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise SubscriptionError(
            f"{path}:{_line_of(lines, tuple(first['loc']))}: {_describe(first)}"
            + (f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else "")
        ) from None

    def fail(loc: tuple[Any, ...], message: str) -> SubscriptionError:
        return SubscriptionError(f"{path}:{_line_of(lines, loc)}: {message}")

    channels: dict[str, Channel] = {}
    for index, channel in enumerate(parsed.channels):
        loc = ("channels", index)
        if channel.name in channels:
            raise fail((*loc, "name"), f"channel {channel.name!r} is declared twice")
        if channel.type == "telegram" and channel.chat_id in (None, ""):
            raise fail(loc, f"telegram channel {channel.name!r} needs a chat_id")
        if channel.type == "email" and not channel.to:
            raise fail(loc, f"email channel {channel.name!r} needs `to` (a list of addresses)")
        if channel.type == "webhook" and not channel.url:
            raise fail(loc, f"webhook channel {channel.name!r} needs a url (http or https)")
        if channel.type in SECRET_CHANNELS and channel.name not in secrets:
            raise fail(loc, f"{channel.type} channel {channel.name!r} needs its "
                            f"{SECRET_CHANNELS[channel.type]} in PANTAU_NOTIFY_SECRETS under "
                            f"{channel.name!r}")
        channels[channel.name] = channel

    polres_ids = sorted(p.polres_id for p in load_polres())
    polda_ids = sorted(p.polda_id for p in load_polda())
    for index, subscription in enumerate(parsed.subscriptions):
        loc = ("subscriptions", index)
        if subscription.channel not in channels:
            raise fail((*loc, "channel"), f"channel {subscription.channel!r} is not declared "
                       f"under `channels`{_closest(subscription.channel, sorted(channels))}")
        scope = subscription.resolved_scope
        chosen = [scope.polres is not None, scope.polda is not None, scope.national, scope.all]
        if sum(chosen) != 1:
            raise fail((*loc, "scope"), "scope must be exactly one of {polres: [ids]}, "
                                        "{polda: [ids]}, national or all")
        for key, known in (("polres", polres_ids), ("polda", polda_ids)):
            for position, unit in enumerate(getattr(scope, key) or []):
                if unit not in known:
                    raise fail((*loc, "scope", key, position),
                               f"unknown {key} id {unit!r}{_closest(unit, known)}; the ids are "
                               f"those of dbt_project/seeds/{key}.csv")
        if subscription.reports and channels[subscription.channel].type != "email":
            raise fail((*loc, "reports"), "reports go to email channels only")
    return Subscriptions(path, channels, tuple(parsed.subscriptions),
                         {name: secrets[name] for name in channels if name in secrets})
