"""One root exception for Pantau, split into transient (retry) and terminal (stop) failures.

Every message says what happened and what to do next; inputs are kept as attributes.
"""

from __future__ import annotations


class PantauError(Exception):
    """Root of every error Pantau raises on purpose."""


class TransientError(PantauError):
    """A failure that may pass by itself: retrying later is the right response."""


class TerminalError(PantauError):
    """A failure that retrying will not fix: a person has to change something."""


class ConfigurationError(TerminalError):
    """A setting has an invalid value."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        self.name = name
        self.value = value
        self.expected = expected
        super().__init__(f"{name}={value!r} is invalid: expected {expected}.")


class MissingToolError(TerminalError):
    """A program Pantau needs (Java, Maven) is missing or too old."""

    def __init__(self, tool: str, fix: str) -> None:
        self.tool = tool
        self.fix = fix
        super().__init__(f"{tool} — {fix}")


class KafkaUnavailableError(TransientError):
    """No Kafka broker answers at the configured bootstrap servers."""

    def __init__(self, bootstrap_servers: str, detail: str = "") -> None:
        self.bootstrap_servers = bootstrap_servers
        self.detail = detail
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"Kafka at {bootstrap_servers} is not reachable{extra} — run `pantau stack up`, "
            "or point PANTAU_KAFKA_BOOTSTRAP_SERVERS at a running broker."
        )


class PostgresUnavailableError(TransientError):
    """The serving PostgreSQL does not answer or refuses the writer."""

    def __init__(self, where: str, detail: str) -> None:
        self.where = where
        self.detail = detail
        super().__init__(
            f"PostgreSQL at {where} is not reachable ({detail}) — run `pantau stack up` for the "
            "local one, or point PANTAU_PG_URL at a running server (PANTAU_PG_PUBLISH=false "
            "publishes the DuckDB snapshot only).")


class WarehouseLockedError(TransientError):
    """Another process holds the DuckDB warehouse's write lock."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(
            f"The warehouse {path} is locked by another process ({detail}). DuckDB allows one "
            "writer: wait for the running load or build to finish (Airflow's `duckdb_writer` pool "
            "serialises them), or close the program that holds it, then run again. Nothing was "
            "consumed from Kafka."
        )


class BuildFailedError(TerminalError):
    """dbt build or the data-quality audit failed."""


class ContractViolation(PantauError):
    """An event does not satisfy the ``social.posts.v1`` contract.

    Not raised out of the pipeline: producers route such events to the dead-letter topic and the
    loader to ``raw.rejected_messages``, each with ``reason``.
    """

    def __init__(self, reason: str, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        super().__init__(reason)
