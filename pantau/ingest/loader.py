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
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from pantau import contract
from pantau.connections import warehouse
from pantau.exceptions import ContractViolation, KafkaUnavailableError
from pantau.ingest import bulk
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
_RAW_BATCH_SCHEMA = pa.schema([
    ("kafka_topic", pa.string()), ("kafka_partition", pa.int32()), ("kafka_offset", pa.int64()),
    ("kafka_timestamp", pa.timestamp("ms")), ("value", pa.string()),
])
#: A batch as the consuming thread gathers it: Arrow columns, not one Python object per message.
_MESSAGES_SCHEMA = pa.schema([
    ("kafka_partition", pa.int32()), ("kafka_offset", pa.int64()),
    ("kafka_timestamp", pa.timestamp("ms")), ("kafka_key", pa.binary()), ("value", pa.binary()),
])
_REJECT_SCHEMA = pa.schema([
    ("kafka_topic", pa.string()), ("kafka_partition", pa.int32()), ("kafka_offset", pa.int64()),
    ("kafka_timestamp", pa.timestamp("ms")), ("kafka_key", pa.string()),
    ("raw_value", pa.binary()), ("raw_text", pa.string()), ("error", pa.string()),
    ("error_field", pa.string()), ("rejected_at", pa.timestamp("us")),
])


#: Records per poll at most: a poll's records are Python objects (about 1 KB each with their
#: value) that live only until they are copied into Arrow columns, so a few thousand suffice.
_POLL_RECORDS = 5000


class _Message(NamedTuple):
    """One message of a batch as the Python validator sees it (the fields of a ConsumerRecord
    that it reads)."""

    topic: str
    partition: int
    offset: int
    timestamp: int | None
    key: bytes | None
    value: bytes | None


class _Batch:
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
        ], schema=_MESSAGES_SCHEMA))
        self.count += len(records)
        self.bytes += values.nbytes
        self.next_offsets[partition] = records[-1].offset + 1

    def table(self) -> pa.Table:
        return pa.Table.from_batches(self.chunks, schema=_MESSAGES_SCHEMA)

    def where(self) -> str:
        """Where the batch lies in the topic, for log lines."""
        spans = ", ".join(f"[{p}]..{o - 1}" for p, o in sorted(self.next_offsets.items()))
        return f"{self.topic} {spans}"


def _as_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
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
    if value.endswith("Z"):  # the common form: no offset arithmetic needed
        return datetime.fromisoformat(value[:-1])
    return datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)


def _row(event: dict[str, Any], message: Any) -> tuple[Any, ...]:
    """One valid event as a tuple in the column order of ``_POST_SCHEMA`` (less ingested_at)."""
    author, metrics, source = event["author"], event["metrics"], event["source"]
    extra = {k: v for k, v in event.items() if k not in _KNOWN} if len(event) > len(_KNOWN) else None
    return (
        event["event_id"], event["schema_version"], event["platform"], event["post_id"],
        event["url"], event["post_type"], event["parent_post_id"], event["root_post_id"],
        author["id"], author["handle"], author["display_name"], author["followers"],
        author["verified"], author["is_official"], event["text"], event["lang"],
        _naive_utc(event["created_at"]), _naive_utc(event["observed_at"]),
        metrics["likes"], metrics["replies"], metrics["shares"], metrics["quotes"],
        metrics["views"], event["hashtags"], event["mentions"], event["media_urls"],
        source["name"], source["version"],
        json.dumps(extra, ensure_ascii=False) if extra else None,
        message.topic, message.partition, message.offset,
        message.timestamp if message.timestamp and message.timestamp > 0 else None,
    )


def _posts_table(rows: list[tuple[Any, ...]], now: datetime) -> pa.Table:
    """Rows to an Arrow table, column by column (much faster than ``from_pylist`` of dicts)."""
    fields = list(_POST_SCHEMA)
    if not rows:
        return _POST_SCHEMA.empty_table()
    transposed = zip(*rows, strict=True)
    columns = [pa.array(values, type=field.type)
               for values, field in zip(transposed, fields[:-1], strict=True)]
    columns.append(pa.array([now] * len(rows), type=fields[-1].type))
    return pa.Table.from_arrays(columns, schema=_POST_SCHEMA)


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


#: Appends the events of a batch that raw does not hold yet, the first of each event_id in the
#: batch. An anti-join rather than a primary key: DuckDB rewrites a whole ART index at every
#: checkpoint, which made each commit cost more as raw grew; scanning the event_id column is
#: cheap (DuckDB builds the hash table on the batch and streams raw's event_id column through
#: it) and stays so.
_INSERT_NEW = """
    insert into raw.social_posts
    select distinct on (event_id) {columns}
    from (select * from {batch}) as batch
    where not exists (
        select 1 from raw.social_posts as existing where existing.event_id = batch.event_id
    )
    order by event_id, kafka_offset
"""
#: How many event_ids of a batch raw holds already: a semi-join whose hash table holds only the
#: batch's event_ids, half the cost of an anti-join that carries every column of the batch.
_KNOWN_IDS = """
    select count(*) from raw.social_posts
    where event_id in (select event_id from {batch})
"""
#: The insert of a batch whose event_ids are all new and distinct (the usual case).
_INSERT_ALL = """
    insert into raw.social_posts select {columns} from {batch} as batch
"""
#: The insert of a batch without a repeated event_id but with some raw holds: no distinct-on,
#: whose sort of the whole wide batch cost more than the rest of the insert.
_INSERT_UNIQUE = """
    insert into raw.social_posts
    select {columns}
    from {batch} as batch
    where not exists (
        select 1 from raw.social_posts as existing where existing.event_id = batch.event_id
    )
"""


class _BackgroundWriter:
    """Writes batches in one background thread, one batch in flight at most.

    DuckDB releases the GIL while it parses, validates and inserts, so the next batch is consumed
    from Kafka meanwhile. Batches are written in order; a batch's offsets are committed to Kafka
    (from the calling thread, as the consumer requires) only after its transaction committed, and
    a failed write is raised in the calling thread at the next :meth:`submit` or :meth:`close`.
    """

    def __init__(self, write: Callable[[_Batch], None],
                 after: Callable[[_Batch], None]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pantau-writer")
        self._write = write
        self._after = after
        self._pending: tuple[Future[None], _Batch] | None = None

    def submit(self, batch: _Batch) -> None:
        self.wait()
        self._pending = (self._pool.submit(self._write, batch), batch)

    def wait(self) -> None:
        if self._pending is None:
            return
        future, batch = self._pending
        self._pending = None
        future.result()
        self._after(batch)

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)


class Loader:
    """Consumes the posts topic into the warehouse.

    :meth:`run` drains what is waiting and returns (the Airflow task, `pantau ingest`); with
    ``follow=True`` it keeps going until ``stop`` is set (`pantau ingest --follow`, SIGTERM).
    A transaction commits when it holds ``ingest_batch_size`` messages or ``ingest_batch_bytes``
    bytes, or (with ``follow``) when ``ingest_commit_interval_s`` has passed, whichever comes
    first. What the loader holds is bounded whatever the backlog: two batches as Arrow columns
    (one being written, one being gathered), a poll's records, a fetch response
    (``ingest_fetch_bytes``) and DuckDB's memory (``ingest_memory_limit``, with a checkpoint
    every ``ingest_checkpoint_bytes`` of write-ahead log).
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
                max_poll_records=_POLL_RECORDS,
                # A fetch response is held whole until its records are read: these bound it.
                fetch_max_bytes=self.settings.ingest_fetch_bytes,
                max_partition_fetch_bytes=max(1024 * 1024, self.settings.ingest_fetch_bytes // 4),
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
            # Bounds what DuckDB holds, whatever the backlog (see the two settings).
            con.execute(f"set memory_limit = '{self.settings.ingest_memory_limit}'")
            con.execute(f"set threads = {self.settings.ingest_threads}")
            con.execute(f"set checkpoint_threshold = '{self.settings.ingest_checkpoint_bytes}B'")
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
        writer = _BackgroundWriter(lambda batch: self._write(con, batch, report),
                                   lambda batch: self._commit_to_kafka(consumer, batch))
        try:
            self._consume(consumer, partitions, targets, report, writer, follow=follow, stop=stop)
        finally:
            writer.close()
        if self.on_progress:
            self.on_progress(report, self._lag(consumer, targets))

    def _consume(self, consumer: KafkaConsumer, partitions: list[TopicPartition],
                 targets: dict[TopicPartition, int], report: IngestReport,
                 writer: _BackgroundWriter, *, follow: bool, stop: threading.Event) -> None:
        settings = self.settings
        buffer = _Batch(settings.topic_posts)
        last_commit = last_message = last_progress = last_health_check = time.monotonic()
        outage_logged = False
        while not stop.is_set():
            drained = not follow and self._drained(consumer, targets)
            now = time.monotonic()
            # A drain commits by size only: cutting batches by time there only multiplied the
            # transactions (and their scans of raw) when the machine was busy.
            due = follow and now - last_commit >= settings.ingest_commit_interval_s
            if buffer and (drained or due or buffer.count >= settings.ingest_batch_size
                           or buffer.bytes >= settings.ingest_batch_bytes):
                writer.submit(buffer)
                buffer, last_commit = _Batch(settings.topic_posts), time.monotonic()
            elif not buffer:
                last_commit = now
            if drained:
                break
            if self.on_progress and now - last_progress >= self.progress_interval_s:
                if follow:
                    targets = self._end_offsets(consumer, partitions) or targets
                self.on_progress(report, self._lag(consumer, targets))
                last_progress = now
            try:
                batch = consumer.poll(timeout_ms=500,
                                      max_records=min(_POLL_RECORDS, max(
                                          1, settings.ingest_batch_size - buffer.count)))
            except KafkaError as error:  # a broker going away mid-fetch: treat as no messages
                log.debug("poll failed: %s", error)
                batch = {}
            if batch:
                if outage_logged:
                    log.warning("Kafka at %s answers again; loading resumes",
                                settings.kafka_bootstrap_servers)
                    outage_logged = False
                for tp, records in batch.items():
                    if records:
                        buffer.add(tp.partition, records)
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
                    writer.submit(buffer)
                raise KafkaUnavailableError(
                    settings.kafka_bootstrap_servers,
                    f"no answer for {settings.ingest_broker_wait_s}s during ingest; "
                    f"loaded {report.loaded} before that")
        if buffer:  # stopped by a signal: keep what was already fetched
            writer.submit(buffer)

    def _broker_answers(self) -> bool:
        from pantau.connections.kafka import broker_alive

        return broker_alive(self.settings, timeout_s=2.0)

    @staticmethod
    def _end_offsets(consumer: KafkaConsumer, partitions: list[TopicPartition]
                     ) -> dict[TopicPartition, int] | None:
        try:
            offsets: dict[TopicPartition, int] = consumer.end_offsets(partitions)
            return offsets
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
        """Messages left up to ``targets``; -1 when the broker cannot be asked right now."""
        try:
            return sum(max(0, end - consumer.position(tp)) for tp, end in targets.items())
        except KafkaError:
            return -1

    @staticmethod
    def _drained(consumer: KafkaConsumer, targets: dict[TopicPartition, int]) -> bool:
        try:
            return all(consumer.position(tp) >= end for tp, end in targets.items())
        except KafkaError:  # the broker is away: not drained; the outage logic takes over
            return False

    def _write(self, con: Any, batch: _Batch, report: IngestReport) -> None:
        """Validate and load one batch, with its offsets, in one DuckDB transaction.

        DuckDB parses and checks the batch in bulk (:mod:`pantau.ingest.bulk`); only the messages it
        cannot vouch for pass through the Python validator, which loads or rejects them. Should
        the bulk SQL itself fail on some input, the batch is validated in Python alone, so no
        message can stop the loader.
        """
        try:
            self._write_batch(con, batch, report, use_bulk=True)
        except duckdb.Error as error:
            if isinstance(error, duckdb.IOException):
                raise
            log.warning("bulk validation failed on a batch at %s (%s); validating it in Python",
                        batch.where(), error)
            self._write_batch(con, batch, report, use_bulk=False)

    def _write_batch(self, con: Any, batch: _Batch, report: IngestReport, *,
                     use_bulk: bool) -> None:
        aware_now = datetime.now(UTC)
        now = aware_now.replace(tzinfo=None)
        rejects: list[dict[str, Any]] = []
        rows: list[tuple[Any, ...]] = []
        messages = batch.table()
        offsets = pa.table({
            "topic": [batch.topic] * len(batch.next_offsets),
            "partition": list(batch.next_offsets),
            "next_offset": list(batch.next_offsets.values()),
        })
        con.begin()
        try:
            before = warehouse.scalar(con, "select count(*) from raw.social_posts")
            valid = 0
            con.register("batch_messages", messages)
            if use_bulk:
                con.register("batch_raw", pa.Table.from_arrays([
                    pa.repeat(batch.topic, messages.num_rows), messages["kafka_partition"],
                    messages["kafka_offset"], messages["kafka_timestamp"],
                    _as_text(messages["value"]),
                ], schema=_RAW_BATCH_SCHEMA))
                con.execute(f"create or replace temp table staged_posts as {bulk.staging_sql()}",
                            {"now": now})
                con.unregister("batch_raw")
                unsure = con.execute("""
                    select kafka_partition, kafka_offset, epoch_ms(kafka_timestamp), kafka_key,
                        value
                    from batch_messages
                    semi join (select kafka_partition, kafka_offset from staged_posts where not ok)
                        using (kafka_partition, kafka_offset)
                """).fetchall()
                repeated, valid = con.execute(
                    "select count(*) - count(distinct event_id), count(*) "
                    "from staged_posts where ok").fetchall()[0]
                known = warehouse.scalar(con, _KNOWN_IDS.format(batch="staged_posts where ok"))
                insert = (_INSERT_NEW if repeated else _INSERT_UNIQUE if known else _INSERT_ALL)
                con.execute(insert.format(columns=", ".join(bulk.POST_COLUMNS),
                                          batch="(select * from staged_posts where ok)"))
                con.execute("drop table staged_posts")
            else:
                unsure = con.execute("""
                    select kafka_partition, kafka_offset, epoch_ms(kafka_timestamp), kafka_key,
                        value
                    from batch_messages
                """).fetchall()
            con.unregister("batch_messages")
            for partition, offset, timestamp, key, value in unsure:
                row = self._reject_or_keep(
                    _Message(batch.topic, partition, offset, timestamp, key, value),
                    aware_now, now, rejects)
                if row is not None:
                    rows.append(row)
            if rows:
                valid += len(rows)
                con.register("batch_posts", _posts_table(rows, now))
                con.execute(_INSERT_NEW.format(columns="*", batch="batch_posts"))
                con.unregister("batch_posts")
            after = warehouse.scalar(con, "select count(*) from raw.social_posts")
            if rejects:
                con.register("batch_rejected", pa.Table.from_pylist(rejects, schema=_REJECT_SCHEMA))
                con.execute("insert into raw.rejected_messages select * from batch_rejected")
                con.unregister("batch_rejected")
            con.register("batch_offsets", offsets)
            con.execute("""
                insert or replace into ops.kafka_offsets
                select topic, partition, next_offset, now()::timestamp from batch_offsets
            """)
            con.unregister("batch_offsets")
            con.commit()
        except BaseException:
            con.rollback()
            for name in ("batch_messages", "batch_raw", "batch_posts", "batch_rejected",
                         "batch_offsets"):
                con.unregister(name)
            raise
        for rejection in rejects:
            reason = rejection["error"][:80]
            report.reasons[reason] = report.reasons.get(reason, 0) + 1
        report.loaded += after - before
        report.duplicates += valid - (after - before)
        report.rejected += len(rejects)
        report.batches += 1

    @staticmethod
    def _reject_or_keep(message: Any, aware_now: datetime, now: datetime,
                        rejects: list[dict[str, Any]]) -> tuple[Any, ...] | None:
        """The Python validator's verdict on one message: its row, or a rejection (appended)."""
        try:
            event = contract.decode_and_validate(message.value, now=aware_now)
        except ContractViolation as violation:
            rejects.append(_rejection(message, violation, now))
            return None
        return _row(event, message)

    @staticmethod
    def _commit_to_kafka(consumer: KafkaConsumer, batch: _Batch) -> None:
        offsets = {TopicPartition(batch.topic, partition): OffsetAndMetadata(offset, "", -1)
                   for partition, offset in batch.next_offsets.items()}
        try:
            consumer.commit(offsets)
        except KafkaError as error:  # only for lag visibility; DuckDB holds the truth
            log.warning("could not commit offsets to Kafka (lag display only): %s", error)
