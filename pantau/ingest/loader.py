"""The loader: Kafka ``social.posts.v1`` into ``raw.social_posts``, exactly once.

Each batch is decoded and validated; valid events go to ``raw.social_posts``, everything else to
``raw.rejected_messages`` with its reason, and ``ops.kafka_offsets`` advances — all in one DuckDB
transaction. On start the loader resumes from the offsets stored in DuckDB, so a crash at any
point neither loses nor duplicates a message. It also commits the offsets to Kafka afterwards
(asynchronously, through a consumer of its own), only so that standard tools can show the
consumer lag: the consumer that fetches belongs to no group, so loading never waits for a group
coordinator (on a cluster, the coordinator of a dead broker moves only once it is fenced).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from pantau import contract
from pantau.connections import warehouse
from pantau.connections.kafka import FAILOVER_OPTIONS
from pantau.exceptions import ContractViolation, KafkaUnavailableError
from pantau.ingest import bulk
from pantau.ingest.batch import Batch, Message
from pantau.ingest.schema import (
    POST_SCHEMA,
    RAW_BATCH_SCHEMA,
    REJECT_SCHEMA,
    as_text,
    post_row,
    posts_table,
    rejection_row,
)
from pantau.ingest.writer import BackgroundWriter
from pantau.settings import Settings

log = logging.getLogger(__name__)

#: Records per poll at most: a poll's records are Python objects (about 1 KB each with their
#: value) that live only until they are copied into Arrow columns, so a few thousand suffice.
_POLL_RECORDS = 5000
#: How long `ingest --follow` waits for the end offsets its progress line shows (ms).
_END_OFFSETS_TIMEOUT_MS = 1000


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


#: Appends the events of a batch that raw does not hold yet, the first of each event_id in the
#: batch. An anti-join rather than a primary key: DuckDB rewrites a whole ART index at every
#: checkpoint, which made each commit cost more as raw grew; scanning the event_id column is
#: cheap (DuckDB builds the hash table on the batch and streams raw's event_id column through
#: it) and stays so.
_INSERT_NEW = """
    insert into raw.social_posts ({columns})
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
    insert into raw.social_posts ({columns}) select {columns} from {batch} as batch
"""
#: The insert of a batch without a repeated event_id but with some raw holds: no distinct-on,
#: whose sort of the whole wide batch cost more than the rest of the insert.
_INSERT_UNIQUE = """
    insert into raw.social_posts ({columns})
    select {columns}
    from {batch} as batch
    where not exists (
        select 1 from raw.social_posts as existing where existing.event_id = batch.event_id
    )
"""


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
                **FAILOVER_OPTIONS,
                client_id="pantau-loader",
                bootstrap_timeout_ms=15_000,
                group_id=None,  # a group's consumer fetches nothing while its coordinator moves
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
        con = self.connect()
        try:
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

    def connect(self) -> duckdb.DuckDBPyConnection:
        """The warehouse connection the loader writes through, with the raw tables ensured.

        Its memory limit, threads and checkpoint threshold (the ``ingest_*`` settings) bound
        what DuckDB holds, whatever the backlog. Benchmarks that write batches of their own
        through :meth:`write` open it here too, so they load as the loader does.

        Raises:
            WarehouseLockedError: another process writes the warehouse.
        """
        con = warehouse.connect(self.settings.warehouse_path)
        try:
            con.execute(f"set memory_limit = '{self.settings.ingest_memory_limit}'")
            con.execute(f"set threads = {self.settings.ingest_threads}")
            con.execute(f"set checkpoint_threshold = '{self.settings.ingest_checkpoint_bytes}B'")
            warehouse.ensure_raw(con)
        except BaseException:
            con.close()
            raise
        return con

    def _loop(self, con: Any, consumer: KafkaConsumer, partitions: list[TopicPartition],
              targets: dict[TopicPartition, int], report: IngestReport, *, follow: bool,
              stop: threading.Event) -> None:
        lag = _LagCommitter(self.settings)
        writer = BackgroundWriter(lambda batch: self.write(con, batch, report), lag.commit)
        try:
            self._consume(consumer, partitions, targets, report, writer, follow=follow, stop=stop)
        finally:
            try:
                writer.close()
            finally:
                lag.close()
        if self.on_progress:
            self.on_progress(report, self._lag(consumer, targets))

    def _consume(self, consumer: KafkaConsumer, partitions: list[TopicPartition],
                 targets: dict[TopicPartition, int], report: IngestReport,
                 writer: BackgroundWriter, *, follow: bool, stop: threading.Event) -> None:
        settings = self.settings
        buffer = Batch(settings.topic_posts)
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
                buffer, last_commit = Batch(settings.topic_posts), time.monotonic()
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
        """The end offsets for the progress line, or None when they do not come within a
        second: while a dead broker's partitions wait for new leaders, the question would
        otherwise hold up the loading of every partition (for 10 s and more)."""
        try:
            offsets: dict[TopicPartition, int] = consumer.end_offsets(
                partitions, timeout_ms=_END_OFFSETS_TIMEOUT_MS)
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

    def write(self, con: Any, batch: Batch, report: IngestReport) -> None:
        """Validate and load one batch, with its offsets, in one DuckDB transaction.

        DuckDB parses and checks the batch in bulk (:mod:`pantau.ingest.bulk`); only the messages it
        cannot vouch for pass through the Python validator, which loads or rejects them. Should
        the bulk SQL itself fail on some input, the batch is validated in Python alone, so no
        message can stop the loader. ``ops.kafka_offsets`` then holds, for each partition of
        the batch, the offset after its last message. ``con`` comes from :meth:`connect`.
        """
        try:
            self._write_batch(con, batch, report, use_bulk=True)
        except duckdb.Error as error:
            if isinstance(error, duckdb.IOException):
                raise
            log.warning("bulk validation failed on a batch at %s (%s); validating it in Python",
                        batch.where(), error)
            self._write_batch(con, batch, report, use_bulk=False)

    def _write_batch(self, con: Any, batch: Batch, report: IngestReport, *,
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
                    as_text(messages["value"]),
                ], schema=RAW_BATCH_SCHEMA))
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
                    Message(batch.topic, partition, offset, timestamp, key, value),
                    aware_now, now, rejects)
                if row is not None:
                    rows.append(row)
            if rows:
                valid += len(rows)
                con.register("batch_posts", posts_table(rows, now))
                con.execute(_INSERT_NEW.format(columns=", ".join(POST_SCHEMA.names),
                                               batch="batch_posts"))
                con.unregister("batch_posts")
            after = warehouse.scalar(con, "select count(*) from raw.social_posts")
            if rejects:
                con.register("batch_rejected", pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA))
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
            rejects.append(rejection_row(message, violation, now))
            return None
        return post_row(event, message)


class _LagCommitter:
    """Commits the loaded offsets to the consumer group ``PANTAU_CONSUMER_GROUP``, only so that
    standard tools show the lag (DuckDB holds the truth): asynchronously, from a consumer of its
    own that fetches nothing, so a missing group coordinator never holds up the loading. The last
    offsets are committed synchronously at the end (for a few seconds at most). A failure is
    logged once, until a commit succeeds again."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._consumer: KafkaConsumer | None = None
        self._last: dict[TopicPartition, OffsetAndMetadata] = {}
        self._failing = False

    def commit(self, batch: Batch) -> None:
        offsets = {TopicPartition(batch.topic, partition): OffsetAndMetadata(offset, "", -1)
                   for partition, offset in batch.next_offsets.items()}
        self._last.update(offsets)
        try:
            if self._consumer is None:
                self._consumer = KafkaConsumer(
                    **self._settings.kafka_client_config(), **FAILOVER_OPTIONS,
                    client_id="pantau-loader-lag", group_id=self._settings.consumer_group,
                    enable_auto_commit=False, bootstrap_timeout_ms=5_000)
            self._consumer.commit_async(offsets, callback=self._done)
        except KafkaError as error:
            self._done(offsets, error)

    def _done(self, _offsets: object, response: object) -> None:
        if not isinstance(response, Exception):
            if self._failing:
                log.info("offsets are committed to Kafka again (lag display)")
            self._failing = False
        elif not self._failing:
            self._failing = True
            log.warning("could not commit offsets to Kafka (lag display only; loading goes on): "
                        "%s", response)

    def close(self) -> None:
        if self._consumer is None:
            return
        try:
            self._consumer.commit(self._last, timeout_ms=5_000)
        except KafkaError as error:
            self._done(self._last, error)
        finally:
            self._consumer.close()
