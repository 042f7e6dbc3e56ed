{#- Use the configured schema name as is (staging, marts, reference), not <target>_<schema>:
    analysts query `marts.fct_posts`, whatever the target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
