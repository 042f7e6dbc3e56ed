{#- The incremental strategy `rewrite`: the model's query returns every row of the table, and the
    run replaces them all, in its transaction. For a small table whose every row can change
    (a rank over all of them) but whose query reuses the table's own rows ({{ this }}) for the
    parts that did not change: as an incremental model it gets dbt's is_incremental() (the
    table exists, no --full-refresh; unit tests can override it), the project's tests of the
    rows a run wrote (its unique_key), and the contract's check of its columns. -#}
{% macro get_incremental_rewrite_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
