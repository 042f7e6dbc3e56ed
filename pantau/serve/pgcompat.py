"""What makes DuckDB answer like Postgres for the Postgres endpoint (:mod:`pantau.serve.pgwire`).

Three jobs: (1) answer the statements clients send that only make sense to a Postgres server
(``SET``, ``SHOW``, transaction control, ``DISCARD ALL``) without touching DuckDB; (2) refuse
anything that is not a read with SQLSTATE 25006, as a read-only Postgres standby would; (3)
rewrite the Postgres-only spellings of catalogue queries (``version()``, ``current_setting``,
``OPERATOR(pg_catalog.~)``, ``COLLATE pg_catalog.default``, ``::regclass``...) into DuckDB, whose
own ``pg_catalog`` and ``information_schema`` then answer them. Results are encoded as
Postgres text values with Postgres type OIDs.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import logging
import math
import re
import struct
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

log = logging.getLogger(__name__)

SERVER_VERSION = "15.0"
VERSION_STRING = (f"PostgreSQL {SERVER_VERSION} (Pantau read-only endpoint on DuckDB "
                  f"{duckdb.__version__}) on x86_64-pc-linux-gnu, 64-bit")

READ_ONLY_HINT = ("Pantau's Postgres endpoint serves the published snapshot of the marts "
                  "read-only. Query it with SELECT; derived tables belong in the dbt project.")


@dataclass(frozen=True)
class Column:
    name: str
    type_oid: int
    type_size: int = -1


class PgError(Exception):
    """Raised here, sent to the client by the wire layer (same fields as ``pgwire.PgError``)."""

    def __init__(self, sqlstate: str, message: str, *, hint: str = "") -> None:
        self.sqlstate = sqlstate
        self.message = message
        self.hint = hint
        self.fatal = False
        super().__init__(message)


class Result:
    """The outcome of one statement: a command tag and, for queries, columns and rows."""

    def __init__(self, tag: str, columns: list[Column] | None = None,
                 cursor: duckdb.DuckDBPyConnection | None = None,
                 rows: list[tuple[Any, ...]] | None = None) -> None:
        self.tag = tag
        self.columns = columns
        self.cursor = cursor
        self.rows = rows
        self.row_count = 0
        self.exhausted = cursor is None and not rows

    def fetch(self, n: int) -> list[tuple[Any, ...]]:
        if self.rows is not None:
            batch, self.rows = self.rows[:n], self.rows[n:]
        elif self.cursor is not None and not self.exhausted:
            batch = self.cursor.fetchmany(n)
        else:
            batch = []
        if not batch:
            self.exhausted = True
        return batch

    def abandon(self) -> None:
        """Drop the rows not fetched yet, so the connection can run the next statement."""
        if self.cursor is not None and not self.exhausted:
            self.cursor.abort()
        self.exhausted = True

    def command_tag(self) -> str:
        return f"SELECT {self.row_count}" if self.columns is not None else self.tag


# ---------------------------------------------------------------------------------------------
# Settings and SHOW


def session_settings(params: dict[str, str]) -> dict[str, str]:
    """The run-time parameters reported at startup and answered by SHOW / current_setting."""
    return {
        "server_version": SERVER_VERSION,
        "server_version_num": "150000",
        "server_encoding": "UTF8",
        "client_encoding": "UTF8",
        "DateStyle": "ISO, MDY",
        "TimeZone": "UTC",
        "timezone": "UTC",
        "integer_datetimes": "on",
        "standard_conforming_strings": "on",
        "IntervalStyle": "postgres",
        "is_superuser": "off",
        "session_authorization": params.get("user", ""),
        "application_name": params.get("application_name", ""),
        "default_transaction_read_only": "on",
        "transaction_read_only": "on",
        "in_hot_standby": "off",
        "transaction_isolation": "read committed",
        "default_transaction_isolation": "read committed",
        "search_path": '"$user", public, marts',
        "max_identifier_length": "63",
        "max_index_keys": "32",
        "lc_collate": "C.UTF-8",
        "lc_ctype": "C.UTF-8",
        "extra_float_digits": "1",
        "bytea_output": "hex",
        "statement_timeout": "0",
        "lock_timeout": "0",
        "idle_in_transaction_session_timeout": "0",
        "ssl": "off",
        "block_size": "8192",
        "max_connections": "100",
        "datestyle": "ISO, MDY",
    }


def _setting(settings: dict[str, str], name: str) -> str | None:
    lowered = {k.lower(): v for k, v in settings.items()}
    return lowered.get(name.lower().strip().strip('"'))


_SHOW_ALIASES = {"transaction isolation level": "transaction_isolation", "time zone": "TimeZone"}


def _show(statement: str, settings: dict[str, str]) -> Result:
    name = statement[4:].strip().rstrip(";").strip()
    lowered = re.sub(r"\s+", " ", name.lower())
    if lowered == "all":
        rows = [(k, v, "") for k, v in sorted(settings.items())]
        return Result("SHOW", [Column("name", 25), Column("setting", 25),
                               Column("description", 25)], rows=rows)
    key = _SHOW_ALIASES.get(lowered, name)
    value = _setting(settings, key)
    if value is None:
        raise PgError("42704", f'unrecognized configuration parameter "{name}"')
    return Result("SHOW", [Column(key.lower().replace(" ", "_"), 25)], rows=[(value,)])


# ---------------------------------------------------------------------------------------------
# Statements


def split(sql: str) -> list[str]:
    """Split a simple-query string into statements (quotes, dollar quotes and comments aware)."""
    statements, current, i, n = [], [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            current.append(sql[i:j + 1])
            i = j + 1
        elif ch == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            current.append(sql[i:j])
            i = j
        elif ch == "/" and sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            current.append(sql[i:j])
            i = j
        elif ch == "$" and (m := re.match(r"\$[A-Za-z_]*\$", sql[i:])):
            tag = m.group(0)
            j = sql.find(tag, i + len(tag))
            j = n if j < 0 else j + len(tag)
            current.append(sql[i:j])
            i = j
        elif ch == ";":
            statements.append("".join(current))
            current = []
            i += 1
        else:
            current.append(ch)
            i += 1
    statements.append("".join(current))
    return [s for s in statements if _strip_comments(s).strip()]


def _strip_comments(sql: str) -> str:
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.S)
    return re.sub(r"--[^\n]*", " ", sql)


def _first_word(sql: str) -> str:
    match = re.match(r"\s*\(?\s*([A-Za-z_]+)", _strip_comments(sql))
    return match.group(1).lower() if match else ""


def ends_transaction(sql: str) -> bool:
    return _first_word(sql) in ("rollback", "abort", "commit", "end")


_READS = {"select", "with", "values", "table", "explain", "describe", "summarize", "from"}
_TRANSACTION_TAGS = {"begin": "BEGIN", "start": "BEGIN", "commit": "COMMIT", "end": "COMMIT",
                     "rollback": "ROLLBACK", "abort": "ROLLBACK"}
_NOOPS = {"set": "SET", "reset": "RESET", "discard": "DISCARD ALL", "deallocate": "DEALLOCATE",
          "listen": "LISTEN", "unlisten": "UNLISTEN", "savepoint": "SAVEPOINT",
          "release": "RELEASE"}


def parameter_count(sql: str) -> int:
    numbers = [int(n) for n in re.findall(r"\$(\d+)", _strip_comments(sql))]
    return max(numbers, default=0)


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any],
            settings: dict[str, str]) -> Result:
    """Run one statement the way a read-only Postgres would."""
    word = _first_word(sql)
    if not word:
        return Result("EMPTY")
    if word in _TRANSACTION_TAGS:
        if word == "rollback" and re.search(r"\bto\b", sql, re.I):
            return Result("ROLLBACK")  # ROLLBACK TO SAVEPOINT: nothing was written anyway
        return Result(_TRANSACTION_TAGS[word])
    if word in _NOOPS:
        if word == "set" and re.match(r"\s*set\s+(session\s+)?transaction\b.*read\s+write", sql,
                                      re.I | re.S):
            raise PgError("25006", "cannot set transaction read-write mode: the endpoint is "
                          "read-only", hint=READ_ONLY_HINT)
        return Result(_NOOPS[word])
    if word == "show":
        return _show(_strip_comments(sql).strip(), settings)
    if word not in _READS:
        raise PgError("25006", f"cannot execute {word.upper()} in a read-only transaction",
                      hint=READ_ONLY_HINT)
    rewritten = rewrite(sql)
    try:
        cursor = con.execute(rewritten, list(params)) if params else con.execute(rewritten)
    except duckdb.Error as error:
        log.debug("query failed: %s\n%s", error, rewritten)
        raise _pg_error(error) from error
    if cursor.description is None:
        return Result(word.upper())
    return Result("SELECT", _columns(cursor.description), cursor=cursor)


def describe(con: duckdb.DuckDBPyConnection, sql: str, n_params: int,
             settings: dict[str, str]) -> list[Column] | None:
    """Result columns of ``sql`` without running it over data (for Describe of a statement)."""
    if _first_word(sql) not in _READS - {"explain", "describe", "summarize"}:
        if _first_word(sql) == "show":
            return _show(_strip_comments(sql).strip(), settings).columns
        return None
    try:
        cursor = con.execute(f"select * from ({rewrite(sql)}) limit 0",
                             [None] * n_params) if n_params else con.execute(
            f"select * from ({rewrite(sql)}) limit 0")
        cursor.fetchall()
    except duckdb.Error:
        return None
    return _columns(cursor.description or [])


def _columns(description: Sequence[Any]) -> list[Column]:
    """Columns named as Postgres names them: an unaliased ``f(x)`` is ``f``, ``count(*)`` count."""
    columns = []
    for name, duckdb_type, *_ in description:
        if name == "count_star()":
            name = "count"
        elif match := re.fullmatch(r"\"?(\w+)\"?\(.*\)", name, flags=re.S):
            name = match.group(1)
        columns.append(Column(name, *type_oid(str(duckdb_type))))
    return columns


def _pg_error(error: duckdb.Error) -> PgError:
    text = str(error)
    if "read-only mode" in text or "read-only" in text:
        return PgError("25006", "cannot write: the endpoint is read-only", hint=READ_ONLY_HINT)
    if "Permission Error" in text or "disabled by configuration" in text:
        return PgError("42501", "permission denied: files, ATTACH and extensions are not available "
                       "through the Postgres endpoint", hint=READ_ONLY_HINT)
    state = {"Parser Error": "42601", "Catalog Error": "42P01", "Binder Error": "42703",
             "Conversion Error": "22P02", "Invalid Input Error": "22023",
             "Out of Range Error": "22003", "Not implemented Error": "0A000"}
    for prefix, sqlstate in state.items():
        if text.startswith(prefix):
            return PgError(sqlstate, text)
    return PgError("XX000", text)


# ---------------------------------------------------------------------------------------------
# Rewrites of Postgres-only spellings


#: Postgres functions DuckDB lacks, as session (temp) macros; they shadow DuckDB's own version().
_MACROS = {
    "version": ("()", "'" + VERSION_STRING + "'"),
    "pg_get_userbyid": ("(role_oid)", "'pantau'"),
    "pg_is_in_recovery": ("()", "false"),
    "pg_encoding_to_char": ("(encoding)", "'UTF8'"),
    "pg_backend_pid": ("()", "0"),
    "pg_get_indexdef": ("(index_oid)", "NULL::varchar, (index_oid, column_no, pretty) as NULL::varchar"),
    "pg_get_expr": ("(node, relation)", "NULL::varchar, (node, relation, pretty) as NULL::varchar"),
    "pg_get_function_result": ("(function_oid)", "NULL::varchar"),
    "pg_relation_is_publishable": ("(relation)", "false"),
    "array_upper": ("(arr, dimension)", "len(arr)"),
    "pg_get_serial_sequence": ("(table_name, column_name)", "NULL::varchar"),
    "to_regtype": ("(type_name)", "(select oid from pantau_pg_type where typname = type_name)"),
    "array_lower": ("(arr, dimension)", "1"),
    "pg_get_function_arguments": ("(function_oid)", "NULL::varchar"),
    "pg_relation_size": ("(relation)", "0::bigint"),
    "pg_total_relation_size": ("(relation)", "0::bigint"),
    "pg_table_size": ("(relation)", "0::bigint"),
    "pg_get_partkeydef": ("(relation)", "NULL::varchar"),
    "pg_get_statisticsobjdef_columns": ("(oid)", "NULL::varchar"),
    "quote_ident": ("(name)", "'\"' || replace(name, '\"', '\"\"') || '\"'"),
    "txid_current": ("()", "1::bigint"),
}


#: Catalogue tables psql and BI tools read that DuckDB lacks or has with fewer columns, as session
#: views ``pantau_<name>``; queries naming them are pointed there (:func:`rewrite`).
_CATALOG_VIEWS = {
    "pg_class": "select *, false as relforcerowsecurity from pg_catalog.pg_class",
    "pg_database": """select oid, datname, datallowconn, datistemplate, 6 as encoding,
        'C.UTF-8' as datcollate, 'C.UTF-8' as datctype, null::varchar as daticulocale,
        'c' as datlocprovider, null::varchar[] as datacl, 10::bigint as datdba,
        -1 as datconnlimit, 1663::bigint as dattablespace from pg_catalog.pg_database""",
    "pg_roles": """select 10::bigint as oid, 'pantau' as rolname, false as rolsuper,
        false as rolinherit, false as rolcreaterole, false as rolcreatedb, true as rolcanlogin,
        false as rolreplication, -1 as rolconnlimit, null::varchar as rolvaliduntil,
        false as rolbypassrls, null::varchar[] as rolconfig""",
    "pg_user": """select 'pantau' as usename, 10::bigint as usesysid, false as usecreatedb,
        false as usesuper, false as userepl, false as usebypassrls""",
    "pg_policy": """select * from (select null::bigint as oid, null::varchar as polname,
        null::bigint as polrelid, null::varchar as polcmd, null::boolean as polpermissive,
        null::bigint[] as polroles, null::varchar as polqual, null::varchar as polwithcheck)
        where false""",
    "pg_statistic_ext": """select * from (select null::bigint as oid, null::bigint as stxrelid,
        null::varchar as stxname, null::bigint as stxnamespace, null::bigint as stxowner,
        null::integer as stxstattarget, null::integer[] as stxkeys, null::varchar[] as stxkind,
        null::varchar as stxexprs) where false""",
    "pg_publication": """select * from (select null::bigint as oid, null::varchar as pubname,
        null::boolean as puballtables, null::boolean as pubinsert, null::boolean as pubupdate,
        null::boolean as pubdelete, null::boolean as pubtruncate, null::boolean as pubviaroot)
        where false""",
    "pg_publication_rel": """select * from (select null::bigint as oid, null::bigint as prpubid,
        null::bigint as prrelid, null::varchar as prqual, null::integer[] as prattrs) where false""",
    "pg_publication_namespace": """select * from (select null::bigint as oid,
        null::bigint as pnpubid, null::bigint as pnnspid) where false""",
    "pg_inherits": """select * from (select null::bigint as inhrelid, null::bigint as inhparent,
        null::integer as inhseqno, null::boolean as inhdetachpending) where false""",
    "pg_trigger": """select * from (select null::bigint as oid, null::bigint as tgrelid,
        null::bigint as tgparentid, null::varchar as tgname, null::bigint as tgfoid,
        null::integer as tgtype, null::varchar as tgenabled, null::boolean as tgisinternal)
        where false""",
    "pg_rewrite": """select * from (select null::bigint as oid, null::varchar as rulename,
        null::bigint as ev_class, null::varchar as ev_type, null::varchar as ev_enabled,
        null::boolean as is_instead) where false""",
    "pg_partitioned_table": """select * from (select null::bigint as partrelid,
        null::varchar as partstrat, null::integer as partnatts) where false""",
    "pg_foreign_table": """select * from (select null::bigint as ftrelid,
        null::bigint as ftserver, null::varchar[] as ftoptions) where false""",
    "pg_extension": """select * from (select null::bigint as oid, null::varchar as extname,
        null::bigint as extowner, null::bigint as extnamespace, null::boolean as extrelocatable,
        null::varchar as extversion) where false""",
    "pg_collation": """select * from (select 100::bigint as oid, 'default' as collname,
        (select oid from pg_catalog.pg_namespace where nspname = 'pg_catalog' limit 1)
            as collnamespace, 10::bigint as collowner, 'd' as collprovider,
        true as collisdeterministic, -1 as collencoding, null::varchar as collcollate,
        null::varchar as collctype) where false""",
    "pg_auth_members": """select * from (select null::bigint as roleid, null::bigint as member,
        null::bigint as grantor, null::boolean as admin_option) where false""",
    "pg_matviews": """select * from (select null::varchar as schemaname,
        null::varchar as matviewname, null::varchar as matviewowner, null::varchar as definition)
        where false""",
}


#: Postgres type OIDs and the names format_type() gives them, for the types the marts use.
_PG_TYPES = {
    16: ("bool", "boolean", 1, 1000), 17: ("bytea", "bytea", -1, 1001),
    20: ("int8", "bigint", 8, 1016), 21: ("int2", "smallint", 2, 1005),
    23: ("int4", "integer", 4, 1007), 25: ("text", "text", -1, 1009),
    114: ("json", "json", -1, 199), 700: ("float4", "real", 4, 1021),
    701: ("float8", "double precision", 8, 1022), 1043: ("varchar", "character varying", -1, 1015),
    1082: ("date", "date", 4, 1182), 1083: ("time", "time without time zone", 8, 1183),
    1114: ("timestamp", "timestamp without time zone", 8, 1115),
    1184: ("timestamptz", "timestamp with time zone", 8, 1185),
    1186: ("interval", "interval", 16, 1187), 1700: ("numeric", "numeric", -1, 1231),
    2950: ("uuid", "uuid", 16, 2951),
}


@functools.cache
def _type_views() -> dict[str, str]:
    """pg_type / pg_attribute with Postgres OIDs (DuckDB's pg_attribute uses its own type ids)."""
    rows = []
    for oid, (name, _, length, array_oid) in _PG_TYPES.items():
        rows.append(f"({oid}, '{name}', {length}, 'b', 0, {array_oid})")
        rows.append(f"({array_oid}, '_{name}', -1, 'b', {oid}, 0)")
    pg_type = f"""select oid::bigint as oid, typname, (select oid from pg_catalog.pg_namespace
        where nspname = 'pg_catalog' limit 1) as typnamespace, 10::bigint as typowner,
        typlen::smallint as typlen, typlen > 0 as typbyval, typtype,
        case when typelem <> 0 then 'A' else 'U' end as typcategory, false as typispreferred,
        true as typisdefined, ',' as typdelim, 0::bigint as typrelid, typelem::bigint as typelem,
        typarray::bigint as typarray, 0::bigint as typbasetype, -1 as typtypmod,
        false as typnotnull, 0 as typndims, 0::bigint as typcollation,
        null::varchar as typdefault, null::varchar as typinput, null::varchar as typoutput,
        'i' as typalign, 'p' as typstorage
        from (values {", ".join(rows)}) t(oid, typname, typlen, typtype, typelem, typarray)"""
    cases = " ".join(f"when data_type = '{duckdb_type}' then {oid}"
                     for duckdb_type, (oid, _) in _OIDS.items())
    arrays = " ".join(f"when data_type = '{duckdb_type}[]' then {_ARRAY_OIDS[oid]}"
                      for duckdb_type, (oid, _) in _OIDS.items() if oid in _ARRAY_OIDS)
    pg_attribute = f"""select table_oid as attrelid, column_name as attname,
        (case {cases} {arrays} when data_type like 'DECIMAL%' then 1700
              when data_type like '%[]' then 1009 else 25 end)::bigint as atttypid,
        0 as attstattarget, -1::smallint as attlen, column_index::smallint as attnum,
        0 as attndims, -1 as attcacheoff,
        case when data_type like 'DECIMAL%' then ((numeric_precision << 16) + numeric_scale) + 4
             else -1 end as atttypmod,
        false as attbyval, 'p' as attstorage, 'i' as attalign, not is_nullable as attnotnull,
        column_default is not null as atthasdef, false as atthasmissing, '' as attidentity,
        '' as attgenerated, false as attisdropped, true as attislocal, 0 as attinhcount,
        0::bigint as attcollation, null::varchar as attcompression, null::varchar[] as attacl,
        null::varchar[] as attoptions, null::varchar[] as attfdwoptions,
        null::varchar as attmissingval
        from duckdb_columns()"""
    return {"pg_type": pg_type, "pg_attribute": pg_attribute}


def _format_type_macro() -> str:
    names = " ".join(f"when {oid} then '{display}' when {array_oid} then '{display}[]'"
                     for oid, (_, display, _, array_oid) in _PG_TYPES.items())
    return (f"create or replace temp macro format_type(type_oid, typmod) as case "
            f"when type_oid = 1700 and typmod > 4 then 'numeric(' || ((typmod - 4) >> 16) || ',' "
            f"|| ((typmod - 4) & 65535) || ')' else case type_oid {names} else 'text' end end")


def prepare_session(con: duckdb.DuckDBPyConnection, settings: dict[str, str]) -> None:
    """Create the Postgres compatibility macros and catalogue views on a session's connection,
    and make ``marts`` the current schema (BI tools then list and query the marts unqualified)."""
    for name, body in {**_CATALOG_VIEWS, **_type_views()}.items():
        con.execute(f"create or replace temp view pantau_{name} as {body}")
    for name, (arguments, body) in _MACROS.items():
        con.execute(f"create or replace temp macro {name}{arguments} as {body}")
    cases = " ".join(f"when '{k.lower()}' then '{v.replace(chr(39), chr(39) * 2)}'"
                     for k, v in settings.items())
    lookup = f"case lower(name) {cases} else null end"
    con.execute(f"create or replace temp macro current_setting(name) as {lookup}, "
                f"(name, missing_ok) as {lookup}")
    con.execute(_format_type_macro())
    if con.execute("select count(*) from information_schema.schemata where schema_name = 'marts' "
                   "and catalog_name = current_database()").fetchall()[0][0]:
        con.execute("use marts")


_REWRITES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"OPERATOR\s*\(\s*pg_catalog\s*\.\s*([~!<>=*]+)\s*\)", re.I), r"\1"),
    (re.compile(r"\s+COLLATE\s+(pg_catalog\s*\.\s*)?\"?(default|C|POSIX)\"?", re.I), ""),
    (re.compile(r"'([^']*)'\s*::\s*(pg_catalog\s*\.\s*)?regclass", re.I),
     lambda m: _regclass(m.group(1))),
    (re.compile(r"::\s*(pg_catalog\s*\.\s*)?(regclass|regproc|regtype|regnamespace|oid|name)\b",
                re.I), ""),
    # DuckDB resolves pg_catalog functions unqualified, and some only that way (array_to_string)
    (re.compile(r"\bpg_catalog\s*\.\s*(\w+)\s*\(", re.I), r"\1("),
    (re.compile(r"\bjson_build_object\s*\(", re.I), "json_object("),
    (re.compile(r"\bAS\s+(?:pg_catalog\s*\.\s*)?(?:regclass|regtype|regproc|regnamespace|oid)\s*\)",
                re.I), "AS BIGINT)"),
    (re.compile(r"::\s*pg_catalog\s*\.\s*(\w+)", re.I), r"::\1"),
    (re.compile(r"(?<![\w.\"])(?:pg_catalog\s*\.\s*)?("
                + "|".join([*_CATALOG_VIEWS, "pg_type", "pg_attribute"]) + r")\b(?!\s*\()", re.I),
     r"pantau_\1"),
]


def _regclass(name: str) -> str:
    schema, _, table = name.rpartition(".")
    schema_filter = f" and n.nspname = '{schema}'" if schema else ""
    return (f"(select c.oid from pg_catalog.pg_class c join pg_catalog.pg_namespace n "
            f"on n.oid = c.relnamespace where c.relname = '{table}'{schema_filter} limit 1)")


def rewrite(sql: str) -> str:
    """Postgres spellings → DuckDB, for the forms BI tools and psql send."""
    for pattern, replacement in _REWRITES:
        sql = pattern.sub(replacement, sql)  # type: ignore[arg-type]
    return sql


# ---------------------------------------------------------------------------------------------
# Types and values

_OIDS = {
    "BOOLEAN": (16, 1), "TINYINT": (21, 2), "SMALLINT": (21, 2), "INTEGER": (23, 4),
    "BIGINT": (20, 8), "UTINYINT": (21, 2), "USMALLINT": (23, 4), "UINTEGER": (20, 8),
    "UBIGINT": (1700, -1), "HUGEINT": (1700, -1), "UHUGEINT": (1700, -1), "FLOAT": (700, 4),
    "DOUBLE": (701, 8), "VARCHAR": (1043, -1), "DATE": (1082, 4), "TIME": (1083, 8),
    "TIMESTAMP": (1114, 8), "TIMESTAMP_NS": (1114, 8), "TIMESTAMP_MS": (1114, 8),
    "TIMESTAMP_S": (1114, 8), "TIMESTAMP WITH TIME ZONE": (1184, 8), "INTERVAL": (1186, 16),
    "UUID": (2950, 16), "BLOB": (17, -1), "JSON": (114, -1),
}
_ARRAY_OIDS = {16: 1000, 21: 1005, 23: 1007, 20: 1016, 700: 1021, 701: 1022, 1043: 1015,
               25: 1009, 1082: 1182, 1114: 1115, 1184: 1185, 1700: 1231, 2950: 2951}


def type_oid(duckdb_type: str) -> tuple[int, int]:
    """(Postgres type OID, size) for a DuckDB type name; unknown types are sent as text."""
    if duckdb_type.endswith("[]"):
        element, _ = type_oid(duckdb_type[:-2])
        return _ARRAY_OIDS.get(element, 1009), -1
    if duckdb_type.startswith("DECIMAL"):
        return 1700, -1
    return _OIDS.get(duckdb_type, (25, -1))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ")
        return text.replace("+00:00", "+00")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        days, seconds = value.days, value.seconds
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
        if value.microseconds:
            clock += f".{value.microseconds:06d}"
        return f"{days} days {clock}" if days else clock
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return "{" + ",".join(_array_item(v) for v in value) + "}"
    if isinstance(value, dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return str(value)


def _array_item(value: Any) -> str:
    if value is None:
        return "NULL"
    text = _text(value)
    if text == "" or re.search(r'[{},"\\\s]', text) or text.upper() == "NULL":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def encoder(_oid: int) -> Callable[[Any], bytes]:
    """How values of a column are sent (text format)."""
    return lambda value: _text(value).encode()


def decode_param(raw: bytes | None, oid: int, fmt: int) -> Any:
    """A bound parameter as a Python value DuckDB can bind."""
    if raw is None:
        return None
    if fmt == 1:
        if oid == 16:
            return raw != b"\0"
        if oid in (21, 23, 20):
            return int.from_bytes(raw, "big", signed=True)
        if oid == 700:
            return struct.unpack("!f", raw)[0]
        if oid == 701:
            return struct.unpack("!d", raw)[0]
        if oid in (25, 1043, 19, 0, 705):
            return raw.decode()
        raise PgError("0A000", f"binary parameters of type OID {oid} are not supported; send them "
                      "as text")
    text = raw.decode()
    if oid == 16:
        return text.lower() in ("t", "true", "1", "on", "yes", "y")
    if oid in (21, 23, 20):
        return int(text)
    if oid in (700, 701):
        return float(text)
    if oid == 1700:
        return decimal.Decimal(text)
    if oid == 1082:
        return dt.date.fromisoformat(text)
    if oid in (1114, 1184):
        return dt.datetime.fromisoformat(text)
    return text
