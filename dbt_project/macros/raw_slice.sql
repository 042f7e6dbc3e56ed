{#- A full build in slices (pantau.transform.dbt.build_slices, PANTAU_DBT_BUILD_SLICE_ROWS):
    each run of it reads raw only up to the var `ingested_until` (an ISO timestamp, the last
    ingested_at of its slice), as if the later rows were not loaded yet; the last run sets no
    var and reads the rest. The predicate on raw's rows, `true` when the var is not set. -#}
{% macro raw_slice(column='ingested_at') -%}
    {%- set until = var('ingested_until', none) -%}
    {%- if until is none -%}
        true
    {%- else -%}
        {#- only a timestamp reaches the SQL: anything else stops the compilation -#}
        {%- set parsed = modules.datetime.datetime.fromisoformat(until | string) -%}
        {{ column }} <= '{{ parsed.isoformat(sep=" ") }}'::timestamp
    {%- endif -%}
{%- endmacro %}
