#!/usr/bin/env bash
# docker-compose's postgres service: Pantau's serving database and its roles, made once when the
# data volume is first initialised (files in /docker-entrypoint-initdb.d run only then; to
# change a password or a limit later, run infra/postgres/roles.sql again as a DBA would).
#
# The passwords come from the service's environment (PANTAU_PG_WRITER_PASSWORD and
# PANTAU_PG_READER_PASSWORD, set in .env); roles.sql reads them with \getenv, so they are never
# on a command line.
set -euo pipefail

: "${PANTAU_PG_WRITER_PASSWORD:?set PANTAU_PG_WRITER_PASSWORD (in .env) for the writer role}"
: "${PANTAU_PG_READER_PASSWORD:?set PANTAU_PG_READER_PASSWORD (in .env) for the reader role}"
export PANTAU_PG_WRITER_PASSWORD PANTAU_PG_READER_PASSWORD

psql -X -q -v ON_ERROR_STOP=1 \
    --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v database="${PANTAU_PG_DATABASE:-pantau}" \
    -v writer="${PANTAU_PG_WRITER:-pantau_writer}" \
    -v reader="${PANTAU_PG_READER:-pantau_reader}" \
    -v reader_connections="${PANTAU_PG_READER_CONNECTIONS:-20}" \
    -v writer_connections="${PANTAU_PG_WRITER_CONNECTIONS:-5}" \
    -v statement_timeout="${PANTAU_PG_STATEMENT_TIMEOUT_S:-60}s" \
    -v idle_timeout="${PANTAU_PG_IDLE_TIMEOUT_S:-900}s" \
    -f /pantau/roles.sql
