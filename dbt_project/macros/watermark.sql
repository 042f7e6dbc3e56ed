{#- In an incremental run: the latest `column` (an ingestion time) the model already holds,
    the point after which raw's rows are new to it.

    When the model runs, asked first and written into its query as a constant
    (earliest_as_constant), which DuckDB pushes into the scan it filters and answers from the
    zone maps of the table's last row groups. A scalar subquery is not pushed into the scan:
    with nothing new (an empty set of keys to join to) DuckDB built its hash table from every
    row of the other side (int_post_conversations at 20M posts: 3.5 s for no rows; with the
    constant, 0.01 s). When dbt only parses, or in a unit test, the subquery. -#}
{% macro watermark(column='last_ingested_at') -%}
    {{- earliest_as_constant(
        "select coalesce(max(built." ~ column ~ "), '1970-01-01'::timestamp) from "
        ~ this ~ " as built") -}}
{%- endmacro %}
