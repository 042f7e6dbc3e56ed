"""Scenario observations straight into ``raw.social_posts``, through the loader's own write path.

For benchmarks that need more posts than are worth sending through Kafka (``bench/scale.py``
above 5M): the messages a :class:`~producers.scenario.Scenario` would publish (its
``serialized()`` key and value, byte for byte) are gathered into the loader's
:class:`~pantau.ingest.batch.Batch` and written by :meth:`Loader.write
<pantau.ingest.loader.Loader.write>` on the connection :meth:`Loader.connect
<pantau.ingest.loader.Loader.connect>` opens: the same bulk contract checks in DuckDB, the same
Python validator for what they cannot vouch for, the same insert of unseen ``event_id`` s, and
``ops.kafka_offsets`` advancing in the same transaction as the rows. Nothing here validates or
inserts on its own. As in the loader, DuckDB writes one batch in a background thread while the
next one is generated.

A long stream is cut into :class:`Chunk` s (a day of posts, say), each an independent seeded
scenario, so that a rerun regenerates at most the chunk it stopped in. The rows carry the Kafka
coordinates of a bench topic that no broker holds (:data:`TOPIC`): each chunk is a partition of
it, numbered by the chunk's first post, and its messages have the offsets 0, 1, 2, … in the
order the scenario yields them. A rerun
after ``kill -9`` reads the next offset of each chunk from ``ops.kafka_offsets``, skips that
many messages of the regenerated chunk and writes the rest: nothing is doubled or missing.

Why a topic name of its own: the loader reads ``ops.kafka_offsets`` only for the topic it
consumes and the ``kafka_lag`` maintenance task only for ``PANTAU_TOPIC_POSTS``, so the bench's
rows never move a real consumer's position or show up as lag; nothing in the build or the audit
reads the Kafka columns except the tie-breaks of the deduplication (partition, offset), which
the sequential offsets keep meaningful.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from pantau.connections import warehouse
from pantau.ingest.batch import Batch, Message
from pantau.ingest.loader import IngestReport, Loader
from pantau.ingest.writer import BackgroundWriter
from pantau.settings import Settings
from producers.scenario import Scenario, ScenarioConfig

#: The bench topic the rows name (no broker holds it).
TOPIC = "bench.raw.social_posts"
#: Records per call of Batch.add, as a poll of the loader hands them over.
_ADD_RECORDS = 5000


class _CastScenario(Scenario):
    """A scenario whose citizens and influencers are those of the whole stream (``cast_seed``,
    ``cast_posts``) rather than drawn anew for each chunk: the same accounts post day after day,
    as they would in one scenario of the stream's size."""

    def __init__(self, config: ScenarioConfig, *, cast_seed: int, cast_posts: int) -> None:
        self._cast = (cast_seed, cast_posts)
        super().__init__(config)

    def _people(self, seed: int, count: int) -> None:
        super()._people(*self._cast)


@dataclass(frozen=True)
class Stream:
    """A stream of scenario posts at a constant daily rate from ``start``: post number ``n``
    (from 0) is created around ``start + n / posts_per_day`` days.

    Attributes:
        start: when post 0 is created (UTC, aware).
        posts_per_day: the rate.
        seed: every chunk's seed derives from it and the chunk's place in the stream.
        cast_posts: the size of the cast, as a scenario of this many posts would have
            (citizens: a quarter of it, at most 60,000).
        campaigns_per_day: planted coordinated campaigns per day of the stream (a chunk gets
            its days' worth, rounded).
    """

    start: datetime
    posts_per_day: int
    seed: int
    cast_posts: int
    campaigns_per_day: float = 0.0

    def at(self, post: int) -> datetime:
        """When post number ``post`` is created."""
        return self.start + timedelta(days=post / self.posts_per_day)

    def chunks(self, first: int, count: int, *, chunk_posts: int) -> list[Chunk]:
        """Posts ``first`` .. ``first + count - 1`` as chunks of ``chunk_posts`` posts at most,
        cut at multiples of ``chunk_posts`` so that the same posts are the same chunks whatever
        span asks for them."""
        chunks = []
        post, end = first, first + count
        while post < end:
            stop = min(end, (post // chunk_posts + 1) * chunk_posts)
            digest = hashlib.sha256(f"{self.seed}:{post}:{stop}".encode()).digest()
            days = (stop - post) / self.posts_per_day
            chunks.append(Chunk(partition=post, first=post, posts=stop - post,
                                end=self.at(stop), days=days,
                                seed=int.from_bytes(digest[:4], "big"),
                                cast_seed=self.seed, cast_posts=self.cast_posts,
                                campaigns=round(self.campaigns_per_day * days)))
            post = stop
        return chunks


@dataclass(frozen=True)
class Chunk:
    """Posts ``first`` .. ``first + posts - 1`` of a :class:`Stream`: one seeded scenario whose
    window ends at ``end`` and lasts ``days``; partition ``partition`` (its first post's number,
    unique as chunks do not overlap) of the bench topic."""

    partition: int
    first: int
    posts: int
    end: datetime
    days: float
    seed: int
    cast_seed: int
    cast_posts: int
    campaigns: int = 0

    def scenario(self) -> Scenario:
        return _CastScenario(ScenarioConfig(count=self.posts, seed=self.seed, days=self.days,
                                            end=self.end, campaigns=self.campaigns),
                             cast_seed=self.cast_seed, cast_posts=self.cast_posts)

    def messages(self) -> Iterator[tuple[bytes, bytes]]:
        """The chunk's Kafka ``(key, value)`` messages, in offset order."""
        return self.scenario().serialized()


def written_offsets(settings: Settings, topic: str = TOPIC) -> dict[int, int]:
    """Per partition (chunk) of ``topic``: how many of its messages raw holds (the next offset
    in ``ops.kafka_offsets``). Empty when the warehouse does not exist yet."""
    if not settings.warehouse_path.exists():
        return {}
    con = warehouse.connect(settings.warehouse_path)
    try:
        warehouse.ensure_raw(con)
        return dict(con.execute(
            "select partition, next_offset from ops.kafka_offsets where topic = ?",
            [topic]).fetchall())
    finally:
        con.close()


@dataclass
class RawWriteReport:
    """Counts of one :func:`write_chunks` run: ``ingest`` is the loader's own report of the
    batches (loaded, duplicates skipped, rejected); ``skipped`` the messages raw already held
    from an earlier, interrupted run (regenerated, not written again)."""

    ingest: IngestReport
    messages: int = 0
    skipped: int = 0
    chunks: int = 0


def write_chunks(settings: Settings, chunks: Iterable[Chunk], *, topic: str = TOPIC,
                 on_chunk: Callable[[Chunk, int], None] | None = None,
                 on_batch: Callable[[Batch, RawWriteReport], None] | None = None
                 ) -> RawWriteReport:
    """Write the chunks' observations into raw through the loader, resuming where raw stops.

    Args:
        settings: the warehouse and the loader's ``ingest_*`` settings (batch size and bytes,
            DuckDB's memory limit, threads, checkpoint threshold).
        chunks: in order; a chunk whose messages raw holds already costs its regeneration only.
        topic: the bench topic of the rows and of ``ops.kafka_offsets``.
        on_chunk: called with a chunk and its message count once its last batch committed
            (the bench records the chunk as done, so that a rerun need not regenerate it).
        on_batch: called after each batch committed (progress; tests interrupt here).

    Returns:
        The counts; ``report.ingest.rejected`` is 0 for a sound generator (the contract checks
        run on every message all the same).
    """
    loader = Loader(settings)
    report = RawWriteReport(IngestReport())
    started = time.monotonic()
    stored = written_offsets(settings, topic)
    finished: dict[int, tuple[Chunk, int]] = {}

    def after(batch: Batch) -> None:
        closing = finished.pop(id(batch), None)
        if on_batch is not None:
            on_batch(batch, report)
        if closing is not None and on_chunk is not None:
            on_chunk(*closing)

    con = loader.connect()
    try:
        writer = BackgroundWriter(lambda batch: loader.write(con, batch, report.ingest), after)
        try:
            for chunk in chunks:
                _write_chunk(settings, chunk, topic, stored.get(chunk.partition, 0), writer,
                             report, finished, on_chunk)
        finally:
            writer.close()
    finally:
        con.close()
        report.ingest.seconds = time.monotonic() - started
    return report


def _write_chunk(settings: Settings, chunk: Chunk, topic: str, stored: int,
                 writer: BackgroundWriter, report: RawWriteReport,
                 finished: dict[int, tuple[Chunk, int]],
                 on_chunk: Callable[[Chunk, int], None] | None) -> None:
    """Generate one chunk and hand its messages from offset ``stored`` on to the writer, in
    batches of the loader's size; the chunk's last batch carries it to ``on_chunk``."""
    batch = Batch(topic)
    add_records = min(_ADD_RECORDS, settings.ingest_batch_size)
    records: list[Message] = []
    offset = 0
    stamp = int(time.time() * 1000)
    for key, value in chunk.messages():
        if offset < stored:
            offset += 1
            continue
        records.append(Message(topic, chunk.partition, offset, stamp, key, value))
        offset += 1
        if len(records) >= add_records:
            batch.add(chunk.partition, records)
            records = []
            stamp = int(time.time() * 1000)
            if (batch.count >= settings.ingest_batch_size
                    or batch.bytes >= settings.ingest_batch_bytes):
                writer.submit(batch)
                batch = Batch(topic)
    if records:
        batch.add(chunk.partition, records)
    report.messages += offset
    report.skipped += min(stored, offset)
    report.chunks += 1
    if batch:
        finished[id(batch)] = (chunk, offset)
        writer.submit(batch)
    elif on_chunk is not None:
        writer.wait()  # the chunk's last batch (if any) has committed
        on_chunk(chunk, offset)
