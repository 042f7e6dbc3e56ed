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
    and created_at >= (
        select min(bound.created_at)
        from {{ relation }} as bound
        where bound.post_key in {{ keys }}
    )
{%- endmacro %}
