"""The ``social.posts.v1`` event contract: its JSON Schema and a fast validator.

The schema file beside this module is the single source of truth. Producers validate before they
send; the loader validates again after it decodes. Every violation becomes a
:class:`~pantau.exceptions.ContractViolation` whose message names the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema

from pantau.exceptions import ContractViolation

SCHEMA_PATH = Path(__file__).with_name("social_posts_v1.schema.json")
SCHEMA_VERSION = 1
#: Timestamps further than this in the future are rejected as clock or parsing errors.
MAX_FUTURE = timedelta(days=1)

Event = dict[str, Any]


@cache
def schema() -> dict[str, Any]:
    """The contract's JSON Schema, parsed."""
    with SCHEMA_PATH.open(encoding="utf-8") as handle:
        parsed: dict[str, Any] = json.load(handle)
    return parsed


@cache
def _compiled() -> Any:
    return fastjsonschema.compile(schema())


def _field_name(path: Sequence[str | int]) -> str:
    # fastjsonschema paths start with "data"; show "author.followers", "hashtags[2]".
    out = ""
    for part in path[1:]:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(event)"


def _lookup(event: Any, path: Sequence[str | int]) -> Any:
    node = event
    for part in path[1:]:
        node = node[part]
    return node


def _schema_violation(event: Any, error: fastjsonschema.JsonSchemaValueException) -> ContractViolation:
    path = list(error.path or ["data"])
    field = _field_name(path)
    if error.rule == "required":
        node = _lookup(event, path)
        missing = [name for name in error.rule_definition if name not in node]
        where = "" if field == "(event)" else f" in {field}"
        names = ", ".join(missing)
        first = missing[0] if field == "(event)" else f"{field}.{missing[0]}"
        return ContractViolation(f"missing required field{'s' if len(missing) > 1 else ''}"
                                 f"{where}: {names}", first)
    message = error.message.replace("data.", "", 1) if error.message.startswith("data.") else (
        error.message.replace("data", field, 1))
    return ContractViolation(message, field)


_UTC_SUFFIX = re.compile(r"(Z|[+-]00:?00)$")


def _timestamp(event: Event, key: str, now: datetime, *, field: str | None = None) -> datetime:
    value: str = event[key]
    field = field or key
    if not _UTC_SUFFIX.search(value):
        raise ContractViolation(f"{field} must be UTC (end in Z or +00:00), got {value!r}", field)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ContractViolation(f"{field} is not an ISO-8601 timestamp: {value!r}", field) from None
    if parsed > now + MAX_FUTURE:
        raise ContractViolation(f"{field} is in the future: {value}", field)
    return parsed


class _FastPath:
    """A hand-written pre-check of the hot path, with every limit read from the schema.

    It answers True only for events it can see are valid; anything else (including every
    invalid event) goes to the full JSON Schema validator, which decides and explains. So the
    schema stays the single source of truth, and tests check that this pre-check never accepts
    what the schema rejects.
    """

    _UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")

    def __init__(self, spec: dict[str, Any]) -> None:
        props = spec["properties"]
        self.required = frozenset(spec["required"])
        self.author_required = frozenset(props["author"]["required"])
        self.metric_names = tuple(props["metrics"]["required"])
        self.source_required = frozenset(props["source"]["required"])
        self.uuid = re.compile(props["event_id"]["pattern"])
        self.lang = re.compile(props["lang"]["pattern"])
        self.platforms = frozenset(props["platform"]["enum"])
        self.post_types = frozenset(props["post_type"]["enum"])
        self.version = props["schema_version"]["const"]

        def limit(node: dict[str, Any], key: str = "maxLength") -> int:
            return int(node[key])

        self.max_id = limit(props["post_id"])
        self.max_url = limit(props["url"])
        self.max_parent = limit(props["parent_post_id"])
        self.max_root = limit(props["root_post_id"])
        self.max_text = limit(props["text"])
        author = props["author"]["properties"]
        self.max_count = int(author["followers"]["maximum"])
        self.max_author_id = limit(author["id"])
        self.max_handle = limit(author["handle"])
        self.max_display = limit(author["display_name"])
        self.lists = tuple((name, limit(props[name], "maxItems"), limit(props[name]["items"]))
                           for name in ("hashtags", "mentions", "media_urls"))
        source = props["source"]["properties"]
        self.max_source_name = limit(source["name"])
        self.max_source_version = limit(source["version"])

    @staticmethod
    def _str(value: Any, maximum: int, *, minimum: int = 0, nullable: bool = False) -> bool:
        if value is None:
            return nullable
        return type(value) is str and minimum <= len(value) <= maximum

    def _count(self, value: Any) -> bool:
        return value is None or (type(value) is int and 0 <= value <= self.max_count)

    def __call__(self, event: dict[str, Any]) -> bool:
        string = self._str
        if not self.required <= event.keys():
            return False
        if type(event["schema_version"]) is not int or event["schema_version"] != self.version:
            return False
        event_id = event["event_id"]
        if type(event_id) is not str or not self.uuid.match(event_id):
            return False
        platform, post_type = event["platform"], event["post_type"]
        if (type(platform) is not str or platform not in self.platforms
                or type(post_type) is not str or post_type not in self.post_types):
            return False
        if not (string(event["post_id"], self.max_id, minimum=1)
                and string(event["url"], self.max_url, nullable=True)
                and string(event["parent_post_id"], self.max_parent, nullable=True)
                and string(event["root_post_id"], self.max_root, nullable=True)
                and string(event["text"], self.max_text)):
            return False
        lang = event["lang"]
        if lang is not None and (type(lang) is not str or not self.lang.match(lang)):
            return False
        for name in ("created_at", "observed_at"):
            value = event[name]
            if type(value) is not str or not self._UTC.fullmatch(value):
                return False
        author = event["author"]
        account_created = author.get("created_at") if type(author) is dict else None
        if (type(author) is not dict or not self.author_required <= author.keys()
                or (account_created is not None and (
                    type(account_created) is not str or not self._UTC.fullmatch(account_created)))
                or not string(author["id"], self.max_author_id, minimum=1)
                or not string(author["handle"], self.max_handle, minimum=1)
                or not string(author["display_name"], self.max_display, nullable=True)
                or not self._count(author["followers"])
                or type(author["verified"]) is not bool
                or type(author["is_official"]) is not bool):
            return False
        metrics = event["metrics"]
        if type(metrics) is not dict or not all(
                name in metrics and self._count(metrics[name]) for name in self.metric_names):
            return False
        for name, max_items, max_length in self.lists:
            items = event[name]
            if type(items) is not list or len(items) > max_items or not all(
                    type(item) is str and len(item) <= max_length for item in items):
                return False
        source = event["source"]
        return (type(source) is dict and self.source_required <= source.keys()
                and string(source["name"], self.max_source_name, minimum=1)
                and string(source["version"], self.max_source_version, minimum=1))


@cache
def _fast_path() -> _FastPath:
    return _FastPath(schema())


def schema_valid(event: Any) -> bool:
    """True when ``event`` satisfies the JSON Schema (the fast pre-check, else the full one)."""
    if isinstance(event, dict) and _fast_path()(event):
        return True
    try:
        _compiled()(event)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


def validate(event: Any, *, now: datetime | None = None) -> Event:
    """Check one decoded event against the contract.

    Args:
        event: the decoded JSON value.
        now: the reference time for "not in the future" (defaults to the current UTC time).

    Returns:
        The event itself, for chaining.

    Raises:
        ContractViolation: the first problem found; ``field`` names where it is.
    """
    if not isinstance(event, dict):
        raise ContractViolation(f"event must be a JSON object, got {type(event).__name__}")
    if not _fast_path()(event):
        try:
            _compiled()(event)
        except fastjsonschema.JsonSchemaValueException as error:
            raise _schema_violation(event, error) from None
    now = now or datetime.now(UTC)
    created = _timestamp(event, "created_at", now)
    observed = _timestamp(event, "observed_at", now)
    if observed < created:
        raise ContractViolation(
            f"observed_at ({event['observed_at']}) is before created_at ({event['created_at']})",
            "observed_at")
    account_created = event["author"].get("created_at")
    if account_created is not None:
        field = "author.created_at"
        account = _timestamp(event["author"], "created_at", now, field=field)
        if account > created:
            raise ContractViolation(
                f"{field} ({account_created}) is after the post's created_at "
                f"({event['created_at']}): an account cannot post before it exists", field)
    if "\x00" in event["text"]:
        raise ContractViolation("text contains a NUL character (U+0000)", "text")
    return event


def decode(payload: bytes | None) -> Any:
    """Decode a Kafka message value to JSON.

    Raises:
        ContractViolation: empty value, invalid UTF-8 or invalid JSON, with the position.
    """
    if payload is None or payload == b"":
        raise ContractViolation("message value is empty (a tombstone?)", "(value)")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContractViolation(f"value is not valid UTF-8 at byte {error.start}", "(value)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ContractViolation(
            f"value is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
            "(value)") from None
    except RecursionError:
        raise ContractViolation("value is not valid JSON: nested too deeply", "(value)") from None


def decode_and_validate(payload: bytes | None, *, now: datetime | None = None) -> Event:
    """:func:`decode` then :func:`validate`."""
    return validate(decode(payload), now=now)


def message_key(event: Event) -> bytes:
    """The Kafka key: ``platform:post_id``, so every observation of a post shares a partition."""
    return f"{event['platform']}:{event['post_id']}".encode()
