-- Pantau's serving database in PostgreSQL: the database, a writer role (publish only) and a
-- reader role for BI tools (SELECT on the marts, nothing else). Idempotent: run it again to
-- change a limit or a password.
--
-- Run by `pantau stack up` for the local cluster, by docker-compose's postgres service
-- (infra/postgres/docker-init.sh), and by a DBA for an existing server:
--
--   PANTAU_PG_WRITER_PASSWORD=… PANTAU_PG_READER_PASSWORD=… psql -X -v ON_ERROR_STOP=1 \
--     -v database=pantau -v writer=pantau_writer -v reader=pantau_reader \
--     -v reader_connections=20 -v writer_connections=5 \
--     -v statement_timeout=60s -v idle_timeout=900s \
--     -d postgres -f infra/postgres/roles.sql
--
-- Passwords are read from the environment (\getenv), never from the command line, and the
-- server stores them as SCRAM-SHA-256 verifiers.

\set ON_ERROR_STOP on
\getenv writer_password PANTAU_PG_WRITER_PASSWORD
\getenv reader_password PANTAU_PG_READER_PASSWORD
set password_encryption = 'scram-sha-256';

-- roles
select format('create role %I login', :'writer')
where not exists (select from pg_roles where rolname = :'writer') \gexec
select format('create role %I login', :'reader')
where not exists (select from pg_roles where rolname = :'reader') \gexec

alter role :"writer" with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls
    connection limit :writer_connections password :'writer_password';
alter role :"reader" with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls
    noinherit connection limit :reader_connections password :'reader_password';
-- Every reader session: read-only by default, a bounded statement, no idle connection kept.
-- PostgreSQL lets every role change its own session defaults (ALTER ROLE … SET, also IN
-- DATABASE, which takes precedence), so a reader could lift these for every later session of
-- the shared role: this script first drops whatever defaults the reader has, here and in the
-- database (below, once it exists); rerunning it (`pantau stack up` does) restores them.
-- Within one session a reader can always SET them: they bound runaway BI queries; the
-- connection limit is what is enforced.
alter role :"reader" reset all;
alter role :"reader" set default_transaction_read_only = on;
alter role :"reader" set statement_timeout = :'statement_timeout';
alter role :"reader" set idle_session_timeout = :'idle_timeout';
alter role :"reader" set idle_in_transaction_session_timeout = :'idle_timeout';
alter role :"reader" set temp_buffers = '8MB';

-- the database, owned by the writer
select format('create database %I owner %I encoding %L template template0', :'database',
              :'writer', 'UTF8')
where not exists (select from pg_database where datname = :'database') \gexec
alter database :"database" owner to :"writer";
revoke all on database :"database" from public;
grant connect on database :"database" to :"reader";
alter role :"reader" in database :"database" reset all;

\connect :"database"
set password_encryption = 'scram-sha-256';
-- Nothing for PUBLIC to create in; the marts and the publish log belong to the writer.
revoke all on schema public from public;
create schema if not exists marts authorization :"writer";
create schema if not exists pantau_ops authorization :"writer";
alter schema marts owner to :"writer";
alter schema pantau_ops owner to :"writer";
revoke all on schema pantau_ops from public;
grant usage on schema marts to :"reader";
grant select on all tables in schema marts to :"reader";
alter default privileges for role :"writer" in schema marts grant select on tables to :"reader";
-- Large objects are the one place a plain role may write outside a table: none for PUBLIC.
revoke execute on function lo_creat(integer), lo_create(oid), lo_from_bytea(oid, bytea),
    lo_import(text), lo_import(text, oid), lo_put(oid, bigint, bytea), lowrite(integer, bytea),
    lo_unlink(oid), lo_truncate(integer, integer), lo_truncate64(integer, bigint)
    from public;
