{#- Data tests that follow the delta. In an incremental build, the data tests of an incremental
    model read only the rows the build wrote (and, for a uniqueness test on other columns than
    the model's unique_key, every row sharing their values); a full build, the first build and
    `dbt test` read every row. PANTAU_DBT_TESTS=all makes every build test every row.

    Why it is enough: an incremental model is written by delete+insert on its unique_key, so
    after the build the rows with the keys it wrote are exactly the rows it wrote, and the other
    rows are those an earlier build wrote and tested. A new row can break a row-wise rule
    (not_null, accepted_values, relationships, expression_is_true) only in itself, and
    uniqueness only together with rows sharing its values, which the filter keeps.

    How: record_changed_keys(), a post-hook of every model (dbt_project.yml), keeps the distinct
    unique_key values of the rows an incremental run inserted (the materialisation's temporary
    table, alive until the commit) in ops.changed_keys__<model>, and drops that table when the
    model was built whole. get_where_subquery, dbt's hook for the `model` of every generic test,
    joins the model to that table when it exists. The table also keeps the earliest build or
    ingestion time of the rows written (built_at, else last_ingested_at, else ingested_at),
    and the test reads only the rows at least that new: every written row is, and DuckDB
    skips the older row groups instead of reading every key of the model (at 20M posts the
    data tests of a +10,000 build took 23-26 s, summed over two threads, against 10-11 s at
    1M). -#}

{% macro changed_keys_relation(identifier) -%}
    {{ return(api.Relation.create(database=target.database, schema='ops',
                                  identifier='changed_keys__' ~ identifier)) }}
{%- endmacro %}


{% macro record_changed_keys() -%}
    {%- if execute and model.config.materialized == 'incremental'
            and model.config.get('unique_key') -%}
        {%- set unique_key = model.config.get('unique_key') -%}
        {%- set keys = [unique_key] if unique_key is string else unique_key -%}
        {%- set kept = changed_keys_relation(this.identifier) -%}
        {#- the delete+insert run's temporary table, named <model>__dbt_tmp<time> by dbt-duckdb;
            none when the model was created or rebuilt whole -#}
        {%- set found = run_query(
            "select table_name from duckdb_tables() where starts_with(table_name, '"
            ~ this.identifier ~ "__dbt_tmp') order by table_name desc limit 1") -%}
        {%- if found.rows | length > 0 -%}
            {%- set written = found.rows[0][0] -%}
            {#- the earliest value of the model's time column among the rows written (its build
                time, else its ingestion time), kept as written_from__<column> when no written
                row has it null: every written row is at least that new, so a test reading them
                skips the row groups before it (changed_rows_of) -#}
            {%- set ordered = run_query(
                "select column_name from duckdb_columns() where table_name = '" ~ written
                ~ "' and column_name in ('built_at', 'last_ingested_at', 'ingested_at') "
                ~ "order by list_position(['built_at', 'last_ingested_at', 'ingested_at'], "
                ~ "column_name) limit 1") -%}
            create or replace table {{ kept }} as
            select distinct {{ keys | join(', ') }}
            {%- if ordered.rows | length > 0 %}
                {%- set column = ordered.rows[0][0] %},
                (select case when count(*) = count({{ column }}) then min({{ column }}) end
                 from "{{ written }}") as written_from__{{ column }}
            {%- endif %}
            from "{{ written }}"
        {%- else -%}
            drop table if exists {{ kept }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- dbt's own macro (dbt/include/global_project/macros/materializations/tests/
    where_subquery.sql), with the changed rows added; the `where` config still applies. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set changed = none -%}
    {%- if execute and flags.WHICH == 'build'
            and env_var('PANTAU_DBT_TESTS', 'changed') | lower == 'changed' -%}
        {%- set changed = changed_rows_of(relation) -%}
    {%- endif -%}
    {%- if changed is none and not where -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ changed if changed is not none else relation }}
        {%- if where %} where {{ where }}{% endif %}) dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}


{#- The rows of the tested model this build wrote (as a subquery), or none to test every row:
    the model is not incremental, or was built whole. -#}
{% macro changed_rows_of(relation) -%}
    {%- set tested = graph.nodes.get(model.get('attached_node') or '') -%}
    {%- if tested is none or tested.config.materialized != 'incremental'
            or not tested.config.get('unique_key') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set unique_key = tested.config.get('unique_key') -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set kept = changed_keys_relation(relation.identifier) -%}
    {%- set found = run_query(
        "select column_name from duckdb_columns() where schema_name = 'ops' and table_name = '"
        ~ kept.identifier ~ "'") -%}
    {%- if found.rows | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {#- the written rows are at least as new as the earliest of them (record_changed_keys);
        when the build wrote none, the test reads none: a semi join on no keys still read
        every key of the model (at 20M posts, 10.4 s summed in a build with nothing new) -#}
    {%- set bound = namespace(sql='') -%}
    {%- set time_columns = [] -%}
    {%- for row in found.rows if row[0].startswith('written_from__') -%}
        {%- do time_columns.append(row[0]) -%}
    {%- endfor -%}
    {%- set counted = run_query("select count(*)" ~ (", min(" ~ time_columns[0] ~ ")"
        if time_columns else "") ~ " from " ~ kept).rows[0] -%}
    {%- if counted[0] == 0 -%}
        {%- set bound.sql = " where false" -%}
    {%- elif time_columns and counted[1] is not none -%}
        {%- set bound.sql = " where " ~ time_columns[0][14:] ~ " >= '" ~ counted[1]
            ~ "'::timestamp" -%}
    {%- endif -%}
    {%- set written -%}
        (select * from {{ relation }} semi join {{ kept }} using ({{ keys | join(', ') }})
        {{- bound.sql }})
    {%- endset -%}
    {#- a uniqueness test on columns that do not include the unique_key: the rows sharing the
        written rows' values may be older rows -#}
    {%- set test = model.get('test_metadata') or {} -%}
    {%- set kwargs = test.get('kwargs', {}) -%}
    {%- set columns = [kwargs.column_name] if test.get('name') == 'unique'
        else (kwargs.get('combination') or []) if test.get('name') == 'unique_combination'
        else [] -%}
    {%- if columns and not (keys | reject('in', columns) | list | length == 0) -%}
        {%- set written -%}
            (select * from {{ relation }} semi join
                (select distinct {{ columns | join(', ') }} from {{ written }} as written_rows)
                as written_values using ({{ columns | join(', ') }}))
        {%- endset -%}
    {%- endif -%}
    {{ return(written) }}
{%- endmacro %}
