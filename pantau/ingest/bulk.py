"""Vectorised decoding and validation of a batch of Kafka messages inside DuckDB.

The loader hands DuckDB the raw JSON values of a batch as one Arrow column; this SQL parses them
(DuckDB's C++ JSON reader, all cores) and checks every rule of the contract that it can express,
with every limit read from the JSON Schema. It is a pre-check, stricter than the schema where SQL
and Python could differ (byte lengths for character lengths, a narrower timestamp form, no unknown
top-level fields): a row it passes is valid, and every row it does not pass goes to the Python
validator, which decides and gives the reason. Tests check that the two never disagree on a row
that the SQL accepts, and that both produce the same typed values.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pantau import contract

_INT64_MAX = 9_223_372_036_854_775_807
_TIMESTAMP = r"[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?Z"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def _leaves(props: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of every scalar or list leaf of the schema, in schema order."""
    out: list[str] = []
    for name, node in props.items():
        if "properties" in node:
            out += _leaves(node["properties"], f"{prefix}{name}.")
        else:
            out.append(f"{prefix}{name}")
    return out


def _values(props: dict[str, Any]) -> dict[str, Any]:
    """The from_json struct reading the document itself, with SQL types."""
    out: dict[str, Any] = {}
    for name, node in props.items():
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "properties" in node:
            out[name] = _values(node["properties"])
        elif "array" in kinds:
            out[name] = "JSON"  # the (short) list text, parsed on its own: see staging_sql
        elif "integer" in kinds or "const" in node:
            out[name] = "BIGINT"
        elif "boolean" in kinds:
            out[name] = "BOOLEAN"
        else:
            out[name] = "VARCHAR"
    return out


@cache
def staging_sql() -> str:
    """``select`` over ``batch_raw`` (kafka columns + ``value``) giving typed columns and ``ok``.

    Each document is parsed four times in C++ (a parse costs about as much as all the checks
    together, so there are no more): ``try_cast`` to JSON sets malformed documents aside,
    ``json_type`` with a list of paths gives the JSON type of every leaf (checked against the
    schema), ``from_json`` the typed values with each list as its JSON text, and ``json_keys``
    rules out unknown or duplicated top-level keys. The list texts are short (usually ``[]``) and
    parsed on their own for their values and item types. ``$now`` is the reference time for
    "not in the future".
    """
    spec = contract.schema()
    props = spec["properties"]
    max_future_s = int(contract.MAX_FUTURE.total_seconds())

    objects = [name for name, node in props.items() if "properties" in node]
    leaves = [*objects, *_leaves(props)]
    position = {path: index for index, path in enumerate(leaves, start=2)}  # 1 is "$"
    json_paths = "[" + ", ".join(_q(p) for p in ["$", *(f"$.{leaf}" for leaf in leaves)]) + "]"

    def kind(path: str) -> str:
        return f"types[{position[path]}]"

    def string(path: str, node: dict[str, Any]) -> str:
        check = f"({kind(path)} = 'VARCHAR' and strlen(v.{path}) <= {node['maxLength']}"
        if node.get("minLength"):
            check += f" and strlen(v.{path}) >= {node['minLength']}"
        check += ")"
        nullable = isinstance(node.get("type"), list)
        return f"({kind(path)} = 'NULL' or {check})" if nullable else check

    def count(path: str) -> str:
        return f"({kind(path)} = 'NULL' or ({kind(path)} = 'UBIGINT' and v.{path} is not null))"

    def enum(path: str, values: list[str]) -> str:
        return f"({kind(path)} = 'VARCHAR' and v.{path} in ({', '.join(map(_q, values))}))"

    def text_list(name: str) -> str:
        node = props[name]
        item = f"strlen(e) <= {node['items']['maxLength']}"
        return (f"({kind(name)} = 'ARRAY' and len({name}_list) <= {node['maxItems']} "
                f"and list_bool_and(list_transform({name}_types, "
                f"lambda k: k = 'VARCHAR')) is not false "
                f"and list_bool_and(list_transform({name}_list, lambda e: {item})) is not false)")

    def parse_list(name: str) -> str:
        # an empty list (the usual case) needs no parse
        return (f"case when v.{name} = '[]' then []::varchar[] "
                f"when {kind(name)} = 'ARRAY' then from_json(v.{name}, '[\"VARCHAR\"]') "
                f"end as {name}_list,\n        "
                f"case when v.{name} = '[]' then []::varchar[] "
                f"when {kind(name)} = 'ARRAY' then json_type(v.{name}, '$[*]') end as {name}_types")

    lists = ("hashtags", "mentions", "media_urls")

    def timestamp(name: str) -> str:
        return (f"({kind(name)} = 'VARCHAR' and regexp_full_match(v.{name}, {_q(_TIMESTAMP)}) "
                f"and {name}_ts is not null "
                f"and {name}_ts <= $now + interval {max_future_s} second)")

    author = props["author"]["properties"]
    checks = [
        "types[1] = 'OBJECT'",
        f"len(json_keys(doc)) = {len(spec['required'])}",
        *(f"{kind(name)} = 'OBJECT'" for name in objects),
        f"{kind('schema_version')} = 'UBIGINT' "
        f"and v.schema_version = {props['schema_version']['const']}",
        f"{kind('event_id')} = 'VARCHAR' and regexp_full_match(v.event_id, "
        f"{_q(props['event_id']['pattern'].strip('^$'))})",
        enum("platform", props["platform"]["enum"]),
        enum("post_type", props["post_type"]["enum"]),
        *(string(n, props[n]) for n in ("post_id", "url", "parent_post_id", "root_post_id", "text")),
        "not contains(v.text, chr(0))",
        f"({kind('lang')} = 'NULL' or ({kind('lang')} = 'VARCHAR' and regexp_full_match(v.lang, "
        f"{_q(props['lang']['pattern'].strip('^$'))})))",
        timestamp("created_at"),
        timestamp("observed_at"),
        "observed_at_ts >= created_at_ts",
        # optional (revision 1.1): absent, null, or a UTC time not after the post's
        f"({kind('author.created_at')} is null or {kind('author.created_at')} = 'NULL' or "
        f"({kind('author.created_at')} = 'VARCHAR' "
        f"and strlen(v.author.created_at) <= {author['created_at']['maxLength']} "
        f"and regexp_full_match(v.author.created_at, {_q(_TIMESTAMP)}) "
        "and author_created_at_ts is not null and author_created_at_ts <= created_at_ts))",
        string("author.id", author["id"]),
        string("author.handle", author["handle"]),
        string("author.display_name", author["display_name"]),
        count("author.followers"),
        f"{kind('author.verified')} = 'BOOLEAN'",
        f"{kind('author.is_official')} = 'BOOLEAN'",
        *(count(f"metrics.{n}") for n in props["metrics"]["properties"]),
        *(text_list(n) for n in lists),
        *(string(f"source.{n}", node) for n, node in props["source"]["properties"].items()),
    ]
    ok = " and ".join(f"coalesce({c}, false)" for c in checks)
    return f"""
with parsed as (
    select *, try_cast(value as json) as doc
    from batch_raw
),
typed as materialized (
    select
        *,
        json_type(doc, {json_paths}) as types,
        from_json(doc, {_q(json.dumps(_values(props)))}) as v
    from parsed
),
timed as (
    select
        *,
        try_cast(rtrim(v.created_at, 'Z') as timestamp) as created_at_ts,
        try_cast(rtrim(v.observed_at, 'Z') as timestamp) as observed_at_ts,
        try_cast(rtrim(v.author.created_at, 'Z') as timestamp) as author_created_at_ts,
        {(","+chr(10)+"        ").join(parse_list(n) for n in lists)}
    from typed
)
select
    kafka_partition,
    kafka_offset,
    {ok} as ok,
    v.event_id as event_id,
    try_cast(v.schema_version as integer) as schema_version,
    v.platform as platform,
    v.post_id as post_id,
    v.url as url,
    v.post_type as post_type,
    v.parent_post_id as parent_post_id,
    v.root_post_id as root_post_id,
    v.author.id as author_id,
    v.author.handle as author_handle,
    v.author.display_name as author_display_name,
    v.author.followers as author_followers,
    v.author.verified as author_verified,
    v.author.is_official as author_is_official,
    author_created_at_ts as author_created_at,
    v.text as text,
    v.lang as lang,
    created_at_ts as created_at,
    observed_at_ts as observed_at,
    v.metrics.likes as likes,
    v.metrics.replies as replies,
    v.metrics.shares as shares,
    v.metrics.quotes as quotes,
    v.metrics.views as views,
    hashtags_list as hashtags,
    mentions_list as mentions,
    media_urls_list as media_urls,
    v.source.name as source_name,
    v.source.version as source_version,
    null::json as extra,
    kafka_topic,
    kafka_timestamp,
    $now as ingested_at
from timed
"""


#: Column order of raw.social_posts, for inserting the staged rows.
POST_COLUMNS = (
    "event_id", "schema_version", "platform", "post_id", "url", "post_type", "parent_post_id",
    "root_post_id", "author_id", "author_handle", "author_display_name", "author_followers",
    "author_verified", "author_is_official", "author_created_at", "text", "lang", "created_at", "observed_at",
    "likes", "replies", "shares", "quotes", "views", "hashtags", "mentions", "media_urls",
    "source_name", "source_version", "extra", "kafka_topic", "kafka_partition", "kafka_offset",
    "kafka_timestamp", "ingested_at",
)
