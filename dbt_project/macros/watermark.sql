{#- In an incremental run: the latest `column` (an ingestion time) the model already holds,
    the point after which raw's rows are new to it. -#}
{% macro watermark(column='last_ingested_at') -%}
    (
        select coalesce(max(built.{{ column }}), '1970-01-01'::timestamp)
        from {{ this }} as built
    )
{%- endmacro %}
