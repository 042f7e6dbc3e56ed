"""Every option a user can set, each declared once, read from ``PANTAU_*`` environment variables.

Build one ``Settings`` with :meth:`Settings.from_env` at the edge of the program (the CLI, a DAG
task) and pass it in; nothing deeper reads the environment. Two more groups are declared the same
way for the documentation and ``pantau settings``, though others read them from the environment:
:class:`MartTunables` (the dbt models, macro ``pantau_setting``) and :class:`TextVariables`
(``pantau.transform.text.settings``).

Each setting is one pydantic field: its name gives the variable (``PANTAU_`` + the name in
capitals), and the field carries its type, default, constraints (``ge=``, a ``Literal``, a
validator) and meaning (the README's text). The README's settings table is generated from these
fields (``pantau settings --markdown``) and a test keeps the two in step.

To add a setting, add one field to the class of its group, with :func:`setting`::

    ingest_poll_s: Number = setting(1, "How long the loader waits for new messages (seconds).", ge=0)

then paste ``pantau settings --markdown`` into the README. A ``ResolvedPath`` default may say
``{state}`` (the state directory); ``secret=True`` masks the value in ``pantau settings``. A mart
tunable is then used in a model as ``{{ pantau_setting('NAME', default) }}`` with the same default
(a test checks it).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from pantau.exceptions import ConfigurationError

#: The repository checkout Pantau runs from (the package is installed in editable mode).
PROJECT_DIR = Path(__file__).resolve().parent.parent

#: Host names of this machine: the local broker (or cluster) of `pantau stack up` listens there.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
_PREFIX = "PANTAU_"


def _invalid(expected: str) -> PydanticCustomError:
    return PydanticCustomError("pantau", expected)


def _flag(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise _invalid("true or false")


_MEMORY = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)", re.IGNORECASE)


def _memory(value: Any) -> str:
    if not _MEMORY.fullmatch(str(value).strip()):
        raise _invalid("a size DuckDB understands, such as 512MB, 2GB or 50% (of the machine's memory)")
    return str(value).strip()


def _broker_count(value: Any) -> Any:
    if str(value).strip() not in ("1", "3"):
        raise _invalid("1 or 3")
    return int(str(value).strip())


def _number(value: Any) -> Any:
    if (isinstance(value, float) and math.isnan(value)) or str(value).strip().lower() == "nan":
        raise _invalid("a number")
    return value


def _path(value: Any, info: ValidationInfo) -> Path:
    """An absolute path; ``{state}`` in it is the state directory (a field declared before it)."""
    text = str(value)
    if "{state}" in text:
        text = text.replace("{state}", str(info.data.get("state_dir", "{state}")))
    return Path(text).expanduser().resolve()


#: Field types beyond pydantic's own: each converts the text of an environment variable.
Flag = Annotated[bool, BeforeValidator(_flag)]
MemorySize = Annotated[str, BeforeValidator(_memory)]
Number = Annotated[float, BeforeValidator(_number)]
BrokerCount = Annotated[int, BeforeValidator(_broker_count)]
ResolvedPath = Annotated[Path, BeforeValidator(_path)]
Upper = BeforeValidator(lambda value: str(value).strip().upper())
Lower = BeforeValidator(lambda value: str(value).strip().lower())
Stripped = Annotated[str, BeforeValidator(lambda value: str(value).strip())]
Url = Annotated[str, BeforeValidator(lambda value: str(value).strip().rstrip("/"))]
#: A path that may be unset: empty stays empty, anything else becomes absolute (so a child
#: process started elsewhere, dbt, reads the same directory).
OptionalPath = Annotated[str, BeforeValidator(
    lambda value: str(Path(str(value).strip()).expanduser().resolve()) if str(value).strip() else "")]


def setting(default: Any, meaning: str, *, secret: bool = False, shown: str | None = None,
            previously: str | None = None, **constraints: Any) -> Any:
    """One setting's declaration: its default, meaning (the README's text) and constraints.

    Args:
        default: the value when the variable is unset or empty (text with ``{state}`` for paths).
        meaning: the README's text.
        secret: mask the value in ``pantau settings`` and leave it out of ``repr``.
        shown: the README's default cell, when the default itself would not tell a reader.
        previously: the variable of the previous release, read when the new one is unset.
        **constraints: pydantic's ``ge``, ``le``, ... .
    """
    extra: dict[str, Any] = {"secret": secret}
    if shown is not None:
        extra["shown"] = shown
    if previously is not None:
        extra["previously"] = previously
    return Field(default, description=meaning, json_schema_extra=extra, repr=not secret,
                 **constraints)


class _Environ(EnvSettingsSource):
    """pydantic-settings' environment source, reading a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty,
                              self.env_parse_none_str)


class _Group(BaseSettings):
    """A group of ``PANTAU_*`` variables: reading, checking and describing them."""

    model_config = SettingsConfigDict(env_prefix=_PREFIX, env_ignore_empty=True, frozen=True,
                                      validate_default=True, extra="ignore")

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # the environment comes through from_env, which names its source

    @classmethod
    def env_name(cls, name: str) -> str:
        """The variable of field ``name``."""
        return _PREFIX + name.upper()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Read every variable of the group, fall back to the defaults, validate.

        Args:
            environ: the environment to read; ``os.environ`` when omitted. Empty values mean
                the default.
            **overrides: values that win over the environment (tests, CLI flags), by field name.

        Raises:
            ConfigurationError: a value has the wrong form; the message names the variable.
        """
        env = os.environ if environ is None else environ
        values = _Environ(cls, env)()
        for name, field in cls.model_fields.items():  # the previous release's names still work
            previously = _extra(field, "previously")
            if previously and name not in values and env.get(previously):
                values[name] = env[previously]
        try:
            return cls(**{**values, **overrides})
        except ValidationError as error:
            raise cls._configuration_error(error) from None

    @classmethod
    def _configuration_error(cls, error: ValidationError) -> ConfigurationError:
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        variable = cls.env_name(name) if name in cls.model_fields else name
        field = cls.model_fields.get(name)
        whole = field is not None and field.annotation is int
        kind = "a whole number" if whole else "a number"
        context = {key: int(value) if isinstance(value, float) and value.is_integer() else value
                   for key, value in first.get("ctx", {}).items()}
        kinds = {"int_parsing": kind, "int_from_float": kind, "int_type": kind,
                 "float_parsing": kind, "float_type": kind,
                 "greater_than_equal": f"{kind} of at least {context.get('ge')}",
                 "greater_than": f"{kind} above {context.get('gt')}",
                 "less_than_equal": f"{kind} of at most {context.get('le')}"}
        if first["type"] == "literal_error" and field is not None:
            expected = "one of " + ", ".join(get_args(field.annotation))
        else:
            expected = kinds.get(first["type"], first["msg"])
        return ConfigurationError(variable, str(first.get("input", "")), expected)

    def environment(self) -> dict[str, str]:
        """These values as ``PANTAU_*`` variables, for child processes (dbt, Airflow)."""
        return {self.env_name(name): str(getattr(self, name)) for name in type(self).model_fields}

    def _described(self) -> list[tuple[str, str]]:
        return [(self.env_name(name), "********" if _extra(field, "secret") and value else value)
                for name, field in type(self).model_fields.items()
                for value in [str(getattr(self, name))]]

    @classmethod
    def _markdown_rows(cls) -> list[str]:
        rows = []
        for name, field in cls.model_fields.items():
            default = str(field.default).lower() if isinstance(field.default, bool) else field.default
            shown = _extra(field, "shown") or (f"`{default}`" if default != "" else "(empty)")
            rows.append(f"| `{cls.env_name(name)}` | {shown} | {field.description} |")
        return rows


def _extra(field: Any, key: str) -> Any:
    extra = field.json_schema_extra
    return extra.get(key) if isinstance(extra, dict) else None


class Settings(_Group):
    """Pantau's configuration. Build it with :meth:`from_env`; pass it to what needs it.

    Immutable: :meth:`replace` makes a changed copy.
    """

    kafka_bootstrap_servers: str = setting("localhost:9092",
        "Kafka brokers, comma-separated. The local broker of `pantau stack up` listens here.")
    kafka_security_protocol: Annotated[SecurityProtocol, Upper] = setting("PLAINTEXT",
        "PLAINTEXT locally; SASL_SSL (or SSL, SASL_PLAINTEXT) for real clusters.")
    kafka_sasl_mechanism: Annotated[SaslMechanism, Upper] = setting("SCRAM-SHA-512",
        "SASL mechanism when the protocol is SASL_*: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.")
    kafka_sasl_username: str = setting("", "SASL user name (SASL_* protocols).")
    kafka_sasl_password: str = setting("", "SASL password (SASL_* protocols); never printed.", secret=True)
    kafka_ssl_cafile: str = setting("",
        "PEM file of the CA that signed the brokers' certificates (SSL and SASL_SSL).")
    topic_posts: str = setting("social.posts.v1", "Topic of contract events.")
    topic_dlq: str = setting("social.posts.dlq", "Dead-letter topic: items producers could not map.")
    topic_partitions: int = setting(6, "Partitions of the posts topic when Pantau creates it.", ge=1)
    topic_retention_hours: int = setting(168, "Retention of both topics when Pantau creates them.", ge=1)
    topic_replication_factor: int = setting(0,
        "Replication factor of both topics when Pantau creates them; 0: as many brokers as "
        "answer, at most 3 (1 on the single local broker, 3 on the three-broker cluster).", ge=0)
    topic_min_insync_replicas: int = setting(0,
        "`min.insync.replicas` of both topics when Pantau creates them: with the producer's "
        "`acks=all` a write needs this many replicas. 0: 2 when the replication factor is 3 or "
        "more (one broker may be down), else Kafka's default 1.", ge=0)
    consumer_group: str = setting("pantau-loader",
        "Kafka consumer group of the loader (offsets are kept in DuckDB; Kafka's copy shows lag).")
    ingest_batch_size: int = setting(100000,
        "Messages per loader transaction at most. Each transaction scans raw's event_id column "
        "once (the dedup), so fewer, larger ones are faster.", ge=1)
    ingest_batch_bytes: int = setting(67108864,
        "Bytes of message values per loader transaction at most (bounds memory).", ge=1024)
    ingest_fetch_bytes: int = setting(16777216,
        "Bytes the loader asks Kafka for per fetch at most (`fetch_max_bytes`; a quarter of it "
        "per partition). The response is held in memory until its records are read.", ge=1024 * 1024)
    ingest_memory_limit: MemorySize = setting("512MB",
        "DuckDB memory limit of the loader (e.g. `512MB`, `2GB`). Without one DuckDB keeps the "
        "pages of raw it has read or written, up to 80% of RAM, so the loader grew with the "
        "backlog; past the limit it evicts them or spills to a temporary file.")
    ingest_threads: int = setting(1,
        "DuckDB threads of the loader. One leaves a core to the thread that reads and decodes "
        "Kafka records; on two cores it cost about 9% fewer CPU seconds than DuckDB's default.", ge=1)
    ingest_checkpoint_bytes: int = setting(134217728,
        "The loader checkpoints the warehouse when its write-ahead log reaches this size (bytes):"
        " fewer checkpoints than DuckDB's 16 MB default, while the log a crash leaves to replay, "
        "and the memory it holds, stay bounded.", ge=1024 * 1024)
    ingest_commit_interval_s: int = setting(5,
        "With `ingest --follow`: commit at least this often (seconds) when messages trickle in.", ge=1)
    ingest_broker_wait_s: int = setting(300,
        "How long the loader waits for an unreachable broker before it gives up (seconds).", ge=1)
    label_lock_wait_s: int = setting(120,
        "How long `pantau label` waits for a running load or build to release the warehouse "
        "before it gives up (seconds).", ge=0)
    task_retries: int = setting(2, "Retries of each Airflow task before the DAG run fails.", ge=0)
    task_retry_delay_s: int = setting(30,
        "Seconds before the first retry of a failed task (doubling after each retry).", ge=0)
    task_retry_max_delay_s: int = setting(600, "Longest wait between two retries of a task (seconds).", ge=0)
    raw_retention_days: int = setting(30,
        "The daily `maintenance` DAG deletes raw observations older than this, except the latest "
        "observation of each post (so no post leaves the marts).", ge=1)
    follow_interval_s: Number = setting(15,
        "`pantau build --follow`: the least time between the starts of two cycles (load what "
        "Kafka holds, then build, audit, publish and notify when anything new was loaded).",
        ge=0)
    dbt_warm_builds: int = setting(200,
        "`pantau build --follow` keeps dbt loaded in one worker process between builds; after "
        "this many builds the worker is replaced by a new one (what dbt caches stays bounded).",
        ge=1)
    dbt_tests: Annotated[Literal["changed", "all"], Lower] = setting("changed",
        "The data tests of an incremental build: `changed` tests only the rows the build wrote "
        "to each incremental model (and the rows sharing a unique value with them), `all` every "
        "row. A full build, the first build, a build in slices and `dbt test` test every row "
        "(docs/marts.md).")
    dbt_build_slice_rows: int = setting(2_000_000,
        "A build that would read more observations of raw than this (a full build, the first "
        "build, or an incremental one after more than this many were loaded since the last "
        "build) runs as incremental builds of slices of raw, in the order it was ingested, "
        "about this many rows each: its memory and spill follow a slice, not the warehouse "
        "(docs/marts.md). 0 builds in one run.", ge=0)
    freshness_hours: int = setting(48,
        "The audit fails when the newest observation of the live sources is older than this "
        "(hours); replayed archives (sources `pantau-replay-*`) keep their own clock.", ge=1)
    audit_sample_rows: int = setting(50000,
        "Rows of raw and staging that GX checks row by row (a sample; exact SQL counts cover "
        "all).", ge=100)
    alert_webhook_url: str = setting("",
        "When set, a failed Airflow task POSTs a JSON alert here (it is always recorded in "
        "audit.alerts); never printed.", secret=True)
    state_dir: ResolvedPath = setting(PROJECT_DIR / ".pantau",
        "Where generated state lives: Kafka jars and data, warehouse, Airflow home, logs.",
        shown="`.pantau` in the checkout")
    warehouse_path: ResolvedPath = setting("{state}/warehouse.duckdb", "The working DuckDB warehouse.")
    published_path: ResolvedPath = setting("{state}/published.duckdb",
        "The published read-only snapshot of the marts, for SQL and BI.")
    serve_host: str = setting("127.0.0.1",
        "Address the dashboard of `pantau serve` listens on (0.0.0.0: every interface).")
    serve_port: int = setting(8050,
        "Port of the dashboard of `pantau serve` (0: any free port, printed at start).", ge=0)
    serve_users_file: ResolvedPath = setting("{state}/dashboard-users",
        "Users of the dashboard's login, one `name:scrypt-hash` line each, written by `pantau "
        "serve --add-user NAME`. With none, the dashboard is open, which `pantau serve` allows "
        "only on a loopback PANTAU_SERVE_HOST.")
    serve_session_key: str = setting("",
        "Key that signs the dashboard's session cookies; generated into `{state}/dashboard-"
        "session.key` (mode 0600) when empty; never printed.", secret=True)
    # PostgreSQL, the serving database for BI tools (publish writes the audited marts into it).
    pg_publish: Flag = setting(True,
        "Publish the audited marts into PostgreSQL too (`false`: the DuckDB snapshot only).")
    pg_url: str = setting("",
        "URL of an existing PostgreSQL database to publish into, as the writer role "
        "(`postgresql://pantau_writer:…@db:5432/pantau`); empty: the local cluster of `pantau "
        "stack up`. Never printed with its password.", secret=True)
    pg_host: str = setting("127.0.0.1",
        "Address the local PostgreSQL of `pantau stack up` listens on (0.0.0.0: every interface; "
        "TLS then needs PANTAU_PG_SSL_CERT_FILE).")
    pg_port: int = setting(5433,
        "Port of the local PostgreSQL (not 5432, to leave a system PostgreSQL alone).", ge=1)
    pg_database: str = setting("pantau", "Database that holds the marts.")
    pg_writer: str = setting("pantau_writer", "Role that publish logs in as (owns the marts).")
    pg_writer_password: str = setting("",
        "Password of the writer role; generated into `{state}/postgres/writer.password` when "
        "empty; never printed.", secret=True)
    pg_reader: str = setting("pantau_reader",
        "Role BI tools and psql log in as: SELECT on the marts only.", previously="PANTAU_PG_USER")
    pg_reader_password: str = setting("",
        "Password of the reader role (SCRAM-SHA-256); generated into "
        "`{state}/postgres/reader.password` when empty; never printed.",
        secret=True, previously="PANTAU_PG_PASSWORD")
    pg_reader_connections: int = setting(20,
        "Connections the reader role may hold at once; the local server allows 20 more, so "
        "publish and administration always get in.", ge=1)
    pg_statement_timeout_s: int = setting(60,
        "A reader's statement is cancelled after this many seconds.", ge=1)
    pg_idle_timeout_s: int = setting(900,
        "A reader's connection idle (or idle in a transaction) this long is closed (seconds).", ge=1)
    pg_ssl_cert_file: str = setting("",
        "PEM certificate of the local PostgreSQL; with PANTAU_PG_SSL_KEY_FILE it turns TLS on "
        "(required beyond loopback).")
    pg_ssl_key_file: str = setting("", "PEM private key of that certificate.")
    pg_dir: ResolvedPath = setting("{state}/postgres",
        "Data directory, socket and log of the local PostgreSQL (the `postgres` system user must "
        "be able to reach it).")
    airflow_home: ResolvedPath = setting("{state}/airflow", "AIRFLOW_HOME for the local Airflow.")
    kafka_version: str = setting("4.1.1", "Apache Kafka version Maven resolves for the local broker.")
    kafka_controller_port: int = setting(9093, "KRaft controller port of the local broker.", ge=1)
    kafka_brokers: BrokerCount = setting(1,
        "Brokers of the local Kafka of `pantau stack up` (`--brokers`): 1, or 3 for a KRaft "
        "cluster of three broker+controller nodes (a 3-voter quorum). Node n listens on the port"
        " of PANTAU_KAFKA_BOOTSTRAP_SERVERS + 2(n-1) and its controller on "
        "PANTAU_KAFKA_CONTROLLER_PORT + 2(n-1) (9092/9093, 9094/9095, 9096/9097); with 3 and one"
        " local address there, every client bootstraps from all three.")
    kafka_heap: str = setting("512m", "Java heap (-Xmx) of the local broker.")
    # The live connectors (producers.connectors): credentials, APIs, cursors, HTTP retries.
    x_bearer_token: Stripped = setting("",
        "Bearer token of the X API v2 (app-only); never printed.", secret=True)
    youtube_api_key: Stripped = setting("", "API key of the YouTube Data API v3; never printed.", secret=True)
    x_api_url: Url = setting("https://api.x.com", "Base URL of the X API.")
    youtube_api_url: Url = setting("https://www.googleapis.com/youtube/v3",
        "Base URL of the YouTube Data API v3.")
    youtube_channel_details: bool = setting(True,
        "Ask the YouTube Data API for the commenters' channels (`channels.list`, 1 quota unit "
        "per 50 new channels) to fill the author's subscriber count and account creation date; "
        "false saves that quota and leaves both empty.")
    mastodon_url: Url = setting("https://mastodon.social",
        "Mastodon instance whose public hashtag timelines are read.")
    news_max_feed_bytes: int = setting(
        10_000_000, "Largest news feed read, in bytes; a larger answer stops the run with a "
        "message naming this setting.", ge=1)
    cursor_dir: ResolvedPath = setting("{state}/cursors", "Where connectors keep their cursors.")
    http_timeout_s: Number = setting(20, "Seconds before an API request times out.", ge=0.001)
    http_retries: int = setting(5, "Retries of a request after a timeout, 5xx, 429 or bad JSON.", ge=0)
    http_backoff_s: Number = setting(1, "First retry delay in seconds (doubling, with jitter).", ge=0)
    http_backoff_max_s: Number = setting(60, "Longest retry delay in seconds.", ge=0)
    rate_limit_max_wait_s: Number = setting(900,
        "Longest wait for a rate-limit window to reset; longer ones stop the run with a temporary"
        " error.", ge=0)
    # notifications (pantau.notify): who hears of what, and how it is delivered
    notify_subscriptions: ResolvedPath = setting(
        PROJECT_DIR / "notifications" / "subscriptions.yml",
        "The subscriptions file (channels, and which scopes and kinds each receives); see "
        "docs/notifications.md.", shown="`notifications/subscriptions.yml`")
    notify_language: Annotated[Literal["id", "en"], Lower] = setting(
        "id", "Language of notifications and reports: `id` (Indonesian) or `en`.")
    notify_dashboard_url: str = setting("http://127.0.0.1:8050",
        "Base URL of the dashboard that notifications link to (an issue's view).")
    notify_lookback_hours: int = setting(24,
        "Events older than this (before the newest post) are not notified: a first build on a "
        "long history does not announce every past issue.", ge=1)
    notify_medium_growth: Number = setting(4,
        "An event is of medium severity from this many times its baseline (an issue's peak hour "
        "against the unit's usual hour, a viral post's growth against its platform's).", ge=1)
    notify_high_growth: Number = setting(10,
        "An event is of high severity from this many times its baseline.", ge=1)
    notify_ledger_path: ResolvedPath = setting("{state}/notify/ledger.sqlite3",
        "Where deliveries are recorded (one row per event and channel).")
    notify_sink_path: ResolvedPath = setting("{state}/notify/sink.jsonl",
        "The local sink: messages of `file` channels, and of every event when no channel is "
        "configured.")
    notify_telegram_bot_token: Stripped = setting("",
        "Token of the Telegram bot that sends to `telegram` channels; never printed.", secret=True)
    notify_telegram_api_url: Url = setting("https://api.telegram.org",
        "Base URL of the Telegram Bot API.")
    notify_secrets: Stripped = setting("",
        "Per-channel secrets as JSON, e.g. `{\"ops-slack\": \"https://hooks.slack.com/…\", "
        "\"siem\": \"<HMAC key>\"}`: a `slack` channel's webhook URL, a `webhook` channel's "
        "HMAC key; never printed.", secret=True)
    notify_smtp_host: str = setting("", "SMTP server of `email` channels.")
    notify_smtp_port: int = setting(587, "SMTP port.", ge=1, le=65535)
    notify_smtp_starttls: Flag = setting(True, "Upgrade the SMTP connection with STARTTLS.")
    notify_smtp_username: str = setting("", "SMTP user name (empty: no authentication).")
    notify_smtp_password: Stripped = setting("", "SMTP password; never printed.", secret=True)
    notify_smtp_from: str = setting("pantau@localhost", "Sender address of emails.")
    notify_smtp_per_minute: int = setting(30, "Most emails sent per minute.", ge=1)
    notify_smtp_ca_file: OptionalPath = setting("",
        "CA bundle (PEM) that verifies the SMTP server's certificate (empty: the system's).")
    notify_retry_s: Number = setting(60,
        "First wait before a failed delivery is tried again (seconds; doubling per attempt).",
        ge=0)
    notify_retry_max_s: Number = setting(3600, "Longest wait between two delivery attempts "
        "(seconds).", ge=0)
    notify_max_attempts: int = setting(12,
        "Attempts of one delivery before it is recorded as failed for good.", ge=1)
    notify_max_wait_s: Number = setting(30,
        "Longest a `pantau notify` run waits for a rate limit or a `retry_after`; what would "
        "wait longer is left to the next run.", ge=0)
    # the reports (pantau.reports), in PANTAU_NOTIFY_LANGUAGE
    reports_dir: ResolvedPath = setting("{state}/reports",
        "Where `pantau report` and the `reports` DAG write the HTML and PDF reports "
        "(`<period>/<day or ISO week>/<unit_id>.pdf`).")


    @model_validator(mode="after")
    def _sasl_needs_a_user_name(self) -> Settings:
        if self.kafka_security_protocol.startswith("SASL") and not self.kafka_sasl_username:
            raise ConfigurationError(self.env_name("kafka_sasl_username"), "",
                                     f"a user name when the protocol is {self.kafka_security_protocol}")
        return self

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (by field name) validated like the environment's values; what
        ``dataclasses.replace`` did when Settings was a dataclass."""
        return self.from_env(self.environment(), **changes)

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

    def kafka_servers(self) -> list[str]:
        """The addresses clients bootstrap from: PANTAU_KAFKA_BOOTSTRAP_SERVERS, or, for the local
        cluster of PANTAU_KAFKA_BROKERS nodes named by one local address, every node's address
        (so a client still starts while the first node is down)."""
        servers = self.kafka_bootstrap_servers.split(",")
        if self.kafka_brokers > 1 and len(servers) == 1:
            host, _, port = servers[0].strip().rpartition(":")
            if port.isdigit() and host.strip("[]") in LOCAL_HOSTS:
                return [f"{host}:{int(port) + 2 * node}" for node in range(self.kafka_brokers)]
        return servers

    def kafka_client_config(self) -> dict[str, Any]:
        """Security options for every kafka-python client (producer, consumer, admin)."""
        config: dict[str, Any] = {
            "bootstrap_servers": self.kafka_servers(),
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

    def describe(self) -> list[tuple[str, str]]:
        """(variable, value) pairs with secrets masked, for `pantau settings`: these settings,
        then the text variables and the mart tunables as the environment sets them."""
        return [*self._described(), *TextVariables.from_env()._described(),
                *MartTunables.from_env()._described()]


#: Where the labelled data sets live by default: beside the checkout (CI clones the repo with
#: shared/ beside it).
#: The labelled public data sets (SmSA, NusaX-Senti, EmoT) ship in the package, each with its
#: licence and provenance in ``data/labelled/README.md``: nothing outside the checkout is read.
DEFAULT_TEXT_DATA_DIR = PROJECT_DIR / "pantau" / "transform" / "text" / "data" / "labelled"
DEFAULT_TEXT_MODELS_DIR = PROJECT_DIR / "pantau" / "transform" / "text" / "models"


class TextVariables(_Group):
    """Options of the text functions: their models, their training and evaluation data, and the
    sentiment backend (``pantau.transform.text.settings`` reads them)."""

    text_data_dir: ResolvedPath = setting(DEFAULT_TEXT_DATA_DIR,
        "Labelled data for `pantau eval` and model training; the default is the copies shipped "
        "in the package (never read at run time: the models ship in the package).",
        shown="`pantau/transform/text/data/labelled`")
    text_models_dir: ResolvedPath = setting(DEFAULT_TEXT_MODELS_DIR,
        "The text models the build reads (`sentiment.npz`, `emotion.npz`, `topic.npz`): the "
        "ones shipped in the package, or a folder `scripts/train_text_models.py` wrote. A change "
        "of models makes the next build a full refresh (docs/text.md).",
        shown="`pantau/transform/text/models`")
    text_emotion: Annotated[Literal["on", "off"], Lower] = setting("on",
        "`off` for a build safe for commercial use: the emotion model (trained on EmoT, CC "
        "BY-NC-SA 4.0) is not loaded and `emotion(text)` is NULL for every post.")
    sentiment_backend: Annotated[Literal["linear", "onnx"], Lower] = setting("linear",
        "What reads sentiment: `linear`, the shipped model, or `onnx`, a fine-tuned transformer "
        "you exported to ONNX into PANTAU_SENTIMENT_ONNX_DIR (needs `pip install -e '.[onnx]'`; "
        "docs/text.md). A change of backend makes the next build a full refresh.")
    sentiment_onnx_dir: OptionalPath = setting("",
        "With the `onnx` backend: the directory of `model.onnx`, `tokenizer.json` and "
        "`config.json` (its `id2label` names positive, neutral and negative). Only these local "
        "files are read; nothing is downloaded.")
    sentiment_onnx_batch: int = setting(64,
        "Posts per run of the ONNX model (posts of similar length are batched together and "
        "padded to the longest).", ge=1)
    sentiment_onnx_max_tokens: int = setting(128,
        "Tokens of a post the ONNX model reads at most, special tokens included; the rest is "
        "cut (never more than the model's `max_position_embeddings`).", ge=2)
    sentiment_onnx_threads: int = setting(1,
        "Threads of one ONNX model run (DuckDB already calls the SQL functions from several "
        "threads).", ge=1)


class MartTunables(_Group):
    """Tunables of the marts, read by the dbt models (macro ``pantau_setting``) from the
    environment ``pantau build`` passes to dbt (:func:`pantau.transform.dbt.dbt_environment`).
    A model repeats the default as the macro's fallback; a test keeps the two equal. The rules
    are documented in the model files and docs/marts.md."""

    pseudonym_key: str = setting("",
        "Key of the hash that pseudonymises non-official authors in the marts; generated into "
        "`{state}/pseudonym.key` when empty; never printed.", secret=True)
    viral_min_conversation: int = setting(25,
        "A post whose conversation (replies, quotes, reposts under it) reaches this many posts "
        "is viral.", ge=1)
    viral_min_engagement: int = setting(2000, "Least engagement of a post viral by engagement.", ge=0)
    viral_engagement_multiple: Number = setting(20,
        "…and at least this many times the 90th percentile of its Polres and platform.", ge=0)
    viral_follower_share: Number = setting(0.05,
        "…and at least this share of its author's followers.", ge=0)
    viral_min_spread: int = setting(5,
        "…and at least this many posts replied to, quoted or reposted it.", ge=0)
    network_stance_min_net: Number = setting(0.2,
        "A network community is pro the Polres when its members' posts' net sentiment "
        "((positive - negative) / posts) is at least this, contra when at most its negative.",
        ge=0, le=1)
    alert_min_posts: int = setting(8, "Least negative public posts in an hour for a spike.", ge=1)
    alert_sigma: Number = setting(4,
        "A spike hour is this many standard deviations above the unit's median hour (Polres, "
        "Polda or Polri).", ge=0)
    alert_overdispersion: Number = setting(0.5,
        "Hourly counts vary more than Poisson (the day's rhythm, bursts): the standard deviation "
        "is sqrt(median + (this * median)^2). 0 is pure Poisson; it matters for the large "
        "counts of a Polda or Polri.", ge=0)
    alert_min_negative_share: Number = setting(0.5,
        "Least share of negative posts among the hour's public posts about the unit for a "
        "spike.", ge=0, le=1)
    alert_gap_hours: int = setting(3,
        "Spike hours closer than this are one alert; an alert is open until this many hours of "
        "data follow its last spike.", ge=1)
    alert_lookback_hours: int = setting(12,
        "How far before the first spike hour an issue's first post may be.", ge=0)
    alert_response_window_hours: int = setting(48,
        "How long after an issue's start an official post can be its first response.", ge=1)
    hashtag_stance_min_net: Number = setting(0.2,
        "A hashtag of an issue stands pro the police when its posts' net sentiment is at least "
        "this, contra when at most its negative (mart_issue_hashtag_war).", ge=0, le=1)
    dbt_threads: int = setting(4,
        "dbt threads (models and tests run in parallel on the one DuckDB connection).", ge=1)
    dbt_memory_limit: MemorySize = setting("80%",
        "DuckDB memory limit of dbt's connection (e.g. `12GB`, or `60%` of the machine's memory; "
        "`80%` is DuckDB's own default). Past it a build spills to PANTAU_DBT_TEMP_DIRECTORY "
        "instead of growing; lower it when Kafka, PostgreSQL or Airflow share the machine (docs/scaling.md).")
    dbt_temp_directory: str = setting("",
        "Where dbt's DuckDB spills past its memory limit: a folder, on another disk when the "
        "warehouse's disk is short (a full build of 20M posts filled some 20 GB with it; "
        "docs/scaling.md).", shown="`{warehouse}.tmp` (DuckDB's own)")
    dbt_log_level_file: Annotated[Literal["none", "error", "warn", "info", "debug"], Lower] = \
        setting("none",
        "What dbt writes to its own log file, `{state}/dbt/logs/dbt.log` (dbt's "
        "`--log-level-file`): `debug` logs every statement with its seconds, for finding what "
        "a build spends its time on; `none` writes no file. Any file log costs every build "
        "time (at 1M posts, +1,000 posts: 8.8 s with `debug`, 8.4 s with `warn`, 7.7 s with "
        "`none`; docs/scaling.md). What dbt prints, its errors included, is in "
        "`{state}/dbt/<command>.log` whatever this says.")
    response_target_minutes: int = setting(240,
        "Responses within this many minutes count as timely in the scorecard.", ge=1)
    campaign_min_accounts: int = setting(5,
        "A coordinated campaign: near-identical texts posted by at least this many distinct "
        "accounts of one platform…", ge=2)
    campaign_window_minutes: int = setting(30,
        "…within this many minutes…", ge=1)
    campaign_similarity: Number = setting(0.75,
        "…near-identical meaning at least this Jaccard similarity of the words their "
        "look-alike-proof texts share (docs/marts.md)…", gt=0, le=1)
    campaign_min_words: int = setting(6,
        "…of texts with at least this many distinct words (short reactions such as \"up\" or "
        "\"nyimak\" repeat without coordination).", ge=1)


def settings_markdown() -> str:
    """The README's settings table."""
    return "\n".join(["| variable | default | meaning |", "|---|---|---|", *Settings._markdown_rows(),
                      *TextVariables._markdown_rows(), *MartTunables._markdown_rows()])
