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
