"""Helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
from kafka import KafkaConsumer, TopicPartition

from pantau.connections import warehouse
from pantau.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_run(count: int) -> int:
    """The first of ``count`` consecutive free ports (for the three-broker cluster, whose node n
    listens at base + 2(n-1) and its controller at base + 2(n-1) + 1)."""
    while True:
        base = free_port()
        if base + count > 65535:
            continue
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()


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


#: The PostgreSQL database the integration tests publish into (recreated at each session start
#: by the ``postgres_server`` fixture, which a test that publishes must request): one per
#: pytest-xdist worker (``PYTEST_XDIST_WORKER``, set before the worker imports this), since the
#: workers share the server.
TEST_DATABASE = "_".join(filter(None, ("pantau_test", os.environ.get("PYTEST_XDIST_WORKER"))))


def state_paths(state: Path) -> dict[str, Path]:
    """Every setting whose default lies under the state directory (``{state}/…``), under
    ``state``: the settings a test builds from another's ``environment()`` would otherwise keep
    that one's files (its warehouse, ledger, cursors, reports). Not ``pg_dir``: the session's
    PostgreSQL server is shared (each test has its own database)."""
    return {name: Path(str(field.default).replace("{state}", str(state)))
            for name, field in Settings.model_fields.items()
            if isinstance(field.default, str) and "{state}" in field.default
            and name != "pg_dir"}  # the session's one PostgreSQL server (tests: own databases)


def isolated_settings(base: Settings, state: Path, **overrides: object) -> Settings:
    """Settings with their own topics (created), consumer group and files under ``state``;
    publish writes into the test database of PostgreSQL."""
    import uuid

    from pantau.connections.kafka import ensure_topics

    run = uuid.uuid4().hex[:10]
    settings = Settings.from_env(
        {**base.environment(), "PANTAU_STATE_DIR": str(state)},
        **{**state_paths(state), "topic_posts": f"test.{run}.posts",
           "topic_dlq": f"test.{run}.dlq", "consumer_group": f"test-{run}",
           "topic_partitions": 3, "pg_database": TEST_DATABASE, **overrides})
    ensure_topics(settings)
    return settings


#: Columns that say when a build wrote a row (the network models' built_at): an incremental
#: build and a full refresh differ there by design, so comparisons of models leave them out.
BUILD_TIME_COLUMNS = ("built_at",)


def model_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every table of the dbt schemas, its rows sorted, without BUILD_TIME_COLUMNS."""
    tables = con.execute(
        "select table_schema, table_name, list(column_name) from information_schema.columns "
        "where table_schema in ('staging', 'intermediate', 'marts') group by all "
        "order by all").fetchall()
    rows = {}
    for schema, table, columns in tables:
        dropped = [c for c in BUILD_TIME_COLUMNS if c in columns]
        exclude = f" exclude ({', '.join(dropped)})" if dropped else ""
        rows[f"{schema}.{table}"] = sorted(
            con.execute(f"select *{exclude} from {schema}.{table}").fetchall(), key=repr)
    return rows


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
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                with receiver._arrived:
                    receiver.bodies.append(json.loads(self.rfile.read(length)))
                    receiver._arrived.notify_all()
                receiver.received.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/alerts"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def wait_for(self, count: int, timeout_s: float) -> bool:
        """Wait until at least ``count`` bodies arrived (False at the deadline)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.bodies) >= count, timeout=timeout_s)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


#: Three observations with negative likes, observed before their post was created; each an
#: earlier observation than any of its post's (so the post's latest state is unchanged). dbt's
#: tests on staging.stg_post_observations and the GX raw suites both catch them.
CORRUPT_RAW_ROWS = """
    insert into raw.social_posts
    select * replace (
        uuid()::varchar as event_id,
        -5 as likes,
        created_at - interval 1 hour as observed_at,
        'corrupted-by-test' as source_name,
        current_timestamp::timestamp as ingested_at
    )
    from raw.social_posts
    using sample 3 rows
"""

#: Two observations whose text is longer than the contract allows (the loader would reject
#: them): no dbt test looks at text length, the GX raw suites do.
OVERLONG_TEXT_ROWS = """
    insert into raw.social_posts
    select * replace (
        uuid()::varchar as event_id,
        repeat('x', 100001) as text,
        observed_at + interval 1 second as observed_at,
        'corrupted-by-test' as source_name,
        current_timestamp::timestamp as ingested_at
    )
    from raw.social_posts
    using sample 2 rows
"""

REMOVE_CORRUPTED_ROWS = "delete from raw.social_posts where source_name = 'corrupted-by-test'"
