{#- In an incremental run: the latest `column` (an ingestion time) the model already holds,
    the point after which raw's rows are new to it. -#}
{% macro watermark(column='last_ingested_at') -%}
    (
        select coalesce(max(built.{{ column }}), '1970-01-01'::timestamp)
        from {{ this }} as built
    )
{%- endmacro %}

{#- watermark(), asked before the model runs and written into its query as a constant, which
    DuckDB pushes into the scans it filters (a subquery reaches only some of them). Only in an
    incremental run's execution, where the model's table exists. -#}
{% macro watermark_as_constant(column='last_ingested_at') -%}
    {%- set found = run_query('select ' ~ watermark(column)).rows[0][0] -%}
    {{- "'" ~ found ~ "'::timestamp" -}}
{%- endmacro %}
