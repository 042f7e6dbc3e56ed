"""Every option a user can set, in one place, read from ``PANTAU_*`` environment variables.

Build one ``Settings`` with :meth:`Settings.from_env` at the edge of the program (the CLI, a DAG
task) and pass it in; nothing deeper reads the environment. The README's settings table is
generated from :data:`FIELDS` (``pantau settings --markdown``) and a test keeps the two in step.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from pantau.exceptions import ConfigurationError

#: The repository checkout Pantau runs from (the package is installed in editable mode).
PROJECT_DIR = Path(__file__).resolve().parent.parent

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True)
class _Field:
    env: str
    default: str
    help: str


#: Setting name -> environment variable, default (``{state}`` is the state directory) and meaning.
FIELDS: dict[str, _Field] = {
    "kafka_bootstrap_servers": _Field(
        "PANTAU_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092",
        "Kafka brokers, comma-separated. The local broker of `pantau stack up` listens here.",
    ),
    "kafka_security_protocol": _Field(
        "PANTAU_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT",
        "PLAINTEXT locally; SASL_SSL (or SSL, SASL_PLAINTEXT) for real clusters.",
    ),
    "kafka_sasl_mechanism": _Field(
        "PANTAU_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
        "SASL mechanism when the protocol is SASL_*: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.",
    ),
    "kafka_sasl_username": _Field(
        "PANTAU_KAFKA_SASL_USERNAME", "", "SASL user name (SASL_* protocols)."
    ),
    "kafka_sasl_password": _Field(
        "PANTAU_KAFKA_SASL_PASSWORD", "", "SASL password (SASL_* protocols); never printed."
    ),
    "kafka_ssl_cafile": _Field(
        "PANTAU_KAFKA_SSL_CAFILE", "",
        "PEM file of the CA that signed the brokers' certificates (SSL and SASL_SSL).",
    ),
    "topic_posts": _Field(
        "PANTAU_TOPIC_POSTS", "social.posts.v1", "Topic of contract events."
    ),
    "topic_dlq": _Field(
        "PANTAU_TOPIC_DLQ", "social.posts.dlq", "Dead-letter topic: items producers could not map."
    ),
    "topic_partitions": _Field(
        "PANTAU_TOPIC_PARTITIONS", "6", "Partitions of the posts topic when Pantau creates it."
    ),
    "topic_retention_hours": _Field(
        "PANTAU_TOPIC_RETENTION_HOURS", "168", "Retention of both topics when Pantau creates them."
    ),
    "consumer_group": _Field(
        "PANTAU_CONSUMER_GROUP", "pantau-loader",
        "Kafka consumer group of the loader (offsets are kept in DuckDB; Kafka's copy shows lag).",
    ),
    "ingest_batch_size": _Field(
        "PANTAU_INGEST_BATCH_SIZE", "100000",
        "Messages per loader transaction at most. Each transaction scans raw's event_id column "
        "once (the dedup), so fewer, larger ones are faster.",
    ),
    "ingest_batch_bytes": _Field(
        "PANTAU_INGEST_BATCH_BYTES", "67108864",
        "Bytes of message values per loader transaction at most (bounds memory).",
    ),
    "ingest_fetch_bytes": _Field(
        "PANTAU_INGEST_FETCH_BYTES", "16777216",
        "Bytes the loader asks Kafka for per fetch at most (`fetch_max_bytes`; a quarter of it "
        "per partition). The response is held in memory until its records are read.",
    ),
    "ingest_memory_limit": _Field(
        "PANTAU_INGEST_MEMORY_LIMIT", "512MB",
        "DuckDB memory limit of the loader (e.g. `512MB`, `2GB`). Without one DuckDB keeps the "
        "pages of raw it has read or written, up to 80% of RAM, so the loader grew with the "
        "backlog; past the limit it evicts them or spills to a temporary file.",
    ),
    "ingest_threads": _Field(
        "PANTAU_INGEST_THREADS", "1",
        "DuckDB threads of the loader. One leaves a core to the thread that reads and decodes "
        "Kafka records; on two cores it cost about 9% fewer CPU seconds than DuckDB's default.",
    ),
    "ingest_checkpoint_bytes": _Field(
        "PANTAU_INGEST_CHECKPOINT_BYTES", "134217728",
        "The loader checkpoints the warehouse when its write-ahead log reaches this size "
        "(bytes): fewer checkpoints than DuckDB's 16 MB default, while the log a crash leaves "
        "to replay, and the memory it holds, stay bounded.",
    ),
    "ingest_commit_interval_s": _Field(
        "PANTAU_INGEST_COMMIT_INTERVAL_S", "5",
        "With `ingest --follow`: commit at least this often (seconds) when messages trickle in.",
    ),
    "ingest_broker_wait_s": _Field(
        "PANTAU_INGEST_BROKER_WAIT_S", "300",
        "How long the loader waits for an unreachable broker before it gives up (seconds).",
    ),
    "task_retries": _Field(
        "PANTAU_TASK_RETRIES", "2", "Retries of each Airflow task before the DAG run fails."
    ),
    "task_retry_delay_s": _Field(
        "PANTAU_TASK_RETRY_DELAY_S", "30",
        "Seconds before the first retry of a failed task (doubling after each retry).",
    ),
    "task_retry_max_delay_s": _Field(
        "PANTAU_TASK_RETRY_MAX_DELAY_S", "600", "Longest wait between two retries of a task (seconds)."
    ),
    "raw_retention_days": _Field(
        "PANTAU_RAW_RETENTION_DAYS", "30",
        "The daily `maintenance` DAG deletes raw observations older than this, except the latest "
        "observation of each post (so no post leaves the marts).",
    ),
    "freshness_hours": _Field(
        "PANTAU_FRESHNESS_HOURS", "48",
        "The audit fails when the newest observation in marts.fct_posts is older than this.",
    ),
    "audit_sample_rows": _Field(
        "PANTAU_AUDIT_SAMPLE_ROWS", "50000",
        "Rows of raw and staging that GX checks row by row (a sample; exact SQL counts cover all).",
    ),
    "alert_webhook_url": _Field(
        "PANTAU_ALERT_WEBHOOK_URL", "",
        "When set, a failed Airflow task POSTs a JSON alert here (it is always recorded in "
        "audit.alerts); never printed.",
    ),
    "state_dir": _Field(
        "PANTAU_STATE_DIR", str(PROJECT_DIR / ".pantau"),
        "Where generated state lives: Kafka jars and data, warehouse, Airflow home, logs.",
    ),
    "warehouse_path": _Field(
        "PANTAU_WAREHOUSE_PATH", "{state}/warehouse.duckdb", "The working DuckDB warehouse."
    ),
    "published_path": _Field(
        "PANTAU_PUBLISHED_PATH", "{state}/published.duckdb",
        "The published read-only snapshot of the marts, for SQL and BI.",
    ),
    "serve_host": _Field(
        "PANTAU_SERVE_HOST", "127.0.0.1",
        "Address the dashboard of `pantau serve` listens on (0.0.0.0: every interface).",
    ),
    "serve_port": _Field(
        "PANTAU_SERVE_PORT", "8050",
        "Port of the dashboard of `pantau serve` (0: any free port, printed at start).",
    ),
    "serve_users_file": _Field(
        "PANTAU_SERVE_USERS_FILE", "{state}/dashboard-users",
        "Users of the dashboard's login, one `name:scrypt-hash` line each, written by "
        "`pantau serve --add-user NAME`. With none, the dashboard is open, which `pantau serve` "
        "allows only on a loopback PANTAU_SERVE_HOST.",
    ),
    "serve_session_key": _Field(
        "PANTAU_SERVE_SESSION_KEY", "",
        "Key that signs the dashboard's session cookies; generated into "
        "`{state}/dashboard-session.key` (mode 0600) when empty; never printed.",
    ),
    # PostgreSQL, the serving database for BI tools (publish writes the audited marts into it).
    "pg_publish": _Field(
        "PANTAU_PG_PUBLISH", "true",
        "Publish the audited marts into PostgreSQL too (`false`: the DuckDB snapshot only).",
    ),
    "pg_url": _Field(
        "PANTAU_PG_URL", "",
        "URL of an existing PostgreSQL database to publish into, as the writer role "
        "(`postgresql://pantau_writer:…@db:5432/pantau`); empty: the local cluster of "
        "`pantau stack up`. Never printed with its password.",
    ),
    "pg_host": _Field(
        "PANTAU_PG_HOST", "127.0.0.1",
        "Address the local PostgreSQL of `pantau stack up` listens on (0.0.0.0: every "
        "interface; TLS then needs PANTAU_PG_SSL_CERT_FILE).",
    ),
    "pg_port": _Field(
        "PANTAU_PG_PORT", "5433",
        "Port of the local PostgreSQL (not 5432, to leave a system PostgreSQL alone).",
    ),
    "pg_database": _Field("PANTAU_PG_DATABASE", "pantau", "Database that holds the marts."),
    "pg_writer": _Field(
        "PANTAU_PG_WRITER", "pantau_writer", "Role that publish logs in as (owns the marts)."
    ),
    "pg_writer_password": _Field(
        "PANTAU_PG_WRITER_PASSWORD", "",
        "Password of the writer role; generated into `{state}/postgres/writer.password` when "
        "empty; never printed.",
    ),
    "pg_reader": _Field(
        "PANTAU_PG_READER", "pantau_reader",
        "Role BI tools and psql log in as: SELECT on the marts only.",
    ),
    "pg_reader_password": _Field(
        "PANTAU_PG_READER_PASSWORD", "",
        "Password of the reader role (SCRAM-SHA-256); generated into "
        "`{state}/postgres/reader.password` when empty; never printed.",
    ),
    "pg_reader_connections": _Field(
        "PANTAU_PG_READER_CONNECTIONS", "20",
        "Connections the reader role may hold at once; the local server allows 20 more, so "
        "publish and administration always get in.",
    ),
    "pg_statement_timeout_s": _Field(
        "PANTAU_PG_STATEMENT_TIMEOUT_S", "60",
        "A reader's statement is cancelled after this many seconds.",
    ),
    "pg_idle_timeout_s": _Field(
        "PANTAU_PG_IDLE_TIMEOUT_S", "900",
        "A reader's connection idle (or idle in a transaction) this long is closed (seconds).",
    ),
    "pg_ssl_cert_file": _Field(
        "PANTAU_PG_SSL_CERT_FILE", "",
        "PEM certificate of the local PostgreSQL; with PANTAU_PG_SSL_KEY_FILE it turns TLS on "
        "(required beyond loopback).",
    ),
    "pg_ssl_key_file": _Field(
        "PANTAU_PG_SSL_KEY_FILE", "", "PEM private key of that certificate."
    ),
    "pg_dir": _Field(
        "PANTAU_PG_DIR", "{state}/postgres",
        "Data directory, socket and log of the local PostgreSQL (the `postgres` system user "
        "must be able to reach it).",
    ),
    "airflow_home": _Field(
        "PANTAU_AIRFLOW_HOME", "{state}/airflow", "AIRFLOW_HOME for the local Airflow."
    ),
    "kafka_version": _Field(
        "PANTAU_KAFKA_VERSION", "4.1.1", "Apache Kafka version Maven resolves for the local broker."
    ),
    "kafka_controller_port": _Field(
        "PANTAU_KAFKA_CONTROLLER_PORT", "9093", "KRaft controller port of the local broker."
    ),
    "kafka_heap": _Field(
        "PANTAU_KAFKA_HEAP", "512m", "Java heap (-Xmx) of the local broker."
    ),
    # The live connectors (producers.connectors): credentials, APIs, cursors, HTTP retries.
    "x_bearer_token": _Field(
        "PANTAU_X_BEARER_TOKEN", "", "Bearer token of the X API v2 (app-only); never printed."
    ),
    "youtube_api_key": _Field(
        "PANTAU_YOUTUBE_API_KEY", "", "API key of the YouTube Data API v3; never printed."
    ),
    "x_api_url": _Field("PANTAU_X_API_URL", "https://api.x.com", "Base URL of the X API."),
    "youtube_api_url": _Field(
        "PANTAU_YOUTUBE_API_URL", "https://www.googleapis.com/youtube/v3",
        "Base URL of the YouTube Data API v3.",
    ),
    "mastodon_url": _Field(
        "PANTAU_MASTODON_URL", "https://mastodon.social",
        "Mastodon instance whose public hashtag timelines are read.",
    ),
    "cursor_dir": _Field("PANTAU_CURSOR_DIR", "{state}/cursors", "Where connectors keep their cursors."),
    "http_timeout_s": _Field("PANTAU_HTTP_TIMEOUT_S", "20", "Seconds before an API request times out."),
    "http_retries": _Field(
        "PANTAU_HTTP_RETRIES", "5", "Retries of a request after a timeout, 5xx, 429 or bad JSON."
    ),
    "http_backoff_s": _Field(
        "PANTAU_HTTP_BACKOFF_S", "1", "First retry delay in seconds (doubling, with jitter)."
    ),
    "http_backoff_max_s": _Field("PANTAU_HTTP_BACKOFF_MAX_S", "60", "Longest retry delay in seconds."),
    "rate_limit_max_wait_s": _Field(
        "PANTAU_RATE_LIMIT_MAX_WAIT_S", "900",
        "Longest wait for a rate-limit window to reset; longer ones stop the run with a temporary "
        "error.",
    ),
}


#: Options of the text functions' training and evaluation (``pantau.transform.text.settings`` reads them).
TEXT_VARIABLES: dict[str, tuple[str, str]] = {
    "PANTAU_TEXT_DATA_DIR": ("pantau/transform/text/data/labelled",
                             "Labelled data for `pantau eval` and model training; the default is "
                             "the copies shipped in the package (never read at run time: the models "
                             "ship in the package)."),
    "PANTAU_TEXT_EMOTION": ("on", "`off` for a build safe for commercial use: the emotion model "
                            "(trained on EmoT, CC BY-NC-SA 4.0) is not loaded and `emotion(text)` "
                            "is NULL for every post."),
}
#: Variables of the previous release read under their new names when those are unset: the
#: Postgres wire endpoint's user and password became the reader role's.
LEGACY_VARIABLES = {"pg_reader": "PANTAU_PG_USER", "pg_reader_password": "PANTAU_PG_PASSWORD"}
SECRETS = frozenset({"PANTAU_KAFKA_SASL_PASSWORD", "PANTAU_PG_READER_PASSWORD",
                     "PANTAU_PG_WRITER_PASSWORD", "PANTAU_PG_URL", "PANTAU_ALERT_WEBHOOK_URL",
                     "PANTAU_X_BEARER_TOKEN", "PANTAU_YOUTUBE_API_KEY", "PANTAU_PSEUDONYM_KEY",
                     "PANTAU_SERVE_SESSION_KEY"})


def _int(name: str, value: str, *, minimum: int = 1) -> int:
    return int(_number(name, value, minimum=minimum, whole=True))


def _number(name: str, value: str, *, minimum: float = 0, whole: bool = False) -> float:
    kind = "a whole number" if whole else "a number"
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        raise ConfigurationError(name, value, kind) from None
    if not number >= minimum:  # also refuses nan
        raise ConfigurationError(name, value, f"{kind} of at least {minimum}")
    return number


def _bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(name, value, "true or false")


_MEMORY = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def _memory(name: str, value: str) -> str:
    if not _MEMORY.fullmatch(value.strip()):
        raise ConfigurationError(name, value, "a size DuckDB understands, such as 512MB or 2GB")
    return value.strip()


@dataclass(frozen=True)
class Settings:
    """Pantau's configuration. Build it with :meth:`from_env`; pass it to what needs it."""

    kafka_bootstrap_servers: str
    kafka_security_protocol: SecurityProtocol
    kafka_sasl_mechanism: str
    kafka_sasl_username: str
    kafka_sasl_password: str
    kafka_ssl_cafile: str
    topic_posts: str
    topic_dlq: str
    topic_partitions: int
    topic_retention_hours: int
    consumer_group: str
    ingest_batch_size: int
    ingest_batch_bytes: int
    ingest_fetch_bytes: int
    ingest_memory_limit: str
    ingest_threads: int
    ingest_checkpoint_bytes: int
    ingest_commit_interval_s: int
    ingest_broker_wait_s: int
    task_retries: int
    task_retry_delay_s: int
    task_retry_max_delay_s: int
    raw_retention_days: int
    freshness_hours: int
    audit_sample_rows: int
    alert_webhook_url: str
    state_dir: Path
    warehouse_path: Path
    published_path: Path
    serve_host: str
    serve_port: int
    serve_users_file: Path
    serve_session_key: str
    pg_publish: bool
    pg_url: str
    pg_host: str
    pg_port: int
    pg_database: str
    pg_writer: str
    pg_writer_password: str
    pg_reader: str
    pg_reader_password: str
    pg_reader_connections: int
    pg_statement_timeout_s: int
    pg_idle_timeout_s: int
    pg_ssl_cert_file: str
    pg_ssl_key_file: str
    pg_dir: Path
    airflow_home: Path
    kafka_version: str
    kafka_controller_port: int
    kafka_heap: str
    x_bearer_token: str
    youtube_api_key: str
    x_api_url: str
    youtube_api_url: str
    mastodon_url: str
    cursor_dir: Path
    http_timeout_s: float
    http_retries: int
    http_backoff_s: float
    http_backoff_max_s: float
    rate_limit_max_wait_s: float

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every ``PANTAU_*`` variable, fall back to local defaults, validate.

        Args:
            environ: the environment to read; ``os.environ`` when omitted.
            **overrides: values that win over the environment (tests, CLI flags).

        Raises:
            ConfigurationError: a value has the wrong form; the message names the variable.
        """
        env = os.environ if environ is None else environ
        raw = {name: env.get(f.env, "") or f.default for name, f in FIELDS.items()}
        for name, legacy in LEGACY_VARIABLES.items():  # the previous release's names still work
            if not env.get(FIELDS[name].env) and env.get(legacy):
                raw[name] = env[legacy]
        state_dir = Path(raw["state_dir"]).expanduser().resolve()

        def path(name: str) -> Path:
            return Path(raw[name].replace("{state}", str(state_dir))).expanduser().resolve()

        protocol = raw["kafka_security_protocol"].upper()
        if protocol not in _PROTOCOLS:
            raise ConfigurationError(FIELDS["kafka_security_protocol"].env, protocol,
                                     "one of " + ", ".join(_PROTOCOLS))
        mechanism = raw["kafka_sasl_mechanism"].upper()
        if mechanism not in _MECHANISMS:
            raise ConfigurationError(FIELDS["kafka_sasl_mechanism"].env, mechanism,
                                     "one of " + ", ".join(_MECHANISMS))
        if protocol.startswith("SASL") and not raw["kafka_sasl_username"]:
            raise ConfigurationError(FIELDS["kafka_sasl_username"].env, "",
                                     f"a user name when the protocol is {protocol}")
        values: dict[str, Any] = {
            **raw,
            "kafka_security_protocol": protocol,
            "kafka_sasl_mechanism": mechanism,
            "topic_partitions": _int(FIELDS["topic_partitions"].env, raw["topic_partitions"]),
            "topic_retention_hours": _int(FIELDS["topic_retention_hours"].env,
                                          raw["topic_retention_hours"]),
            "ingest_batch_size": _int(FIELDS["ingest_batch_size"].env, raw["ingest_batch_size"]),
            "ingest_batch_bytes": _int(FIELDS["ingest_batch_bytes"].env, raw["ingest_batch_bytes"],
                                       minimum=1024),
            "ingest_fetch_bytes": _int(FIELDS["ingest_fetch_bytes"].env, raw["ingest_fetch_bytes"],
                                       minimum=1024 * 1024),
            "ingest_memory_limit": _memory(FIELDS["ingest_memory_limit"].env,
                                           raw["ingest_memory_limit"]),
            "ingest_threads": _int(FIELDS["ingest_threads"].env, raw["ingest_threads"]),
            "ingest_checkpoint_bytes": _int(FIELDS["ingest_checkpoint_bytes"].env,
                                            raw["ingest_checkpoint_bytes"], minimum=1024 * 1024),
            "ingest_commit_interval_s": _int(FIELDS["ingest_commit_interval_s"].env,
                                             raw["ingest_commit_interval_s"]),
            "ingest_broker_wait_s": _int(FIELDS["ingest_broker_wait_s"].env,
                                         raw["ingest_broker_wait_s"]),
            "task_retries": _int(FIELDS["task_retries"].env, raw["task_retries"], minimum=0),
            "task_retry_delay_s": _int(FIELDS["task_retry_delay_s"].env,
                                       raw["task_retry_delay_s"], minimum=0),
            "task_retry_max_delay_s": _int(FIELDS["task_retry_max_delay_s"].env,
                                           raw["task_retry_max_delay_s"], minimum=0),
            "raw_retention_days": _int(FIELDS["raw_retention_days"].env,
                                       raw["raw_retention_days"]),
            "freshness_hours": _int(FIELDS["freshness_hours"].env, raw["freshness_hours"]),
            "audit_sample_rows": _int(FIELDS["audit_sample_rows"].env, raw["audit_sample_rows"],
                                      minimum=100),
            "kafka_controller_port": _int(FIELDS["kafka_controller_port"].env,
                                          raw["kafka_controller_port"]),
            "serve_port": _int(FIELDS["serve_port"].env, raw["serve_port"], minimum=0),
            "pg_port": _int(FIELDS["pg_port"].env, raw["pg_port"]),
            "pg_publish": _bool(FIELDS["pg_publish"].env, raw["pg_publish"]),
            "pg_reader_connections": _int(FIELDS["pg_reader_connections"].env,
                                          raw["pg_reader_connections"]),
            "pg_statement_timeout_s": _int(FIELDS["pg_statement_timeout_s"].env,
                                           raw["pg_statement_timeout_s"]),
            "pg_idle_timeout_s": _int(FIELDS["pg_idle_timeout_s"].env, raw["pg_idle_timeout_s"]),
            "pg_dir": path("pg_dir"),
            "state_dir": state_dir,
            "warehouse_path": path("warehouse_path"),
            "published_path": path("published_path"),
            "serve_users_file": path("serve_users_file"),
            "airflow_home": path("airflow_home"),
            "x_bearer_token": raw["x_bearer_token"].strip(),
            "youtube_api_key": raw["youtube_api_key"].strip(),
            **{url: raw[url].strip().rstrip("/") for url in ("x_api_url", "youtube_api_url",
                                                             "mastodon_url")},
            "cursor_dir": path("cursor_dir"),
            "http_timeout_s": _number(FIELDS["http_timeout_s"].env, raw["http_timeout_s"],
                                      minimum=0.001),
            "http_retries": _int(FIELDS["http_retries"].env, raw["http_retries"], minimum=0),
            **{name: _number(FIELDS[name].env, raw[name])
               for name in ("http_backoff_s", "http_backoff_max_s", "rate_limit_max_wait_s")},
        }
        values.update(overrides)
        return cls(**values)

    @property
    def project_dir(self) -> Path:
        return PROJECT_DIR

    @property
    def dbt_project_dir(self) -> Path:
        return PROJECT_DIR / "dbt_project"

    @property
    def kafka_dir(self) -> Path:
        """Jars, config, data and log of the local broker."""
        return self.state_dir / "kafka"

    def kafka_client_config(self) -> dict[str, Any]:
        """Security options for every kafka-python client (producer, consumer, admin)."""
        config: dict[str, Any] = {
            "bootstrap_servers": self.kafka_bootstrap_servers.split(","),
            "security_protocol": self.kafka_security_protocol,
        }
        if self.kafka_security_protocol.startswith("SASL"):
            config.update(
                sasl_mechanism=self.kafka_sasl_mechanism,
                sasl_plain_username=self.kafka_sasl_username,
                sasl_plain_password=self.kafka_sasl_password,
            )
        if self.kafka_security_protocol in ("SSL", "SASL_SSL") and self.kafka_ssl_cafile:
            config["ssl_cafile"] = self.kafka_ssl_cafile
        return config

    def environment(self) -> dict[str, str]:
        """These settings as ``PANTAU_*`` variables, for child processes (dbt, Airflow)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[FIELDS[f.name].env] = str(value)
        return out

    def describe(self) -> list[tuple[str, str]]:
        """(variable, value) pairs with secrets masked, for `pantau settings`."""
        rows = [(f.env, str(getattr(self, name))) for name, f in FIELDS.items()]
        rows += [(name, (os.environ.get(name) or default).replace("{state}", str(self.state_dir)))
                 for name, (default, _) in MART_VARIABLES.items()]
        return [(name, "********" if name in SECRETS and value else value) for name, value in rows]


#: Tunables of the marts, read by the dbt models (macro ``pantau_setting``) from the
#: environment ``pantau build`` passes to dbt: variable -> (default, meaning). The defaults
#: are the macro's defaults; the rules are documented in the model files and docs/marts.md.
MART_VARIABLES: dict[str, tuple[str, str]] = {
    "PANTAU_PSEUDONYM_KEY": ("", "Key of the hash that pseudonymises non-official authors in the "
                             "marts; generated into `{state}/pseudonym.key` when empty; never "
                             "printed."),
    "PANTAU_VIRAL_MIN_CONVERSATION": ("25", "A post whose conversation (replies, quotes, "
                                      "reposts under it) reaches this many posts is viral."),
    "PANTAU_VIRAL_MIN_ENGAGEMENT": ("2000", "Least engagement of a post viral by engagement."),
    "PANTAU_VIRAL_ENGAGEMENT_MULTIPLE": ("20", "…and at least this many times the 90th "
                                         "percentile of its Polres and platform."),
    "PANTAU_VIRAL_FOLLOWER_SHARE": ("0.05", "…and at least this share of its author's "
                                    "followers."),
    "PANTAU_VIRAL_MIN_SPREAD": ("5", "…and at least this many posts replied to, quoted or "
                                "reposted it."),
    "PANTAU_ALERT_MIN_POSTS": ("8", "Least negative public posts in an hour for a spike."),
    "PANTAU_ALERT_SIGMA": ("4", "A spike hour is this many Poisson standard deviations above "
                           "the Polres' median hour."),
    "PANTAU_ALERT_MIN_NEGATIVE_SHARE": ("0.5", "Least share of negative posts among the hour's "
                                        "public posts about the Polres for a spike."),
    "PANTAU_ALERT_GAP_HOURS": ("3", "Spike hours closer than this are one alert; an alert "
                               "is open until this many hours of data follow its last spike."),
    "PANTAU_ALERT_LOOKBACK_HOURS": ("12", "How far before the first spike hour an issue's "
                                    "first post may be."),
    "PANTAU_ALERT_RESPONSE_WINDOW_HOURS": ("48", "How long after an issue's start an official "
                                           "post can be its first response."),
    "PANTAU_DBT_THREADS": ("4", "dbt threads (models and tests run in parallel on the one "
                           "DuckDB connection)."),
    "PANTAU_RESPONSE_TARGET_MINUTES": ("240", "Responses within this many minutes count as "
                                       "timely in the scorecard."),
}


def settings_markdown() -> str:
    """The README's settings table."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, f in FIELDS.items():
        default = "`.pantau` in the checkout" if name == "state_dir" else (
            f"`{f.default}`" if f.default else "(empty)")
        lines.append(f"| `{f.env}` | {default} | {f.help} |")
    for name, (default, meaning) in {**TEXT_VARIABLES, **MART_VARIABLES}.items():
        lines.append(f"| `{name}` | {f'`{default}`' if default else '(empty)'} | {meaning} |")
    return "\n".join(lines)
