"""The Arrow schemas of the loader and the conversions of messages into their rows.

``POST_SCHEMA`` names the columns of ``raw.social_posts`` (the loader inserts by name, so column
order does not matter); ``post_row`` and ``posts_table`` turn events the Python validator
accepted into it, ``rejection_row`` a message it refused into a row of ``REJECT_SCHEMA``
(``raw.rejected_messages``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from pantau import contract
from pantau.exceptions import ContractViolation

KNOWN_FIELDS = frozenset(contract.schema()["properties"])

POST_SCHEMA = pa.schema([
    ("event_id", pa.string()), ("schema_version", pa.int32()), ("platform", pa.string()),
    ("post_id", pa.string()), ("url", pa.string()), ("post_type", pa.string()),
    ("parent_post_id", pa.string()), ("root_post_id", pa.string()),
    ("author_id", pa.string()), ("author_handle", pa.string()),
    ("author_display_name", pa.string()), ("author_followers", pa.int64()),
    ("author_verified", pa.bool_()), ("author_is_official", pa.bool_()),
    ("author_created_at", pa.timestamp("us")), ("text", pa.string()), ("lang", pa.string()),
    ("created_at", pa.timestamp("us")), ("observed_at", pa.timestamp("us")),
    ("likes", pa.int64()), ("replies", pa.int64()), ("shares", pa.int64()),
    ("quotes", pa.int64()), ("views", pa.int64()),
    ("hashtags", pa.list_(pa.string())), ("mentions", pa.list_(pa.string())),
    ("media_urls", pa.list_(pa.string())),
    ("source_name", pa.string()), ("source_version", pa.string()), ("extra", pa.string()),
    ("kafka_topic", pa.string()), ("kafka_partition", pa.int32()), ("kafka_offset", pa.int64()),
    ("kafka_timestamp", pa.timestamp("ms")), ("ingested_at", pa.timestamp("us")),
])
RAW_BATCH_SCHEMA = pa.schema([
    ("kafka_topic", pa.string()), ("kafka_partition", pa.int32()), ("kafka_offset", pa.int64()),
    ("kafka_timestamp", pa.timestamp("ms")), ("value", pa.string()),
])
#: A batch as the consuming thread gathers it: Arrow columns, not one Python object per message.
MESSAGES_SCHEMA = pa.schema([
    ("kafka_partition", pa.int32()), ("kafka_offset", pa.int64()),
    ("kafka_timestamp", pa.timestamp("ms")), ("kafka_key", pa.binary()), ("value", pa.binary()),
])
REJECT_SCHEMA = pa.schema([
    ("kafka_topic", pa.string()), ("kafka_partition", pa.int32()), ("kafka_offset", pa.int64()),
    ("kafka_timestamp", pa.timestamp("ms")), ("kafka_key", pa.string()),
    ("raw_value", pa.binary()), ("raw_text", pa.string()), ("error", pa.string()),
    ("error_field", pa.string()), ("rejected_at", pa.timestamp("us")),
])


def as_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """The values as UTF-8 strings; a value that is not valid UTF-8 becomes null (and so goes to
    the Python validator, which names the problem)."""
    try:
        return values.cast(pa.string())
    except pa.ArrowInvalid:
        pass

    def text(value: bytes | None) -> str | None:
        try:
            return value.decode("utf-8") if value is not None else None
        except UnicodeDecodeError:
            return None

    return pa.chunked_array([pa.array([text(v) for v in values.to_pylist()], pa.string())])

def naive_utc(value: str) -> datetime:
    if value.endswith("Z"):  # the common form: no offset arithmetic needed
        return datetime.fromisoformat(value[:-1])
    return datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)


def post_row(event: dict[str, Any], message: Any) -> tuple[Any, ...]:
    """One valid event as a tuple in the column order of ``POST_SCHEMA`` (less ingested_at)."""
    author, metrics, source = event["author"], event["metrics"], event["source"]
    extra = ({k: v for k, v in event.items() if k not in KNOWN_FIELDS}
             if len(event) > len(KNOWN_FIELDS) else None)
    return (
        event["event_id"], event["schema_version"], event["platform"], event["post_id"],
        event["url"], event["post_type"], event["parent_post_id"], event["root_post_id"],
        author["id"], author["handle"], author["display_name"], author["followers"],
        author["verified"], author["is_official"],
        naive_utc(account_created) if (account_created := author.get("created_at")) else None,
        event["text"], event["lang"],
        naive_utc(event["created_at"]), naive_utc(event["observed_at"]),
        metrics["likes"], metrics["replies"], metrics["shares"], metrics["quotes"],
        metrics["views"], event["hashtags"], event["mentions"], event["media_urls"],
        source["name"], source["version"],
        json.dumps(extra, ensure_ascii=False) if extra else None,
        message.topic, message.partition, message.offset,
        message.timestamp if message.timestamp and message.timestamp > 0 else None,
    )


def posts_table(rows: list[tuple[Any, ...]], now: datetime) -> pa.Table:
    """Rows to an Arrow table, column by column (much faster than ``from_pylist`` of dicts)."""
    fields = list(POST_SCHEMA)
    if not rows:
        return POST_SCHEMA.empty_table()
    transposed = zip(*rows, strict=True)
    columns = [pa.array(values, type=field.type)
               for values, field in zip(transposed, fields[:-1], strict=True)]
    columns.append(pa.array([now] * len(rows), type=fields[-1].type))
    return pa.Table.from_arrays(columns, schema=POST_SCHEMA)


def rejection_row(message: Any, violation: ContractViolation, now: datetime) -> dict[str, Any]:
    value: bytes | None = message.value
    try:
        text = value.decode("utf-8") if value is not None else None
    except UnicodeDecodeError:
        text = None
    return {
        "kafka_topic": message.topic, "kafka_partition": message.partition,
        "kafka_offset": message.offset,
        "kafka_timestamp": datetime.fromtimestamp(message.timestamp / 1000, UTC).replace(tzinfo=None)
        if message.timestamp and message.timestamp > 0 else None,
        "kafka_key": message.key.decode("utf-8", errors="replace") if message.key else None,
        "raw_value": value, "raw_text": text.replace("\x00", "\\u0000") if text else text,
        "error": violation.reason, "error_field": violation.field, "rejected_at": now,
    }
