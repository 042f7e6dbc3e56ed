"""Kafka to ``raw.social_posts``, exactly once.

* ``loader`` — :class:`Loader` consumes the topic, one DuckDB transaction per batch, and its
  :class:`IngestReport`;
* ``batch`` — the messages of one transaction, gathered as Arrow columns;
* ``writer`` — the background writer that writes a batch while the next is consumed;
* ``schema`` — the Arrow schemas and the conversion of messages into their rows;
* ``bulk`` — the contract checks DuckDB runs on each batch.

``Loader`` and ``IngestReport`` are imported from here. They are loaded on first use, so that
importing the light ``bulk`` does not pull in Kafka, DuckDB and Arrow (DAG files stay fast).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pantau.ingest.loader import IngestReport, Loader

__all__ = ["IngestReport", "Loader"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from pantau.ingest import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
