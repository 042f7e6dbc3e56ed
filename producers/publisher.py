"""The Kafka publisher: validates, keys and sends events; routes invalid items to the DLQ.

Nothing is dropped silently: each item ends as delivered, dead-lettered (with its reason and the
original payload) or failed (counted, with the error, and the exit code says so).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from types import FrameType
from typing import Any, TypeVar

import msgspec
from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2

from pantau.connections.kafka import FAILOVER_OPTIONS, missing_topics
from pantau.contract import decode_and_validate, message_key, validate
from pantau.exceptions import ContractViolation, KafkaUnavailableError, TerminalError
from pantau.settings import Settings

log = logging.getLogger(__name__)
_Item = TypeVar("_Item")


@dataclass
class PublishReport:
    """What happened to every item handed to the publisher."""

    sent: int = 0
    dead_lettered: int = 0
    failed: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.interrupted

    def summary(self) -> str:
        text = f"sent {self.sent}, dead-lettered {self.dead_lettered}, failed {self.failed}"
        if self.errors:
            text += " (" + "; ".join(f"{n} x {e}" for e, n in self.errors.most_common(3)) + ")"
        return text + (" — interrupted" if self.interrupted else "")


#: Compact UTF-8 JSON of a value, as bytes: what ``json.dumps(value, ensure_ascii=False,
#: separators=(",", ":")).encode("utf-8")`` writes for the contract's types (strings, integers,
#: booleans, null, lists, dicts; non-ASCII kept as UTF-8, not ``\u``-escaped). Floats are written
#: in their shortest round-trip form, which for very large or small ones spells the exponent
#: differently (``1e16`` where ``json`` writes ``1e+16``); events carry none. Values with no JSON
#: form raise ``TypeError`` (datetimes, dates and UUIDs, which ``json`` refuses, are written as
#: strings); a circular reference raises ``RecursionError``. Every call keeps
#: its own state, so one encoder serves every thread.
encode_json: Callable[[Any], bytes] = msgspec.json.Encoder().encode


def serialize(event: dict[str, Any]) -> bytes:
    """The one place events become bytes: compact UTF-8 JSON (see :data:`encode_json`).

    (The scenario generator splices the same bytes from per-post fragments encoded with
    :data:`encode_json`; see :mod:`producers.scenario.wire`.)
    """
    return encode_json(event)


def dead_letter(reason: str, field_name: str | None, original: Any, source: str) -> bytes:
    """The DLQ envelope: why, where, what came from which source, and when."""
    if isinstance(original, bytes):
        original = original.decode("utf-8", errors="replace")
    return serialize({
        "reason": reason,
        "field": field_name,
        "source": source,
        "original": original,
        "failed_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    })


class Publisher:
    """Sends contract events to Kafka with ``acks=all`` and idempotence.

    Use as a context manager; on exit (and on SIGINT/SIGTERM) it flushes what is in flight and
    reports what was still waiting.
    """

    def __init__(self, settings: Settings, *, source: str = "pantau",
                 on_progress: Callable[[PublishReport], None] | None = None) -> None:
        self.settings = settings
        self.source = source
        self.report = PublishReport()
        self._on_progress = on_progress
        self._stop = threading.Event()
        try:
            self._producer = KafkaProducer(
                **settings.kafka_client_config(),
                **FAILOVER_OPTIONS,
                client_id=f"pantau-producer-{source}",
                bootstrap_timeout_ms=15_000,
                acks="all",
                enable_idempotence=True,
                compression_type="gzip",
                linger_ms=20,
                batch_size=256 * 1024,
                retries=2_147_483_647,
                delivery_timeout_ms=120_000,
                max_in_flight_requests_per_connection=5,
            )
        except KafkaError as error:
            raise KafkaUnavailableError(settings.kafka_bootstrap_servers,
                                        type(error).__name__) from None
        missing = missing_topics(settings, [settings.topic_posts, settings.topic_dlq])
        if missing:
            self._producer.close(timeout=5)
            raise TerminalError(
                f"Topic {', '.join(missing)} does not exist on {settings.kafka_bootstrap_servers}."
                " `pantau stack up` creates Pantau's topics (or set PANTAU_TOPIC_POSTS / "
                "PANTAU_TOPIC_DLQ to existing ones).")

    # delivery callbacks ---------------------------------------------------------------------
    def _delivered(self, _metadata: Any) -> None:
        self.report.sent += 1

    def _failed(self, topic: str, error: Exception) -> None:
        self.report.failed += 1
        self.report.errors[f"{type(error).__name__}: {error}"[:200]] += 1
        log.error("delivery to %s failed: %s", topic, error)

    def _dlq_delivered(self, _metadata: Any) -> None:
        self.report.dead_lettered += 1

    def _send(self, topic: str, key: bytes | None, value: bytes,
              ok: Callable[[Any], None]) -> None:
        if self._producer is None:
            raise TerminalError("This Publisher is closed: publish_all() and "
                                "publish_serialized() close it when they end. Open a new "
                                "Publisher to publish more.")
        try:
            future = self._producer.send(topic, key=key, value=value)
        except KafkaError as error:  # e.g. metadata or buffer timeouts: count it, go on
            self._failed(topic, error)
            return
        future.add_callback(ok)
        future.add_errback(lambda error: self._failed(topic, error))

    # public API -----------------------------------------------------------------------------
    def publish(self, event: Any) -> bool:
        """Validate and send one event; an invalid one goes to the DLQ. True when it was valid."""
        try:
            validate(event)
        except ContractViolation as violation:
            self.dead_letter(violation.reason, violation.field, event)
            return False
        self._send(self.settings.topic_posts, message_key(event), serialize(event), self._delivered)
        return True

    def dead_letter(self, reason: str, field_name: str | None, original: Any) -> None:
        """Send an item that could not become a contract event to the DLQ with its reason."""
        payload = dead_letter(reason, field_name, original, self.source)
        self._send(self.settings.topic_dlq, None, payload, self._dlq_delivered)

    def publish_all(self, events: Iterable[Any], *, progress_every: int = 10_000) -> PublishReport:
        """Publish every event until done or a stop signal; then flush and return the report."""
        return self._drive(events, self.publish, progress_every)

    def publish_serialized(self, messages: Iterable[tuple[bytes, bytes]], *,
                           check_every: int = 100,
                           progress_every: int = 10_000) -> PublishReport:
        """Send ``(key, value)`` messages that a trusted generator already keyed and serialised.

        For the scenario generator, whose output tests validate in full: instead of validating
        every message (the costliest step of :meth:`publish`), the first message and then one in
        every ``check_every`` are decoded and validated against the contract. A sampled message
        that fails goes to the DLQ with its reason, like any invalid item, so the run exits
        non-zero: a generator bug cannot pass silently. The loader validates every message again
        on the way in. Sources whose items can be wrong (replay, connectors) use
        :meth:`publish_all`, which validates each one and dead-letters the invalid ones.

        Args:
            messages: ``(key, value)`` pairs, e.g. :meth:`Scenario.serialized
                <producers.scenario.Scenario.serialized>`.
            check_every: validate one message in this many (1 validates every message).
            progress_every: call ``on_progress`` after this many messages.

        Returns:
            The report, after the flush.
        """
        if check_every < 1:
            raise ValueError(f"check_every must be >= 1, got {check_every}")
        topic = self.settings.topic_posts
        send = self._producer.send
        delivered = self._delivered
        failed = partial(self._failed, topic)
        countdown = 1  # the first message is checked
        try:
            partitions = sorted(self._producer.partitions_for(topic))
        except KafkaError as error:
            raise KafkaUnavailableError(self.settings.kafka_bootstrap_servers,
                                        type(error).__name__) from None
        # The default partitioner's choice (murmur2 of the key, as the Java client), made once
        # per post: its observations follow each other with the very same key object.
        last_key: bytes | None = None
        partition = 0

        def publish(message: tuple[bytes, bytes]) -> None:
            nonlocal countdown, last_key, partition
            key, value = message
            countdown -= 1
            if not countdown:
                countdown = check_every
                try:
                    decode_and_validate(value)
                except ContractViolation as violation:
                    self.dead_letter(violation.reason, violation.field, value)
                    return
            if key is not last_key:
                last_key = key
                partition = partitions[(murmur2(key) & 0x7FFFFFFF) % len(partitions)]
            try:
                future = send(topic, key=key, value=value, partition=partition)
            except KafkaError as error:  # e.g. metadata or buffer timeouts: count it, go on
                failed(error)
                return
            future.add_callback(delivered)
            future.add_errback(failed)

        return self._drive(messages, publish, progress_every)

    def _drive(self, items: Iterable[_Item], publish: Callable[[_Item], object],
               progress_every: int) -> PublishReport:
        """Publish every item until done or a stop signal; then flush and return the report."""
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        in_main = threading.current_thread() is threading.main_thread()

        def stop(signum: int, _frame: FrameType | None) -> None:
            log.warning("received %s: flushing what is in flight", signal.Signals(signum).name)
            self._stop.set()

        if in_main:
            for sig in previous:
                signal.signal(sig, stop)
        stopping = self._stop.is_set
        on_progress = self._on_progress
        try:
            for count, item in enumerate(items, start=1):
                if stopping():
                    self.report.interrupted = True
                    break
                publish(item)
                if on_progress and count % progress_every == 0:
                    on_progress(self.report)
        finally:
            self.close()
            if in_main:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
        return self.report

    @property
    def stopping(self) -> bool:
        """True once SIGINT or SIGTERM was received during :meth:`publish_all`."""
        return self._stop.is_set()

    def flush(self, timeout_s: float = 120.0) -> None:
        """Wait until every message sent so far is delivered or failed (the producer stays open).

        Messages still waiting after ``timeout_s`` are logged; their callbacks count them as
        failed when the producer gives up on them.
        """
        if self._producer is None:
            return
        try:
            self._producer.flush(timeout=timeout_s)
        except KafkaError as error:
            log.error("flush did not complete: %s", error)

    def close(self, timeout_s: float = 120.0) -> None:
        """Flush what is in flight, then close; messages still waiting count as failed."""
        if self._producer is None:
            return
        try:
            self._producer.flush(timeout=timeout_s)
        except KafkaError as error:
            log.error("flush did not complete: %s", error)
        self._producer.close(timeout=timeout_s)
        self._producer = None  # type: ignore[assignment]

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
