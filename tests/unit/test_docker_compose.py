"""docker-compose.yml: the postgres service holds Pantau's serving database and roles too; the
cluster override (docker-compose.cluster.yml) runs three Kafka brokers."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ROLES_SQL = ROOT / "infra" / "postgres" / "roles.sql"
INIT = ROOT / "infra" / "postgres" / "docker-init.sh"
VARIABLE_REFERENCE = re.compile(r"^\$\{[A-Z0-9_]+(:?[?-][^}]*)?\}$")


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _without_comments(sql: str) -> str:
    return "\n".join(re.sub(r"--.*$", "", line) for line in sql.splitlines())


def roles_sql_inputs() -> tuple[set[str], set[str]]:
    """(psql variables roles.sql reads and does not set itself, environment variables it reads)."""
    sql = _without_comments(ROLES_SQL.read_text())
    used = set(re.findall(r"(?<![:\w]):['\"]?([A-Za-z_]\w*)", sql))
    used -= {name for name in re.findall(r"^\\set\s+(\w+)", sql, re.M)}
    getenv = dict(re.findall(r"^\\getenv\s+(\w+)\s+(\w+)", sql, re.M))
    return used - set(getenv), set(getenv.values())


def test_services() -> None:
    services = _compose()["services"]
    assert {"kafka", "postgres"} <= set(services)
    assert {"airflow-init", "airflow-apiserver", "airflow-scheduler",
            "airflow-dag-processor"} <= set(services)
    postgres = services["postgres"]
    assert "127.0.0.1:5433:5432" in postgres["ports"]
    assert postgres["environment"]["POSTGRES_DB"] == "airflow"  # Airflow's metadata stays here


def test_postgres_mounts_the_init_script_and_roles_sql() -> None:
    volumes = _compose()["services"]["postgres"]["volumes"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in volumes}
    assert mounts["/pantau"] == "./infra/postgres"
    init = [target for target, source in mounts.items()
            if source == "./infra/postgres/docker-init.sh"]
    assert init and init[0].startswith("/docker-entrypoint-initdb.d/") and init[0].endswith(".sh")
    assert INIT.stat().st_mode & 0o111, "the init script must be executable"
    assert "-f /pantau/roles.sql" in INIT.read_text()
    assert (ROOT / "infra" / "postgres" / "roles.sql").exists()


def test_airflow_publishes_into_the_pantau_database_as_the_writer() -> None:
    services = _compose()["services"]
    airflow = [name for name in services if name.startswith("airflow-")]
    assert airflow
    for name in airflow:
        url = services[name]["environment"]["PANTAU_PG_URL"]
        # The password is a compose variable, substituted before libpq parses the URL.
        parts = urlsplit(url.replace("${PANTAU_PG_WRITER_PASSWORD}", "secret"))
        assert url.startswith("postgresql://pantau_writer:${PANTAU_PG_WRITER_PASSWORD}@"), name
        assert (parts.scheme, parts.username, parts.hostname, parts.port, parts.path) == (
            "postgresql", "pantau_writer", "postgres", 5432, "/pantau"), name


def test_init_script_passes_every_variable_roles_sql_uses() -> None:
    variables, environment = roles_sql_inputs()
    assert variables == {"database", "writer", "reader", "reader_connections",
                         "writer_connections", "statement_timeout", "idle_timeout"}
    assert environment == {"PANTAU_PG_WRITER_PASSWORD", "PANTAU_PG_READER_PASSWORD"}
    script = INIT.read_text()
    passed = set(re.findall(r"-v\s+(\w+)=", script))
    assert variables <= passed, variables - passed
    exported = set(re.findall(r"^export\s+(.+)$", script, re.M)[0].split())
    assert environment <= exported
    service_env = _compose()["services"]["postgres"]["environment"]
    for name in environment:
        assert VARIABLE_REFERENCE.match(service_env[name]), name
        assert service_env[name].startswith("${" + name + ":?")


def test_no_literal_password_in_the_compose_file() -> None:
    secret_key = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN", re.I)

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if secret_key.search(str(key)) and isinstance(value, str | int):
                    assert VARIABLE_REFERENCE.match(str(value)), f"{path}.{key}"
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")
        elif isinstance(node, str):
            for match in re.finditer(r"://([^:/@\s]+):([^@\s]+)@", node):
                assert VARIABLE_REFERENCE.match(match.group(2)), f"{path}: {node}"

    walk(_compose(), "compose")


CLUSTER = ROOT / "docker-compose.cluster.yml"


def _merged(base: dict, override: dict) -> dict:
    """``override`` layered on ``base`` as compose does for these files: maps merge key by key,
    anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _cluster() -> dict:
    return _merged(_compose(), yaml.safe_load(CLUSTER.read_text()))


def test_the_cluster_override_runs_three_kraft_voters() -> None:
    services = _cluster()["services"]
    nodes = {name: services[name] for name in ("kafka", "kafka-2", "kafka-3")}
    envs = {name: service["environment"] for name, service in nodes.items()}
    ids = {name: int(env["KAFKA_NODE_ID"]) for name, env in envs.items()}
    assert sorted(ids.values()) == [1, 2, 3]
    voters = {env["KAFKA_CONTROLLER_QUORUM_VOTERS"] for env in envs.values()}
    assert len(voters) == 1
    declared = dict(voter.split("@") for voter in voters.pop().split(","))
    assert {int(node_id) for node_id in declared} == {1, 2, 3}
    for name, env in envs.items():
        # each voter is the service with that node id, on its controller listener
        host, port = declared[str(ids[name])].split(":")
        assert host == name and f"CONTROLLER://:{port}" in env["KAFKA_LISTENERS"], name
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert f"PLAINTEXT://{name}:29092" in env["KAFKA_ADVERTISED_LISTENERS"]
        assert nodes[name]["image"] == services["kafka"]["image"]
    cluster_ids = {env["CLUSTER_ID"] for env in envs.values()}
    assert len(cluster_ids) == 1
    cluster_id = cluster_ids.pop()
    assert len(cluster_id) == 22 and len(base64.urlsafe_b64decode(cluster_id + "==")) == 16


def test_the_cluster_replicates_three_times_with_two_in_sync() -> None:
    services = _cluster()["services"]
    for name in ("kafka", "kafka-2", "kafka-3"):
        env = services[name]["environment"]
        for key in ("KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                    "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                    "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR"):
            assert int(env[key]) == 3, (name, key)
        for key in ("KAFKA_MIN_INSYNC_REPLICAS", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
                    "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR"):
            assert int(env[key]) == 2, (name, key)
        assert str(env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]) == "false"
    # Airflow's tasks bootstrap from all three and create topics with three replicas.
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor"):
        env = services[name]["environment"]
        assert env["PANTAU_KAFKA_BOOTSTRAP_SERVERS"].split(",") == [
            "kafka:29092", "kafka-2:29092", "kafka-3:29092"]
        assert int(env["PANTAU_KAFKA_BROKERS"]) == 3
        assert {"kafka", "kafka-2", "kafka-3"} <= set(services[name]["depends_on"])
    # The single-broker file alone is unchanged: one voter, one replica.
    single = _compose()["services"]["kafka"]["environment"]
    assert single["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert int(single["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == 1


def test_the_cluster_nodes_have_distinct_ports_and_volumes() -> None:
    services = _cluster()["services"]
    nodes = [services[name] for name in ("kafka", "kafka-2", "kafka-3")]
    host_ports = [port for node in nodes for port in node["ports"]]
    assert host_ports == ["127.0.0.1:9092:9092", "127.0.0.1:9094:9094", "127.0.0.1:9096:9096"]
    for node, published in zip(nodes, host_ports, strict=True):
        port = published.rsplit(":", 1)[1]
        env = node["environment"]
        assert f"PLAINTEXT_HOST://:{port}" in env["KAFKA_LISTENERS"]
        assert f"PLAINTEXT_HOST://localhost:{port}" in env["KAFKA_ADVERTISED_LISTENERS"]
        assert f"--bootstrap-server localhost:{port}" in node["healthcheck"]["test"][1]
    volumes = [node["volumes"][0].split(":")[0] for node in nodes]
    assert len(set(volumes)) == 3 and set(volumes) <= set(_cluster()["volumes"])
    # the layout of `pantau stack up --brokers 3` on the host: node n at 9092 + 2(n-1)
    assert host_ports == [f"127.0.0.1:{9092 + 2 * n}:{9092 + 2 * n}" for n in range(3)]
