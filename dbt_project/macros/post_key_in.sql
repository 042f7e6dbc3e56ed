{#- A filter on the rows of `relation` (a per-post table whose `created_at` is never null) whose
    post_key is one of `keys` (a parenthesised query of post_keys), that DuckDB can answer from
    the table's last row groups. post_key follows no order in any table, so a filter on it alone
    decodes every column of every row before the join drops them (1,000 posts of
    stg_social_posts at 1M: 0.27 s, docs/scaling.md). The same rows are also at least as new as
    the earliest of them, found by a scan of two narrow columns; with that bound, the zone maps
    of created_at skip the row groups written before, which a stream appends in publication
    order. -#}
{% macro post_key_in(keys, relation) -%}
    post_key in {{ keys }}
    and created_at >= {{ earliest_or_never(
        'select min(bound.created_at) from ' ~ relation ~ ' as bound'
        ~ ' where bound.post_key in ' ~ keys) }}
{%- endmacro %}

{#- The lower bound of a filter `created_at >= ...` from `query` (the earliest time of the rows
    to read, one value or null), as SQL: that time, or 'infinity' when there is none. The
    query's result becomes a filter DuckDB pushes into the scan, and the zone maps of
    created_at skip the row groups before it; a null bound (nothing to read: a build with
    nothing new) pushed nothing, and the scan decoded every column of every row before the
    comparison with null dropped them (fct_posts' read of staging at 20M posts: 11.7 s, with
    'infinity' 0.1 s). The rows selected are the same: none. -#}
{% macro earliest_or_never(query) -%}
    coalesce(({{ query }}), 'infinity'::timestamp)
{%- endmacro %}

{#- The earliest time `query` finds (one value or null), asked before the model runs, as a SQL
    constant: that time, or 'infinity' when there is none. For a bound DuckDB must push into
    every scan it filters: a scalar subquery (earliest_or_never) reaches only the scans on the
    side of a join DuckDB happens to orient that way (fct_posts' read of int_posts_resolved at
    20M posts read every row). When dbt only parses, or in a unit test (whose inputs are
    fixtures, not tables to ask), earliest_or_never: the same value, as a subquery. -#}
{% macro earliest_as_constant(query) -%}
    {%- if execute and model.resource_type == 'model' -%}
        {%- set earliest = run_query(query).rows[0][0] -%}
        {{- "'" ~ earliest ~ "'::timestamp" if earliest is not none
            else "'infinity'::timestamp" -}}
    {%- else -%}
        {{- earliest_or_never(query) -}}
    {%- endif -%}
{%- endmacro %}
