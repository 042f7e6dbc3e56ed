"""`pantau stack` tells the truth: up twice, status, a killed broker, down."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from pantau.local.kafka import LocalKafka
from pantau.settings import Settings
from tests.support import free_port

pytestmark = pytest.mark.integration


def test_up_twice_status_kill_status_down(second_broker: LocalKafka):
    """The broker is started by the test itself."""
    assert second_broker.status().state == "not-running"
    lines: list[str] = []
    first = second_broker.up(say=lines.append)
    assert first.state == "running" and first.pid
    assert any(line.startswith("Kafka is up") for line in lines)
    assert any("social.posts.v1" in line for line in lines)

    again: list[str] = []
    second = second_broker.up(say=again.append)
    assert second.pid == first.pid
    assert again[0].startswith("Kafka already running")

    os.kill(first.pid, signal.SIGKILL)
    while second_broker.running_pid():
        os.waitpid(first.pid, os.WNOHANG)
        time.sleep(0.05)
    dead = second_broker.status()
    assert dead.state == "dead" and "is gone" in dead.detail

    assert second_broker.down() == "Nothing to stop: no broker started by Pantau is running."
    assert second_broker.status().state == "not-running"


def test_down_leaves_a_broker_it_did_not_start_alone(kafka_broker: Settings, tmp_path):
    stranger = LocalKafka(Settings.from_env(
        {**kafka_broker.environment(), "PANTAU_STATE_DIR": str(tmp_path)}))
    assert stranger.status().state == "external"
    assert "was not started by Pantau" in stranger.down()
    assert stranger.status().answering


def test_port_in_use_by_something_else_is_a_clear_error(kafka_broker: Settings, tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        broker = LocalKafka(Settings.from_env(
            {**kafka_broker.environment(), "PANTAU_STATE_DIR": str(tmp_path)},
            kafka_bootstrap_servers=f"localhost:{port}", kafka_controller_port=free_port()))
        with pytest.raises(Exception, match=f"Port {port} is in use by another program"):
            broker.up(say=lambda _: None)


def test_missing_java_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    with pytest.raises(Exception, match=r"Java was not found.*openjdk-17"):
        LocalKafka.java()
