"""The loader's background writer: one batch written while the next is consumed."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from pantau.ingest.batch import Batch


class BackgroundWriter:
    """Writes batches in one background thread, one batch in flight at most.

    DuckDB releases the GIL while it parses, validates and inserts, so the next batch is consumed
    from Kafka meanwhile. Batches are written in order; a batch's offsets are committed to Kafka
    (from the calling thread, as the consumer requires) only after its transaction committed, and
    a failed write is raised in the calling thread at the next :meth:`submit` or :meth:`close`.
    """

    def __init__(self, write: Callable[[Batch], None],
                 after: Callable[[Batch], None]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pantau-writer")
        self._write = write
        self._after = after
        self._pending: tuple[Future[None], Batch] | None = None

    def submit(self, batch: Batch) -> None:
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
