"""Helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition

from pantau import warehouse
from pantau.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_topic(settings: Settings, topic: str) -> list:
    """Every message of ``topic``, from the beginning to the end offsets of now."""
    consumer = KafkaConsumer(**settings.kafka_client_config(), enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    ends = consumer.end_offsets(partitions)
    messages = []
    while any(consumer.position(tp) < end for tp, end in ends.items()):
        for records in consumer.poll(timeout_ms=1000).values():
            messages.extend(records)
    consumer.close()
    return messages


def isolated_settings(base: Settings, state: Path, **overrides: object) -> Settings:
    """Settings with their own topics (created), consumer group and files under ``state``."""
    import uuid

    from pantau.kafka import ensure_topics

    run = uuid.uuid4().hex[:10]
    settings = Settings.from_env(
        {**base.environment(), "PANTAU_STATE_DIR": str(state)},
        topic_posts=f"test.{run}.posts", topic_dlq=f"test.{run}.dlq", consumer_group=f"test-{run}",
        warehouse_path=state / "warehouse.duckdb", published_path=state / "published.duckdb",
        airflow_home=state / "airflow", topic_partitions=3, **overrides)
    ensure_topics(settings)
    return settings


def query(settings: Settings, sql: str) -> list[tuple]:
    """Rows of ``sql`` on the test's warehouse, opened read-only."""
    con = warehouse.connect(settings.warehouse_path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def pantau_process(settings: Settings, *args: str, **env: str) -> subprocess.Popen[str]:
    """``pantau <args>`` in a child process with these settings; stdout and stderr merged."""
    environment = {**os.environ, **settings.environment(), **env}
    return subprocess.Popen([sys.executable, "-m", "pantau.cli", *args], env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=Path(__file__).parent.parent)


class WebhookReceiver:
    """A local HTTP server that records the JSON bodies POSTed to it (the alert webhook's stand-in).

    ``received`` is set when the first body arrives, so tests wait on it with a deadline.
    """

    def __init__(self) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.bodies: list[dict] = []
        self.received = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                receiver.received.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/alerts"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


CORRUPT_RAW_ROWS = """
    insert into raw.social_posts
    select * replace (
        uuid()::varchar as event_id,
        -5 as likes,
        -- an earlier observation than any of the post's (so staging, which keeps the latest,
        -- and dbt's tests do not see it), observed before the post was even created
        created_at - interval 1 hour as observed_at,
        current_timestamp::timestamp as ingested_at
    )
    from raw.social_posts
    using sample 3 rows
"""
