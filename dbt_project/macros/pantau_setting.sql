{#- A tunable of the marts, from the PANTAU_<name> environment variable (documented with the
    other settings in the README; `pantau build` passes the settings to dbt). -#}
{% macro pantau_setting(name, default) -%}
    {{ env_var('PANTAU_' ~ name, default | string) }}
{%- endmacro %}
