import re
from pathlib import Path

import pytest

from pantau.exceptions import ConfigurationError
from pantau.settings import PROJECT_DIR, MartTunables, Settings, TextVariables, settings_markdown


def test_defaults_are_local_and_live_under_the_state_dir():
    settings = Settings.from_env({})
    assert settings.kafka_bootstrap_servers == "localhost:9092"
    assert settings.kafka_security_protocol == "PLAINTEXT"
    assert settings.topic_posts == "social.posts.v1"
    assert settings.topic_partitions == 6
    assert settings.state_dir == PROJECT_DIR / ".pantau"
    assert settings.warehouse_path == settings.state_dir / "warehouse.duckdb"
    assert settings.airflow_home == settings.state_dir / "airflow"


def test_environment_overrides_and_state_dir_moves_derived_paths(tmp_path: Path):
    settings = Settings.from_env({
        "PANTAU_STATE_DIR": str(tmp_path),
        "PANTAU_TOPIC_POSTS": "my.posts",
        "PANTAU_TOPIC_PARTITIONS": "12",
    })
    assert settings.topic_posts == "my.posts"
    assert settings.topic_partitions == 12
    assert settings.warehouse_path == tmp_path / "warehouse.duckdb"
    assert settings.published_path == tmp_path / "published.duckdb"


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("PANTAU_TOPIC_PARTITIONS", "six", "a whole number"),
    ("PANTAU_INGEST_BATCH_SIZE", "0", "at least 1"),
    ("PANTAU_KAFKA_SECURITY_PROTOCOL", "TLS", "one of PLAINTEXT"),
    ("PANTAU_KAFKA_SASL_MECHANISM", "GSSAPI", "one of PLAIN"),
    ("PANTAU_PG_PUBLISH", "maybe", "true or false"),
    ("PANTAU_PG_PORT", "0", "at least 1"),
    ("PANTAU_PG_READER_CONNECTIONS", "many", "a whole number"),
    ("PANTAU_KAFKA_BROKERS", "2", "1 or 3"),
    ("PANTAU_INGEST_MEMORY_LIMIT", "lots", "a size DuckDB understands"),
])
def test_invalid_values_name_the_variable(variable: str, value: str, expected: str):
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({variable: value})
    assert variable in str(raised.value)
    assert expected in str(raised.value)


def test_sasl_needs_a_user_name():
    with pytest.raises(ConfigurationError, match="PANTAU_KAFKA_SASL_USERNAME"):
        Settings.from_env({"PANTAU_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"})


def test_sasl_ssl_options_reach_every_client_config():
    settings = Settings.from_env({
        "PANTAU_KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "PANTAU_KAFKA_SASL_USERNAME": "pantau",
        "PANTAU_KAFKA_SASL_PASSWORD": "s3cret",
        "PANTAU_KAFKA_SSL_CAFILE": "/etc/ssl/ca.pem",
        "PANTAU_KAFKA_BOOTSTRAP_SERVERS": "b1:9096,b2:9096",
    })
    config = settings.kafka_client_config()
    assert config == {
        "bootstrap_servers": ["b1:9096", "b2:9096"],
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "pantau",
        "sasl_plain_password": "s3cret",
        "ssl_cafile": "/etc/ssl/ca.pem",
    }
    assert ("PANTAU_KAFKA_SASL_PASSWORD", "********") in settings.describe()


def test_plaintext_config_carries_no_credentials():
    config = Settings.from_env({"PANTAU_KAFKA_SASL_PASSWORD": "x"}).kafka_client_config()
    assert set(config) == {"bootstrap_servers", "security_protocol"}


def test_environment_round_trips():
    settings = Settings.from_env({"PANTAU_TOPIC_DLQ": "dead"})
    assert Settings.from_env(settings.environment()) == settings


def test_every_setting_is_a_pantau_variable_and_in_the_readme():
    readme = (PROJECT_DIR / "README.md").read_text()
    assert all(name.startswith("PANTAU_") for name in Settings.from_env({}).environment())
    assert settings_markdown() in readme, "README settings table is stale: paste `pantau settings --markdown`"


def test_connector_options_are_typed_and_their_secrets_masked(tmp_path: Path):
    settings = Settings.from_env({
        "PANTAU_STATE_DIR": str(tmp_path),
        "PANTAU_X_BEARER_TOKEN": " token\n",
        "PANTAU_MASTODON_URL": "https://example.social/",
        "PANTAU_HTTP_TIMEOUT_S": "0.5",
        "PANTAU_HTTP_RETRIES": "0",
    })
    assert settings.x_bearer_token == "token" and settings.mastodon_url == "https://example.social"
    assert (settings.http_timeout_s, settings.http_retries) == (0.5, 0)
    assert settings.cursor_dir == tmp_path / "cursors"
    assert ("PANTAU_X_BEARER_TOKEN", "********") in settings.describe()
    assert ("PANTAU_YOUTUBE_API_KEY", "") in settings.describe()
    with pytest.raises(ConfigurationError, match=r"PANTAU_HTTP_TIMEOUT_S.*a number of at least 0\.001"):
        Settings.from_env({"PANTAU_HTTP_TIMEOUT_S": "0"})
    with pytest.raises(ConfigurationError, match=r"PANTAU_HTTP_RETRIES.*a whole number"):
        Settings.from_env({"PANTAU_HTTP_RETRIES": "2.5"})


def test_postgres_settings_live_under_the_state_dir_and_hide_their_secrets(tmp_path: Path):
    settings = Settings.from_env({
        "PANTAU_STATE_DIR": str(tmp_path),
        "PANTAU_PG_READER_PASSWORD": "reader-secret",
        "PANTAU_PG_URL": "postgresql://w:writer-secret@db:5432/pantau",
        "PANTAU_PG_PUBLISH": "off",
    })
    assert settings.pg_dir == tmp_path / "postgres"
    assert settings.pg_publish is False and settings.pg_port == 5433
    described = dict(settings.describe())
    assert described["PANTAU_PG_READER_PASSWORD"] == "********"
    assert described["PANTAU_PG_URL"] == "********"
    assert "secret" not in repr(settings.describe())


def test_the_previous_release_pg_user_and_password_become_the_reader_s():
    old = Settings.from_env({"PANTAU_PG_USER": "metabase", "PANTAU_PG_PASSWORD": "pw"})
    assert (old.pg_reader, old.pg_reader_password) == ("metabase", "pw")
    both = Settings.from_env({"PANTAU_PG_USER": "metabase", "PANTAU_PG_READER": "bi"})
    assert both.pg_reader == "bi"  # the new name wins


def test_every_mart_tunable_of_the_models_is_declared_with_the_same_default():
    declared = MartTunables.from_env({})
    used = {}
    for sql in (PROJECT_DIR / "dbt_project").rglob("*.sql"):
        if "target" in sql.parts or "dbt_packages" in sql.parts:
            continue
        for name, default in re.findall(r"pantau_setting\('(\w+)',\s*([^)]+?)\s*\)", sql.read_text()):
            used[name] = default
    profiles = (PROJECT_DIR / "dbt_project" / "profiles.yml").read_text()
    used.update(re.findall(r"env_var\('PANTAU_(\w+)',\s*'([^']*)'\)", profiles))
    used.pop("WAREHOUSE_PATH", None)  # a setting, always passed by `pantau build`
    assert used, "no pantau_setting(...) found in the dbt project"
    for name, default in used.items():
        field = name.lower()
        assert field in MartTunables.model_fields, f"PANTAU_{name} is used by dbt but not declared"
        value = getattr(declared, field)
        same = default == value if isinstance(value, str) else float(default) == float(value)
        assert same, f"PANTAU_{name}: {default}"


def test_mart_tunables_and_text_variables_are_checked_and_listed(tmp_path: Path):
    with pytest.raises(ConfigurationError, match=r"PANTAU_ALERT_SIGMA.*a number"):
        MartTunables.from_env({"PANTAU_ALERT_SIGMA": "high"})
    assert MartTunables.from_env({"PANTAU_ALERT_SIGMA": "3.5"}).alert_sigma == 3.5
    with pytest.raises(ConfigurationError, match=r"PANTAU_DBT_MEMORY_LIMIT.*50%"):
        MartTunables.from_env({"PANTAU_DBT_MEMORY_LIMIT": "80%; drop table raw.social_posts"})
    assert MartTunables.from_env({"PANTAU_DBT_MEMORY_LIMIT": "12 GB"}).dbt_memory_limit == "12 GB"
    with pytest.raises(ConfigurationError, match=r"PANTAU_DBT_LOG_LEVEL_FILE.*one of none"):
        MartTunables.from_env({"PANTAU_DBT_LOG_LEVEL_FILE": "verbose"})
    assert MartTunables.from_env({}).dbt_log_level_file == "none"
    assert TextVariables.from_env({"PANTAU_TEXT_DATA_DIR": str(tmp_path)}).text_data_dir == tmp_path
    names = [name for name, _ in Settings.from_env({}).describe()]
    assert {"PANTAU_TEXT_DATA_DIR", "PANTAU_PSEUDONYM_KEY", "PANTAU_ALERT_SIGMA"} <= set(names)


def test_replace_makes_a_checked_copy(tmp_path: Path):
    settings = Settings.from_env({"PANTAU_STATE_DIR": str(tmp_path)})
    moved = settings.replace(pg_port=6000, warehouse_path=tmp_path / "other.duckdb")
    assert (moved.pg_port, moved.warehouse_path, settings.pg_port) == (6000, tmp_path / "other.duckdb", 5433)
    assert moved.replace() == moved
    with pytest.raises(ConfigurationError, match="PANTAU_PG_PORT"):
        settings.replace(pg_port=0)
