"""Daily upkeep of the working warehouse: checkpoint, raw retention, Kafka lag report.

Each function is one task of the ``maintenance`` DAG (and runs without Airflow just as well).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pantau.connections import warehouse
from pantau.exceptions import KafkaUnavailableError
from pantau.settings import Settings

log = logging.getLogger(__name__)


def checkpoint(settings: Settings) -> dict[str, Any]:
    """``CHECKPOINT`` the warehouse: fold the WAL into the file and reclaim freed blocks."""
    wal = settings.warehouse_path.with_name(settings.warehouse_path.name + ".wal")
    wal_bytes = wal.stat().st_size if wal.exists() else 0
    con = warehouse.connect(settings.warehouse_path)
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    size = settings.warehouse_path.stat().st_size
    log.info("checkpoint: WAL of %d bytes folded in; the warehouse is %d bytes", wal_bytes, size)
    return {"wal_bytes_before": wal_bytes, "warehouse_bytes": size}


#: Old observations that are not the latest of their post (the same order as
#: ``staging.stg_social_posts`` uses to pick the latest), so every post keeps one row in raw.
_RETENTION = """
    delete from raw.social_posts
    where observed_at < ?
        and event_id not in (
            select event_id from raw.social_posts
            qualify row_number() over (
                partition by platform, post_id
                order by observed_at desc, kafka_partition, kafka_offset desc
            ) = 1
        )
"""


def apply_retention(settings: Settings, *, now: datetime | None = None) -> dict[str, Any]:
    """Delete raw observations older than ``PANTAU_RAW_RETENTION_DAYS``, keeping each post's latest.

    Posts therefore never disappear from the marts; only the history of their metrics shortens.
    The loader's dedup is by ``event_id`` against raw, so a producer that resends a deleted old
    observation would add it again — harmless, as it is not the latest of its post.
    """
    now = now or datetime.now(UTC).replace(tzinfo=None)
    cutoff = now - timedelta(days=settings.raw_retention_days)
    con = warehouse.connect(settings.warehouse_path)
    try:
        warehouse.ensure_raw(con)
        before = int(warehouse.scalar(con, "select count(*) from raw.social_posts"))
        con.execute("begin")
        con.execute(_RETENTION, [cutoff])
        con.execute("commit")
        after = int(warehouse.scalar(con, "select count(*) from raw.social_posts"))
    finally:
        con.close()
    log.info("retention: deleted %d raw observations older than %s (kept the latest of each "
             "post); %d remain", before - after, cutoff, after)
    return {"deleted": before - after, "remaining": after, "cutoff": cutoff.isoformat()}


@dataclass(frozen=True)
class PartitionLag:
    """One partition: the loader's next offset (from DuckDB) against the topic's end offset."""

    topic: str
    partition: int
    stored_offset: int | None
    end_offset: int

    @property
    def lag(self) -> int:
        return self.end_offset - (self.stored_offset or 0)


def kafka_lag(settings: Settings) -> list[PartitionLag]:
    """Per partition of the posts topic: ``ops.kafka_offsets`` against the end offsets.

    The report is also appended to ``ops.kafka_lag`` (history) and logged as a table.

    Raises:
        KafkaUnavailableError: no broker answers (transient; the task retries).
    """
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    topic = settings.topic_posts
    try:
        consumer = KafkaConsumer(**settings.kafka_client_config(), enable_auto_commit=False,
                                 request_timeout_ms=15000)
    except KafkaError as error:
        raise KafkaUnavailableError(settings.kafka_bootstrap_servers, str(error)) from error
    try:
        partitions = sorted(consumer.partitions_for_topic(topic) or [])
        ends = consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
    except KafkaError as error:
        raise KafkaUnavailableError(settings.kafka_bootstrap_servers, str(error)) from error
    finally:
        consumer.close()
    con = warehouse.connect(settings.warehouse_path)
    try:
        warehouse.ensure_raw(con)
        stored = dict(con.execute(
            "select partition, next_offset from ops.kafka_offsets where topic = ?",
            [topic]).fetchall())
        report = [PartitionLag(topic, p, stored.get(p), int(ends[TopicPartition(topic, p)]))
                  for p in partitions]
        now = datetime.now(UTC).replace(tzinfo=None)
        if report:
            con.executemany("insert into ops.kafka_lag values (?, ?, ?, ?, ?, ?)",
                            [[now, r.topic, r.partition, r.stored_offset, r.end_offset, r.lag]
                             for r in report])
    finally:
        con.close()
    lines = [f"{r.topic}[{r.partition}]: loaded up to "
             f"{'-' if r.stored_offset is None else r.stored_offset}, end {r.end_offset}, "
             f"lag {r.lag}" for r in report]
    log.info("Kafka lag of %s (total %d):\n%s", topic, sum(r.lag for r in report),
             "\n".join(lines) or "(topic has no partitions)")
    return report
