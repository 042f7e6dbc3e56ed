"""Kafka plumbing shared by producers, the loader and the stack: clients, topics, reachability."""

from __future__ import annotations

import logging
import time
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaConfigurationError, KafkaError, TopicAlreadyExistsError

from pantau.exceptions import KafkaUnavailableError
from pantau.settings import Settings

log = logging.getLogger(__name__)


def admin_client(settings: Settings, *, timeout_s: float = 10.0) -> KafkaAdminClient:
    """An admin client with the security options of ``settings``.

    Raises:
        KafkaUnavailableError: no broker answered within ``timeout_s``.
    """
    try:
        return KafkaAdminClient(
            **settings.kafka_client_config(),
            client_id="pantau-admin",
            request_timeout_ms=int(timeout_s * 1000),
            bootstrap_timeout_ms=int(timeout_s * 1000),
        )
    except KafkaConfigurationError:
        raise
    except (KafkaError, OSError) as error:
        raise KafkaUnavailableError(settings.kafka_bootstrap_servers, type(error).__name__) from None


def broker_alive(settings: Settings, *, timeout_s: float = 3.0) -> bool:
    """True when a broker answers a metadata request."""
    try:
        client = admin_client(settings, timeout_s=timeout_s)
    except KafkaUnavailableError:
        return False
    try:
        client.list_topics()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        client.close()


def wait_for_broker(settings: Settings, *, timeout_s: float = 60.0) -> float:
    """Block until a broker answers; return the seconds waited.

    Raises:
        KafkaUnavailableError: none answered within ``timeout_s``.
    """
    start = time.monotonic()
    while not broker_alive(settings, timeout_s=2.0):
        if time.monotonic() - start > timeout_s:
            raise KafkaUnavailableError(settings.kafka_bootstrap_servers,
                                        f"no answer within {timeout_s:.0f}s")
        time.sleep(0.2)
    return time.monotonic() - start


def missing_topics(settings: Settings, topics: list[str]) -> list[str]:
    """Which of ``topics`` the cluster does not have."""
    client = admin_client(settings)
    try:
        existing = set(client.list_topics())
    finally:
        client.close()
    return [topic for topic in topics if topic not in existing]


def topic_specs(settings: Settings) -> list[NewTopic]:
    """The topics Pantau owns, with explicit partitions and retention."""
    retention_ms = str(settings.topic_retention_hours * 3600 * 1000)
    common: dict[str, str] = {"retention.ms": retention_ms, "cleanup.policy": "delete",
                              "max.message.bytes": str(2 * 1024 * 1024)}
    return [
        NewTopic(settings.topic_posts, num_partitions=settings.topic_partitions,
                 replication_factor=1, topic_configs=dict(common)),
        NewTopic(settings.topic_dlq, num_partitions=1, replication_factor=1,
                 topic_configs=dict(common)),
    ]


def ensure_topics(settings: Settings) -> list[str]:
    """Create Pantau's topics when missing; return the names created now (empty if none).

    Topics on shared clusters use replication factor 1 here; create them yourself with a higher
    factor beforehand and Pantau will leave them alone.
    """
    client = admin_client(settings)
    try:
        existing = set(client.list_topics())
        missing = [spec for spec in topic_specs(settings) if spec.name not in existing]
        created = []
        for spec in missing:
            try:
                client.create_topics([spec])
                created.append(spec.name)
            except TopicAlreadyExistsError:
                pass
        _wait_for_metadata(client, [s.name for s in missing])
        return created
    finally:
        client.close()


def _wait_for_metadata(client: KafkaAdminClient, topics: list[str], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while topics and time.monotonic() < deadline:
        described: list[dict[str, Any]] = client.describe_topics(topics)
        if all(t.get("error_code", 1) == 0 and t.get("partitions") for t in described):
            return
        time.sleep(0.1)
