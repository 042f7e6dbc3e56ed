{#- delete+insert as dbt-core's default does it, not as dbt-duckdb does: dbt-duckdb deletes a
    unique_key of several columns with `delete from target using new_rows where keys match`.
    When a key holds many rows (a network scope, a day), that join pairs each old row of the key
    with each new one, n * m rows for one key: at 1M posts that delete took 1.8-2.5 s of the
    network interactions' incremental run, and it grew with the square of a scope. dbt-core's
    default deletes `where (keys) in (select distinct keys from new_rows)`: each old row meets
    its key once. -#}
{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    {{ return(dbt.default__get_delete_insert_merge_sql(
        target, source, unique_key, dest_columns, incremental_predicates)) }}
{%- endmacro %}
