{#- Models keyed by issue alert (mart_issue_hashtag_war) follow the delta: an incremental run
    rebuilds only the alerts whose rows can have changed, and keeps the rows of the others.
    An alert's rows are made from the posts of its window (from its start to its end) that name
    its unit, so they change only when
    - the alert is new or its window moved (a new alert_id, a new end): it is not among the
      windows the model recorded at its last run (ops.alert_windows_built);
    - the model itself changed: its SQL (a new release) or a setting it reads (the record holds
      both, alert_rows_built_with), so every alert is built again;
    - it is open (no end): its window runs to the latest post;
    - a post that fct_posts rebuilt since the model's watermark (posts_to_rebuild, a new post, an
      observation, a correction) was published in an hour its window touches.
    Every other alert reads the same posts as at the model's last run. An alert gone from
    mart_issue_alerts loses its rows. The watermark is kept in ops.aggregate_watermarks like the
    incremental aggregates' (macros/aggregates_to_rebuild.sql), and the windows in
    ops.alert_windows_built, both written by the model's post-hooks in its own transaction:
    a run that failed leaves both where they were. A model without them (new, or a table of an
    earlier release) rebuilds every alert. -#}

{#- The windows each model keyed by alert was last built from (created by the project's
    on-run-start hook). -#}
{% macro alert_windows_built_table() -%}
    ops.alert_windows_built
{%- endmacro %}

{#- What the model's rows depend on besides the alerts and the posts: a digest of its SQL and
    the values of the settings it reads (every pantau_setting('NAME', default) of its code). -#}
{% macro alert_rows_built_with() -%}
    {%- set parts = [local_md5(model.raw_code)] -%}
    {%- for name, default in modules.re.findall(
            "pantau_setting\\(\\s*'([A-Z_]+)'\\s*,\\s*([^)]*?)\\s*\\)", model.raw_code)
            | unique | sort -%}
        {%- do parts.append(name ~ '=' ~ pantau_setting(name, default)) -%}
    {%- endfor -%}
    {{ return(parts | join(' ') | replace("'", "''")) }}
{%- endmacro %}

{#- The alerts of `alerts` (a relation with alert_id, unit_id, started_at, ended_at) that the
    model builds: every alert in a full build, the alerts to rebuild (above) in an incremental
    one. -#}
{% macro alerts_to_rebuild(alerts) -%}
    select
        alerts.alert_id,
        alerts.unit_id,
        alerts.started_at,
        alerts.ended_at
    from {{ alerts }} as alerts
    {%- if is_incremental() %}
    where
        alerts.ended_at is null
        or not exists (
            select 1
            from {{ alert_windows_built_table() }} as built
            where
                built.model_name = '{{ this.identifier }}'
                and built.alert_id = alerts.alert_id
                and built.ended_at = alerts.ended_at
                and built.built_with = '{{ alert_rows_built_with() }}'
        )
        or exists (
            select 1
            from {{ periods_to_rebuild('hour') }} as changed_hours
            where
                changed_hours.period_start + interval 1 hour > alerts.started_at
                and changed_hours.period_start < alerts.ended_at
        )
    {%- endif %}
{%- endmacro %}

{#- The pre-hook: delete the rows of the alerts to rebuild (an alert whose rows are gone
    inserts none) and of the alerts gone from `alerts`. -#}
{% macro alerts_to_rebuild_deleted(alerts) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            alert_id in (select rebuilt.alert_id from ({{ alerts_to_rebuild(alerts) }}) as rebuilt)
            or alert_id not in (select kept.alert_id from {{ alerts }} as kept)
    {%- endif -%}
{%- endmacro %}

{#- The post-hooks: the windows this run built the model from, in place of the last run's. -#}
{% macro alert_windows_cleared() -%}
    delete from {{ alert_windows_built_table() }} where model_name = '{{ this.identifier }}'
{%- endmacro %}

{% macro alert_windows_recorded(alerts) -%}
    insert into {{ alert_windows_built_table() }}
    select
        '{{ this.identifier }}' as model_name,
        alerts.alert_id,
        alerts.ended_at,
        '{{ alert_rows_built_with() }}' as built_with
    from {{ alerts }} as alerts
{%- endmacro %}
