{#- The network models are incremental per scope and follow int_network_interactions by its
    built_at: every row of a scope there carries the time the run that last wrote the scope
    started, and the models downstream copy it onto the rows they build from that scope. A
    downstream run reads only the scopes written since the newest built_at it holds, whose rows
    sit at the end of the table (DuckDB skips the row groups before them by their min and max),
    instead of comparing every scope's signature over the whole table at each run. -#}

{#- When int_network_interactions writes a scope: the run's start (UTC), and in an incremental
    run never earlier than a microsecond after the newest built_at it holds, so a clock set back
    cannot hide a scope from the models downstream. -#}
{% macro network_build_time() -%}
    {%- if is_incremental() -%}
        greatest(
            cast(get_current_timestamp() at time zone 'UTC' as timestamp),
            (select max(built_at) from {{ this }}) + interval 1 microsecond
        )
    {%- else -%}
        cast(get_current_timestamp() at time zone 'UTC' as timestamp)
    {%- endif -%}
{%- endmacro %}

{#- The newest built_at this model holds, as a SQL literal, read when the model is compiled (and
    again, before anything is written, by its pre-hook): the scopes of int_network_interactions
    with a later built_at are the ones to rebuild. '-infinity' in a full build. -#}
{% macro network_watermark() -%}
    {%- if execute and is_incremental() -%}
        {%- set found = run_query("select max(built_at) from " ~ this) -%}
        {%- set value = found.columns[0].values()[0] -%}
        {%- if value is not none -%}
            {{- return("timestamp '" ~ value ~ "'") -}}
        {%- endif -%}
    {%- endif -%}
    {{- return("timestamp '-infinity'") -}}
{%- endmacro %}

{#- The pre-hook of the network models downstream of int_network_interactions: delete the rows
    of the scopes it wrote since this model's watermark (they are built again, and a scope left
    without an edge gets no new row that would replace them), and of the scopes gone from
    int_network_scopes (a post no longer viral, an alert whose start moved). -#}
{% macro network_delete_scopes_to_rebuild() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where (scope_type, scope_id) in (
        select scope_type, scope_id
        from {{ ref('int_network_interactions') }}
        where built_at > {{ network_watermark() }}
    )
    or (scope_type, scope_id) not in (
        select scope_type, scope_id
        from {{ ref('int_network_scopes') }}
    )
    {%- endif -%}
{%- endmacro %}

{#- The rows of `relation` (a network model, with scope_type, scope_id and built_at) that a run
    of a network model reads: every row in a full build; in an incremental one, the rows of the
    scopes written since `watermark` (the model's network_watermark(), read once per model). -#}
{% macro network_rows_to_rebuild(relation, watermark) -%}
    select *
    from {{ relation }}
    {% if is_incremental() %}
    where built_at > {{ watermark }}
    {% endif %}
{%- endmacro %}
