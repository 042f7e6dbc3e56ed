"""Kafka plumbing shared by producers, the loader and the stack: clients, topics, reachability."""

from __future__ import annotations

import logging
import time
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaConfigurationError, KafkaError, TopicAlreadyExistsError

from pantau.exceptions import ConfigurationError, KafkaUnavailableError
from pantau.settings import Settings

log = logging.getLogger(__name__)


#: kafka-python options of the long-lived clients (the publisher's producer, the loader's
#: consumer) that let them ride through a leader change on a cluster. When a broker dies, its
#: partitions get new leaders once the controller fences it (``broker.session.timeout.ms``, 9 s).
#: The consumer skips a partition whose leader it cannot reach without asking for new metadata,
#: so a short metadata age is what makes it fetch from the new leader; a short reconnect backoff
#: finds a restarted broker within a second instead of up to 30 s.
FAILOVER_OPTIONS: dict[str, int] = {"metadata_max_age_ms": 5_000, "reconnect_backoff_max_ms": 1_000}


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


def replication(settings: Settings, brokers: int) -> tuple[int, int | None]:
    """(replication factor, ``min.insync.replicas`` or None for Kafka's default) of Pantau's
    topics on a cluster where ``brokers`` brokers answer.

    Raises:
        ConfigurationError: the minimum in-sync replicas exceed the replication factor (every
            ``acks=all`` write would fail).
    """
    factor = settings.topic_replication_factor or max(1, min(3, brokers))
    min_insync = settings.topic_min_insync_replicas or (2 if factor >= 3 else None)
    if min_insync and min_insync > factor:
        raise ConfigurationError(
            settings.env_name("topic_min_insync_replicas"), str(min_insync),
            f"at most the replication factor {factor} (else no write is ever acknowledged)")
    return factor, min_insync


def topic_specs(settings: Settings, brokers: int = 1) -> list[NewTopic]:
    """The topics Pantau owns, with explicit partitions, replication and retention."""
    retention_ms = str(settings.topic_retention_hours * 3600 * 1000)
    factor, min_insync = replication(settings, brokers)
    common: dict[str, str] = {"retention.ms": retention_ms, "cleanup.policy": "delete",
                              "max.message.bytes": str(2 * 1024 * 1024)}
    if min_insync:
        common["min.insync.replicas"] = str(min_insync)
    return [
        NewTopic(settings.topic_posts, num_partitions=settings.topic_partitions,
                 replication_factor=factor, topic_configs=dict(common)),
        NewTopic(settings.topic_dlq, num_partitions=1, replication_factor=factor,
                 topic_configs=dict(common)),
    ]


def ensure_topics(settings: Settings) -> list[str]:
    """Create Pantau's topics when missing; return the names created now (empty if none).

    The replication factor is PANTAU_TOPIC_REPLICATION_FACTOR, or as many brokers as answer, at
    most 3; with 3 replicas a write needs 2 in sync (PANTAU_TOPIC_MIN_INSYNC_REPLICAS). Topics
    that exist are left alone, whatever their settings.
    """
    client = admin_client(settings)
    try:
        existing = set(client.list_topics())
        wanted = [settings.topic_posts, settings.topic_dlq]
        if all(name in existing for name in wanted):
            return []
        brokers = len(client.describe_cluster()["brokers"])
        missing = [spec for spec in topic_specs(settings, brokers) if spec.name not in existing]
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
