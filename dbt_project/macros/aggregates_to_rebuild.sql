{#- The incremental aggregates: models that count the posts of fct_posts per period (an hour,
    a day, an ISO week) rebuild, in an incremental run, only the periods in which a post that
    fct_posts rebuilds (posts_to_rebuild) was published, from every post of those periods;
    every other period keeps its rows. A period's rows are deleted before the model inserts
    them again (the pre-hook periods_to_rebuild_deleted), so a period or a unit that lost its
    last post loses its rows too (a post whose Polres changed, a day whose only post moved).
    Such a model's watermark (the latest ingestion it has counted) is kept in
    ops.aggregate_watermarks, not in its rows: most marts carry no ingestion time, and the
    sparse ones would lag behind. The post-hook aggregate_watermark_recorded writes it in the
    model's own transaction, so a run that failed or skipped the model (a failed test
    upstream) leaves its watermark where it was, and the next run counts those posts. A model
    without a watermark (new, or a table of an earlier release) rebuilds every period.
    A post's created_at is the platform's and never changes, so a post stays in its periods. -#}

{#- The table of the watermarks (created by the project's on-run-start hook). -#}
{% macro aggregate_watermarks_table() -%}
    ops.aggregate_watermarks
{%- endmacro %}

{#- The model's watermark: the latest last_ingested_at of stg_social_posts it has counted. -#}
{% macro aggregate_watermark() -%}
    (
        select coalesce(max(recorded.last_ingested_at), '1970-01-01'::timestamp)
        from {{ aggregate_watermarks_table() }} as recorded
        where recorded.model_name = '{{ this.identifier }}'
    )
{%- endmacro %}

{#- Whether the model has a watermark recorded (asked when it is compiled; false before). -#}
{% macro aggregate_watermark_exists() -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = run_query(
        "select count(*) from " ~ aggregate_watermarks_table()
        ~ " where model_name = '" ~ this.identifier ~ "'") -%}
    {{ return(found.rows[0][0] > 0) }}
{%- endmacro %}

{#- The post-hook of an incremental aggregate: what it has counted now, in its transaction. -#}
{% macro aggregate_watermark_recorded() -%}
    insert or replace into {{ aggregate_watermarks_table() }}
    select
        '{{ this.identifier }}' as model_name,
        max(posts.last_ingested_at) as last_ingested_at
    from {{ ref('stg_social_posts') }} as posts
{%- endmacro %}

{#- The start of the period of `grain` ('hour': a timestamp; 'day', 'week': a date) that
    `timestamp` (a timestamp or a date) falls in. -#}
{% macro period_start(grain, timestamp) -%}
    {%- if grain == 'hour' -%}
        date_trunc('hour', {{ timestamp }})
    {%- else -%}
        cast(date_trunc('{{ grain }}', {{ timestamp }}) as date)
    {%- endif -%}
{%- endmacro %}

{#- In an incremental run: the periods of `grain` to rebuild, as a relation of period_start,
    those in which a post of posts_to_rebuild() since the model's watermark was published
    (int_posts_to_rebuild holds their created_at when it holds the set). -#}
{% macro periods_to_rebuild(grain) -%}
    {%- set since = aggregate_watermark() -%}
    {%- if posts_to_rebuild_holds(since) -%}
    (
        select distinct {{ period_start(grain, 'rebuilt.created_at') }} as period_start
        from {{ ref('int_posts_to_rebuild') }} as rebuilt
        where rebuilt.changed_at > {{ since }}
            and rebuilt.created_at is not null
    )
    {%- else -%}
    (
        select distinct {{ period_start(grain, 'rebuilt.created_at') }} as period_start
        from {{ ref('stg_social_posts') }} as rebuilt
        where rebuilt.post_key in {{ posts_to_rebuild(since=since) }}
    )
    {%- endif -%}
{%- endmacro %}

{#- The rows of `relation` a run of an incremental aggregate reads: every row in a full build;
    in an incremental one, those whose `column` (a timestamp or a date) falls in a period of
    `grain` to rebuild. -#}
{% macro rows_to_rebuild(relation, column, grain) -%}
    select all_rows.*
    from {{ relation }} as all_rows
    {% if is_incremental() %}
    where {{ period_start(grain, 'all_rows.' ~ column) }} in {{ periods_to_rebuild(grain) }}
    {% endif %}
{%- endmacro %}

{#- The pre-hook of an incremental aggregate: delete its rows whose `column` falls in a period
    of `grain` to rebuild (the model inserts those periods again). -#}
{% macro periods_to_rebuild_deleted(column, grain) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ period_start(grain, column) }} in {{ periods_to_rebuild(grain) }}
    {%- endif -%}
{%- endmacro %}
