"""docker-compose.yml: the postgres service holds Pantau's serving database and roles too."""

from __future__ import annotations

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
