{#- The incremental strategy `rewrite`: the model's query returns every row of the table, and the
    run replaces them all, in its transaction. For a small table whose every row can change
    (a rank over all of them) but whose query can reuse the table's own rows ({{ this }}) for
    the parts that did not change, which a table materialization cannot read while it builds
    the next one from nothing. -#}
{% macro get_incremental_rewrite_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
