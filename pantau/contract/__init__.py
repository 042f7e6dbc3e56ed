"""The ``social.posts.v1`` event contract: its JSON Schema and a fast validator.

The schema file beside this module is the single source of truth. Producers validate before they
send; the loader validates again after it decodes. Every violation becomes a
:class:`~pantau.exceptions.ContractViolation` whose message names the field.
"""

from __future__ import annotations

import json
import re
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
        return json.load(handle)


@cache
def _compiled() -> Any:
    return fastjsonschema.compile(schema())


def _field_name(path: list[str | int]) -> str:
    # fastjsonschema paths start with "data"; show "author.followers", "hashtags[2]".
    out = ""
    for part in path[1:]:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(event)"


def _lookup(event: Any, path: list[str | int]) -> Any:
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


def _timestamp(event: Event, field: str, now: datetime) -> datetime:
    value: str = event[field]
    if not _UTC_SUFFIX.search(value):
        raise ContractViolation(f"{field} must be UTC (end in Z or +00:00), got {value!r}", field)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ContractViolation(f"{field} is not an ISO-8601 timestamp: {value!r}", field) from None
    if parsed > now + MAX_FUTURE:
        raise ContractViolation(f"{field} is in the future: {value}", field)
    return parsed


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
