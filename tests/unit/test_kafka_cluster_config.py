"""The three-broker cluster's layout, written without starting it: ports, voters, one cluster
id, and the replication of Pantau's topics."""

from __future__ import annotations

from pathlib import Path

import pytest

from pantau.connections.kafka import replication, topic_specs
from pantau.exceptions import ConfigurationError
from pantau.local.kafka import LocalKafka, LocalKafkaCluster, local_kafka
from pantau.settings import Settings


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings.from_env({"PANTAU_STATE_DIR": str(tmp_path)}, **overrides)


def test_the_default_stays_one_broker_on_the_address_given(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert settings.kafka_brokers == 1
    assert settings.kafka_client_config()["bootstrap_servers"] == ["localhost:9092"]
    assert type(local_kafka(settings)) is LocalKafka
    assert replication(settings, brokers=1) == (1, None)
    posts, dlq = topic_specs(settings)
    assert (posts.replication_factor, dlq.replication_factor) == (1, 1)
    assert "min.insync.replicas" not in posts.topic_configs


def test_three_brokers_on_consecutive_ports_and_clients_bootstrap_from_all(tmp_path: Path) -> None:
    settings = _settings(tmp_path, kafka_brokers=3)
    assert settings.kafka_client_config()["bootstrap_servers"] == [
        "localhost:9092", "localhost:9094", "localhost:9096"]
    cluster = local_kafka(settings)
    assert isinstance(cluster, LocalKafkaCluster)
    ports = [(node.port, node.controller_port) for node in cluster.nodes]
    assert ports == [(9092, 9093), (9094, 9095), (9096, 9097)]
    assert len({p for pair in ports for p in pair}) == 6
    assert cluster.voters == "1@localhost:9093,2@localhost:9095,3@localhost:9097"
    assert len({node.data_dir for node in cluster.nodes}) == 3
    assert len({node.log_path for node in cluster.nodes}) == 3
    # The single broker's files stay where they were: the cluster has its own.
    single = LocalKafka(_settings(tmp_path))
    assert all(node.dir.parent == single.dir / "cluster" for node in cluster.nodes)
    assert single.data_dir not in {node.data_dir for node in cluster.nodes}
    # A listed set of addresses is used as given.
    listed = _settings(tmp_path, kafka_brokers=3,
                       kafka_bootstrap_servers="kafka1:9092,kafka2:9092,kafka3:9092")
    assert listed.kafka_client_config()["bootstrap_servers"] == [
        "kafka1:9092", "kafka2:9092", "kafka3:9092"]


def test_each_node_config_names_the_quorum_and_replicates_everything(tmp_path: Path) -> None:
    cluster = LocalKafkaCluster(_settings(tmp_path, kafka_bootstrap_servers="localhost:40000",
                                          kafka_controller_port=40001))
    configs = []
    for node in cluster.nodes:
        lines = dict(line.split("=", 1) for line in node._config().splitlines()
                     if line and not line.startswith("#"))
        configs.append(lines)
        assert lines["node.id"] == str(node.node_id)
        assert lines["process.roles"] == "broker,controller"
        assert lines["controller.quorum.voters"] == (
            "1@localhost:40001,2@localhost:40003,3@localhost:40005")
        assert lines["listeners"] == (f"PLAINTEXT://localhost:{node.port},"
                                      f"CONTROLLER://localhost:{node.controller_port}")
        assert lines["log.dirs"] == str(node.data_dir)
        for key in ("default.replication.factor", "offsets.topic.replication.factor",
                    "transaction.state.log.replication.factor"):
            assert lines[key] == "3", key
        assert lines["min.insync.replicas"] == lines["transaction.state.log.min.isr"] == "2"
    assert [c["listeners"] for c in configs] == sorted({c["listeners"] for c in configs})
    # One cluster id, drawn once, for every node's format.
    ids = {node._format_options()[-1] for node in cluster.nodes}
    assert len(ids) == 1 and "--standalone" not in cluster.nodes[0]._format_options()


def test_topics_replicate_to_three_with_two_in_sync(tmp_path: Path) -> None:
    settings = _settings(tmp_path, kafka_brokers=3)
    assert replication(settings, brokers=3) == (3, 2)
    assert replication(settings, brokers=5) == (3, 2)
    assert replication(settings, brokers=2) == (2, None)
    posts, dlq = topic_specs(settings, brokers=3)
    assert (posts.replication_factor, dlq.replication_factor) == (3, 3)
    assert posts.topic_configs["min.insync.replicas"] == dlq.topic_configs[
        "min.insync.replicas"] == "2"
    chosen = _settings(tmp_path, topic_replication_factor=2, topic_min_insync_replicas=1)
    assert replication(chosen, brokers=3) == (2, 1)
    impossible = _settings(tmp_path, topic_replication_factor=2, topic_min_insync_replicas=3)
    with pytest.raises(ConfigurationError, match="PANTAU_TOPIC_MIN_INSYNC_REPLICAS"):
        replication(impossible, brokers=3)
