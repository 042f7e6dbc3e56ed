{#- delete+insert for a unique_key of several columns, as dbt-duckdb's own but for the delete: it
    joins the target to the distinct keys of the new rows, not to the new rows themselves.
    dbt-duckdb writes `delete from target using new_rows where keys match`; when a key holds
    many rows (a network scope, a day), that join pairs each old row of the key with each new
    one, n * m rows for one key: at 1M posts that delete took 1.8-2.5 s of the network
    interactions' incremental run, and it grew with the square of a scope. Joined to the
    distinct keys, each old row meets its key once. A key of one column keeps dbt-duckdb's
    `where key in (select key from new_rows)`, a semi join already. -#}
{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}

    {%- set dest_cols_csv = get_quoted_csv(dest_columns | map(attribute="name")) -%}

    {% if unique_key %}
        {% if unique_key is sequence and unique_key is not string %}
            delete from {{ target }} as DBT_INCREMENTAL_TARGET
            using (
                select distinct {{ unique_key | join(', ') }}
                from {{ source }}
            ) as DBT_INCREMENTAL_KEYS
            where (
                {% for key in unique_key %}
                    DBT_INCREMENTAL_KEYS.{{ key }} = DBT_INCREMENTAL_TARGET.{{ key }}
                    {{ "and " if not loop.last }}
                {% endfor %}
                {% if incremental_predicates %}
                    {% for predicate in incremental_predicates %}
                        and {{ predicate }}
                    {% endfor %}
                {% endif %}
            );
        {% else %}
            delete from {{ target }}
            where (
                {{ unique_key }}) in (
                select ({{ unique_key }})
                from {{ source }}
            )
            {%- if incremental_predicates %}
                {% for predicate in incremental_predicates %}
                    and {{ predicate }}
                {% endfor %}
            {%- endif -%};

        {% endif %}
    {% endif %}

    insert into {{ target }} ({{ dest_cols_csv }})
    (
        select {{ dest_cols_csv }}
        from {{ source }}
    )

{%- endmacro %}
