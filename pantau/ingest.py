"""The loader: Kafka ``social.posts.v1`` into ``raw.social_posts``, exactly once.

Each batch is decoded and validated; valid events go to ``raw.social_posts``, everything else to
``raw.rejected_messages`` with its reason, and ``ops.kafka_offsets`` advances — all in one DuckDB
transaction. On start the loader resumes from the offsets stored in DuckDB, so a crash at any
point neither loses nor duplicates a message. It also commits the offsets to Kafka afterwards,
only so that standard tools can show the consumer lag.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from pantau import contract, warehouse
from pantau.exceptions import ContractViolation, KafkaUnavailableError
from pantau.settings import Settings

log = logging.getLogger(__name__)

_KNOWN = frozenset(contract.schema()["properties"])

_POST_SCHEMA = pa.schema([
    ("event_id", pa.string()), ("schema_version", pa.int32()), ("platform", pa.string()),
    ("post_id", pa.string()), ("url", pa.string()), ("post_type", pa.string()),
    ("parent_post_id", pa.string()), ("root_post_id", pa.string()),
    ("author_id", pa.string()), ("author_handle", pa.string()),
    ("author_display_name", pa.string()), ("author_followers", pa.int64()),
    ("author_verified", pa.bool_()), ("author_is_official", pa.bool_()),
    ("text", pa.string()), ("lang", pa.string()),
    ("created_at", pa.timestamp("us")), ("observed_at", pa.timestamp("us")),
    ("likes", pa.int64()), ("replies", pa.int64()), ("shares", pa.int64()),
    ("quotes", pa.int64()), ("views", pa.int64()),
    ("hashtags", pa.list_(pa.string())), ("mentions", pa.list_(pa.string())),
    ("media_urls", pa.list_(pa.string())),
    ("source_name", pa.string()), ("source_version", pa.string()), ("extra", pa.string()),
    ("kafka_topic", pa.string()), ("kafka_partition", pa.int32()), ("kafka_offset", pa.int64()),
    ("kafka_timestamp", pa.timestamp("ms")), ("ingested_at", pa.timestamp("us")),
])
_REJECT_SCHEMA = pa.schema([
    ("kafka_topic", pa.string()), ("kafka_partition", pa.int32()), ("kafka_offset", pa.int64()),
    ("kafka_timestamp", pa.timestamp("ms")), ("kafka_key", pa.string()),
    ("raw_value", pa.binary()), ("raw_text", pa.string()), ("error", pa.string()),
    ("error_field", pa.string()), ("rejected_at", pa.timestamp("us")),
])


@dataclass
class IngestReport:
    """Counts of one loader run."""

    loaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        rate = (self.loaded + self.rejected) / self.seconds if self.seconds else 0.0
        return (f"loaded {self.loaded}, rejected {self.rejected}, duplicates skipped "
                f"{self.duplicates}, in {self.batches} batches, {self.seconds:.1f}s "
                f"({rate:,.0f} msg/s)")


def _naive_utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)


def _row(event: dict[str, Any], message: Any, now: datetime) -> dict[str, Any]:
    author, metrics, source = event["author"], event["metrics"], event["source"]
    extra = {k: v for k, v in event.items() if k not in _KNOWN}
    return {
        "event_id": event["event_id"], "schema_version": event["schema_version"],
        "platform": event["platform"], "post_id": event["post_id"], "url": event["url"],
        "post_type": event["post_type"], "parent_post_id": event["parent_post_id"],
        "root_post_id": event["root_post_id"],
        "author_id": author["id"], "author_handle": author["handle"],
        "author_display_name": author["display_name"], "author_followers": author["followers"],
        "author_verified": author["verified"], "author_is_official": author["is_official"],
        "text": event["text"], "lang": event["lang"],
        "created_at": _naive_utc(event["created_at"]),
        "observed_at": _naive_utc(event["observed_at"]),
        "likes": metrics["likes"], "replies": metrics["replies"], "shares": metrics["shares"],
        "quotes": metrics["quotes"], "views": metrics["views"],
        "hashtags": event["hashtags"], "mentions": event["mentions"],
        "media_urls": event["media_urls"],
        "source_name": source["name"], "source_version": source["version"],
        "extra": json.dumps(extra, ensure_ascii=False) if extra else None,
        "kafka_topic": message.topic, "kafka_partition": message.partition,
        "kafka_offset": message.offset,
        "kafka_timestamp": datetime.fromtimestamp(message.timestamp / 1000, UTC).replace(tzinfo=None)
        if message.timestamp and message.timestamp > 0 else None,
        "ingested_at": now,
    }


def _rejection(message: Any, violation: ContractViolation, now: datetime) -> dict[str, Any]:
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


class Loader:
    """Consumes the posts topic into the warehouse.

    :meth:`run` drains what is waiting and returns (the Airflow task, `pantau ingest`); with
    ``follow=True`` it keeps going until ``stop`` is set (`pantau ingest --follow`, SIGTERM).
    A transaction commits when it holds ``ingest_batch_size`` messages or ``ingest_batch_bytes``
    bytes, or ``ingest_commit_interval_s`` has passed, whichever comes first.
    """

    def __init__(self, settings: Settings,
                 on_progress: Callable[[IngestReport, int], None] | None = None,
                 *, progress_interval_s: float = 2.0) -> None:
        self.settings = settings
        self.on_progress = on_progress
        self.progress_interval_s = progress_interval_s

    def _consumer(self) -> KafkaConsumer:
        try:
            return KafkaConsumer(
                **self.settings.kafka_client_config(),
                client_id="pantau-loader",
                bootstrap_timeout_ms=15_000,
                group_id=self.settings.consumer_group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=self.settings.ingest_batch_size,
                fetch_max_bytes=min(64 * 1024 * 1024, self.settings.ingest_batch_bytes),
                max_partition_fetch_bytes=8 * 1024 * 1024,
            )
        except KafkaError as error:
            raise KafkaUnavailableError(self.settings.kafka_bootstrap_servers,
                                        type(error).__name__) from None

    def run(self, *, follow: bool = False, stop: threading.Event | None = None) -> IngestReport:
        """Load messages until drained (or, with ``follow``, until ``stop`` is set).

        Raises:
            WarehouseLockedError: another process writes the warehouse; nothing was consumed.
            KafkaUnavailableError: no broker answered at start, or for longer than
                ``ingest_broker_wait_s`` during the run (what was loaded until then stays).
        """
        started = time.monotonic()
        stop = stop or threading.Event()
        report = IngestReport()
        topic = self.settings.topic_posts
        con = warehouse.connect(self.settings.warehouse_path)
        try:
            warehouse.ensure_raw(con)
            stored = dict(con.execute(
                "select partition, next_offset from ops.kafka_offsets where topic = ?", [topic]
            ).fetchall())
            consumer = self._consumer()
            try:
                partitions = self._partitions(consumer, topic)
                consumer.assign(partitions)
                for tp in partitions:
                    if tp.partition in stored:
                        consumer.seek(tp, stored[tp.partition])
                    else:
                        consumer.seek_to_beginning(tp)
                targets = consumer.end_offsets(partitions)
                self._loop(con, consumer, partitions, targets, report, follow=follow, stop=stop)
            finally:
                consumer.close()
        finally:
            con.close()
            report.seconds = time.monotonic() - started
        return report

    def _loop(self, con: Any, consumer: KafkaConsumer, partitions: list[TopicPartition],
              targets: dict[TopicPartition, int], report: IngestReport, *, follow: bool,
              stop: threading.Event) -> None:
        settings = self.settings
        buffer: list[Any] = []
        buffer_bytes = 0
        last_commit = last_message = last_progress = last_health_check = time.monotonic()
        outage_logged = False
        while not stop.is_set():
            drained = not follow and self._drained(consumer, targets)
            now = time.monotonic()
            due = now - last_commit >= settings.ingest_commit_interval_s
            if buffer and (drained or due or len(buffer) >= settings.ingest_batch_size
                           or buffer_bytes >= settings.ingest_batch_bytes):
                self._write(con, buffer, report)
                self._commit_to_kafka(consumer, buffer)
                buffer, buffer_bytes, last_commit = [], 0, time.monotonic()
            elif not buffer:
                last_commit = now
            if drained:
                break
            if self.on_progress and now - last_progress >= self.progress_interval_s:
                if follow:
                    targets = self._end_offsets(consumer, partitions) or targets
                self.on_progress(report, self._lag(consumer, targets))
                last_progress = now
            batch = consumer.poll(timeout_ms=500,
                                  max_records=max(1, settings.ingest_batch_size - len(buffer)))
            messages = [m for records in batch.values() for m in records]
            if messages:
                if outage_logged:
                    log.warning("Kafka at %s answers again; loading resumes",
                                settings.kafka_bootstrap_servers)
                    outage_logged = False
                buffer.extend(messages)
                buffer_bytes += sum(len(m.value or b"") for m in messages)
                last_message = time.monotonic()
                continue
            now = time.monotonic()
            silent = now - last_message
            if silent < 5 or now - last_health_check < 5:
                continue
            last_health_check = now
            if self._broker_answers():
                continue  # quiet topic (follow) or a slow fetch: the broker is there
            if not outage_logged:
                log.warning(
                    "Kafka at %s is unreachable; waiting and retrying for up to %ss "
                    "(loaded %d so far, nothing is lost: offsets are in DuckDB)",
                    settings.kafka_bootstrap_servers, settings.ingest_broker_wait_s,
                    report.loaded)
                outage_logged = True
            if silent > settings.ingest_broker_wait_s:
                if buffer:
                    self._write(con, buffer, report)
                raise KafkaUnavailableError(
                    settings.kafka_bootstrap_servers,
                    f"no answer for {settings.ingest_broker_wait_s}s during ingest; "
                    f"loaded {report.loaded} before that")
        if buffer:  # stopped by a signal: keep what was already fetched
            self._write(con, buffer, report)
            self._commit_to_kafka(consumer, buffer)
        if self.on_progress:
            self.on_progress(report, self._lag(consumer, targets))

    def _broker_answers(self) -> bool:
        from pantau.kafka import broker_alive

        return broker_alive(self.settings, timeout_s=2.0)

    @staticmethod
    def _end_offsets(consumer: KafkaConsumer, partitions: list[TopicPartition]
                     ) -> dict[TopicPartition, int] | None:
        try:
            return consumer.end_offsets(partitions)
        except KafkaError:
            return None

    @staticmethod
    def _partitions(consumer: KafkaConsumer, topic: str) -> list[TopicPartition]:
        deadline = time.monotonic() + 30
        while True:
            ids = consumer.partitions_for_topic(topic)
            if ids:
                return [TopicPartition(topic, p) for p in sorted(ids)]
            if time.monotonic() > deadline:
                raise KafkaUnavailableError(
                    ",".join(consumer.config["bootstrap_servers"]),
                    f"topic {topic} does not exist; `pantau stack up` creates it")
            time.sleep(0.2)

    @staticmethod
    def _lag(consumer: KafkaConsumer, targets: dict[TopicPartition, int]) -> int:
        return sum(max(0, end - consumer.position(tp)) for tp, end in targets.items())

    @staticmethod
    def _drained(consumer: KafkaConsumer, targets: dict[TopicPartition, int]) -> bool:
        return all(consumer.position(tp) >= end for tp, end in targets.items())

    def _write(self, con: Any, messages: list[Any], report: IngestReport) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        rows: list[dict[str, Any]] = []
        rejects: list[dict[str, Any]] = []
        next_offsets: dict[tuple[str, int], int] = {}
        for message in messages:
            key = (message.topic, message.partition)
            next_offsets[key] = max(next_offsets.get(key, 0), message.offset + 1)
            try:
                event = contract.decode_and_validate(message.value)
                rows.append(_row(event, message, now))
            except ContractViolation as violation:
                rejects.append(_rejection(message, violation, now))
                report.reasons[violation.reason[:80]] = report.reasons.get(
                    violation.reason[:80], 0) + 1
        posts = pa.Table.from_pylist(rows, schema=_POST_SCHEMA)
        rejected = pa.Table.from_pylist(rejects, schema=_REJECT_SCHEMA)
        offsets = pa.table({
            "topic": [k[0] for k in next_offsets], "partition": [k[1] for k in next_offsets],
            "next_offset": list(next_offsets.values()),
        })
        con.begin()
        try:
            before = warehouse.scalar(con, "select count(*) from raw.social_posts")
            con.register("batch_posts", posts)
            con.execute("""
                insert or ignore into raw.social_posts
                select distinct on (event_id) * from batch_posts order by event_id, kafka_offset
            """)
            after = warehouse.scalar(con, "select count(*) from raw.social_posts")
            con.register("batch_rejected", rejected)
            con.execute("insert into raw.rejected_messages select * from batch_rejected")
            con.register("batch_offsets", offsets)
            con.execute("""
                insert or replace into ops.kafka_offsets
                select topic, partition, next_offset, now()::timestamp from batch_offsets
            """)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            for name in ("batch_posts", "batch_rejected", "batch_offsets"):
                con.unregister(name)
        report.loaded += after - before
        report.duplicates += len(rows) - (after - before)
        report.rejected += len(rejects)
        report.batches += 1

    @staticmethod
    def _commit_to_kafka(consumer: KafkaConsumer, messages: list[Any]) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for m in messages:
            tp = TopicPartition(m.topic, m.partition)
            offsets[tp] = OffsetAndMetadata(m.offset + 1, "", -1)
        try:
            consumer.commit(offsets)
        except KafkaError as error:  # only for lag visibility; DuckDB holds the truth
            log.warning("could not commit offsets to Kafka (lag display only): %s", error)
