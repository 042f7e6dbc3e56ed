"""A batch of Kafka messages, gathered as Arrow columns until the loader writes it."""

from __future__ import annotations

from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from pantau.ingest.schema import MESSAGES_SCHEMA


class Message(NamedTuple):
    """One message of a batch as the Python validator sees it (the fields of a ConsumerRecord
    that it reads)."""

    topic: str
    partition: int
    offset: int
    timestamp: int | None
    key: bytes | None
    value: bytes | None


class Batch:
    """The messages of one transaction, gathered as Arrow record batches.

    Holding columns instead of kafka-python's records keeps a batch compact (the values' bytes
    plus a few fixed-width columns) and costs the consuming thread, which holds the GIL, only a
    few list comprehensions per poll.
    """

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.chunks: list[pa.RecordBatch] = []
        self.count = 0
        self.bytes = 0
        self.next_offsets: dict[int, int] = {}

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, partition: int, records: list[Any]) -> None:
        """Append the records of one partition (in offset order, as a poll returns them)."""
        values = pa.array([r.value for r in records], pa.binary())
        stamps = pa.array([r.timestamp for r in records], pa.int64())
        stamps = pc.if_else(pc.greater(stamps, 0), stamps, pa.scalar(None, pa.int64()))
        self.chunks.append(pa.record_batch([
            pa.repeat(pa.scalar(partition, pa.int32()), len(records)),
            pa.array([r.offset for r in records], pa.int64()),
            stamps.cast(pa.timestamp("ms")),
            pa.array([r.key for r in records], pa.binary()),
            values,
        ], schema=MESSAGES_SCHEMA))
        self.count += len(records)
        self.bytes += values.nbytes
        self.next_offsets[partition] = records[-1].offset + 1

    def table(self) -> pa.Table:
        return pa.Table.from_batches(self.chunks, schema=MESSAGES_SCHEMA)

    def where(self) -> str:
        """Where the batch lies in the topic, for log lines."""
        spans = ", ".join(f"[{p}]..{o - 1}" for p, o in sorted(self.next_offsets.items()))
        return f"{self.topic} {spans}"
