"""The DuckDB working warehouse: connecting with clear lock errors, and the raw/ops tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pantau.exceptions import WarehouseLockedError

RAW_DDL = """
create schema if not exists raw;
create schema if not exists ops;
create schema if not exists audit;

create table if not exists raw.social_posts (
    event_id varchar not null,  -- unique: the loader inserts only unseen event_ids
    schema_version integer not null,
    platform varchar not null,
    post_id varchar not null,
    url varchar,
    post_type varchar not null,
    parent_post_id varchar,
    root_post_id varchar,
    author_id varchar not null,
    author_handle varchar not null,
    author_display_name varchar,
    author_followers bigint,
    author_verified boolean not null,
    author_is_official boolean not null,
    text varchar not null,
    lang varchar,
    created_at timestamp not null,
    observed_at timestamp not null,
    likes bigint,
    replies bigint,
    shares bigint,
    quotes bigint,
    views bigint,
    hashtags varchar[] not null,
    mentions varchar[] not null,
    media_urls varchar[] not null,
    source_name varchar not null,
    source_version varchar not null,
    extra json,
    kafka_topic varchar not null,
    kafka_partition integer not null,
    kafka_offset bigint not null,
    kafka_timestamp timestamp,
    ingested_at timestamp not null
);

create table if not exists raw.rejected_messages (
    kafka_topic varchar not null,
    kafka_partition integer not null,
    kafka_offset bigint not null,
    kafka_timestamp timestamp,
    kafka_key varchar,
    raw_value blob,
    raw_text varchar,
    error varchar not null,
    error_field varchar,
    rejected_at timestamp not null
);

create table if not exists ops.kafka_offsets (
    topic varchar not null,
    partition integer not null,
    next_offset bigint not null,
    updated_at timestamp not null,
    primary key (topic, partition)
);

create table if not exists audit.validation_results (
    run_id varchar not null,
    suite_name varchar not null,
    data_asset varchar not null,
    success boolean not null,
    evaluated_expectations integer not null,
    failed_expectations integer not null,
    failures json,
    validated_at timestamp not null,
    counts json  -- bad input a suite counts without failing (AuditTarget.counted), else null
);
-- Warehouses of earlier releases: validation_results had no counts.
alter table audit.validation_results add column if not exists counts json;

create table if not exists audit.alerts (
    dag_id varchar not null,
    task_id varchar not null,
    run_id varchar not null,
    error varchar not null,
    "at" timestamp not null
);

create table if not exists audit.publish_log (
    run_id varchar not null,
    success boolean not null,
    published_path varchar not null,
    tables integer not null,
    total_rows bigint not null,
    seconds double not null,
    error varchar,
    "at" timestamp not null,
    target varchar default 'duckdb'  -- duckdb (the snapshot file) or postgres
);
-- Contract revision 1.1: the account's creation time (optional). Added after the other columns
-- in new warehouses too, so every warehouse has the same column order.
alter table raw.social_posts add column if not exists author_created_at timestamp;

-- Warehouses of earlier releases: publish_log had no target (every row was the snapshot file).
alter table audit.publish_log add column if not exists target varchar default 'duckdb';

-- What the PostgreSQL publish target holds (pantau.publish.postgres): per key of the keyed marts, the
-- hash of its rows as last published, and the build that target holds.
create table if not exists ops.pg_published_keys (
    table_name varchar not null,
    key_value varchar not null,
    row_hash ubigint not null
);

create table if not exists ops.pg_publish_state (
    target varchar not null,
    build_id varchar not null,
    published_at timestamp not null
);

-- Analysts' corrections of a post's labels (pantau.ingest.corrections): append-only, the latest
-- per post and field wins at the next build, every earlier one is kept; dbt never rebuilds it.
create table if not exists audit.label_corrections (
    correction_id varchar not null,
    post_key varchar not null,
    field varchar not null,  -- sentiment, emotion, topic or polres
    value varchar not null,
    note varchar not null,
    corrected_by varchar not null,
    corrected_at timestamp not null,  -- UTC, when it was recorded
    source varchar not null  -- cli, file or dashboard
);

-- Notifications (pantau.notify): what each build found worth telling each subscribed channel.
-- One row per event, channel and build; the notify task delivers, from the builds the publish
-- log marks published, each (event_id, channel) once (its ledger: PANTAU_NOTIFY_LEDGER_PATH).
create table if not exists ops.notification_outbox (
    build_id varchar not null,  -- the run id of the build (audit.publish_log.run_id)
    event_id varchar not null,  -- stable across builds: the same event has the same id
    channel varchar not null,  -- a channel name of the subscriptions file
    kind varchar not null,  -- spike_opened, viral_negative_post, ..., issue_closed
    severity varchar not null,  -- low, medium or high
    unit_id varchar,
    unit_level varchar,  -- polres, polda or national
    polres_id varchar,
    polda_id varchar,
    occurred_at timestamp not null,  -- UTC: when it happened (spike start, post, breach)
    quiet_hours json,  -- the subscription's {"start", "end", "timezone"}, or null
    payload json not null,  -- the message's facts (pantau.notify.events)
    written_at timestamp not null
);

-- The seeds the last successful dbt build loaded (pantau.transform.dbt.seed_fingerprint): a build
-- whose seed files, seed configuration and dbt versions are the same does not load them again.
create table if not exists ops.dbt_seed_state (
    fingerprint varchar not null,
    loaded_at timestamp not null
);

create table if not exists ops.kafka_lag (
    reported_at timestamp not null,
    topic varchar not null,
    partition integer not null,
    stored_offset bigint,
    end_offset bigint not null,
    lag bigint not null
);
"""


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a held lock becomes :class:`WarehouseLockedError`.

    Args:
        path: the DuckDB file (its folder is created when missing).
        read_only: open without taking the write lock (readers of a snapshot).
    """
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        message = str(error)
        if "lock" in message.lower():
            holder = message.split("Conflicting lock is held in", 1)[-1].strip()
            raise WarehouseLockedError(str(path), f"held by {holder}" if holder != message
                                       else message) from None
        raise
    # long copies (publish, retention) would draw DuckDB's progress bar into task logs
    con.execute("set enable_progress_bar = false")
    return con


def ensure_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw, ops and audit tables when missing (idempotent)."""
    con.execute(RAW_DDL)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> Any:
    """The single value of a query, with the result fully consumed (DuckDB 2 keeps unfinished
    results open and then refuses other work on the connection)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
