{#- Models keyed by issue (mart_issue_hashtag_war per alert, int_issue_responses_matched,
    int_issue_campaign_shares and int_issue_summaries per issue, int_issue_cluster_conversations
    per spike cluster) follow the delta: an incremental run rebuilds only the issues whose rows
    can have changed, and keeps the rows of the others. An issue's rows are made from the posts of its
    window, so they change only when
    - the issue is new, or what its rows depend on besides the posts changed (its window, its
      origin, a seed: its `state`): it is not among the issues the model recorded at its last run
      (ops.issues_built);
    - the model itself changed: its SQL (a new release) or a setting it reads (recorded with the
      state, issue_rows_built_with), so every issue is built again;
    - it is open (its window has no end): its window runs to the latest post;
    - a post that fct_posts rebuilt since the model's watermark (posts_to_rebuild: a new post, an
      observation, a correction) was published in an hour its window touches.
    Every other issue reads the same posts as at the model's last run. An issue gone from the
    model's input loses its rows. The watermark is kept in ops.aggregate_watermarks like the
    incremental aggregates' (macros/aggregates_to_rebuild.sql), and the issues built in
    ops.issues_built, both written by the model's post-hooks in its own transaction: a run that
    failed leaves both where they were. A model without them (new, or a table of an earlier
    release) rebuilds every issue.
    What an issue is for each such model, issue_spec: its input, and SQL over the input's
    columns (unqualified): `key`, a varchar naming the issue (also an expression over the model's
    own columns, for the delete); `state`, a varchar; `window_start` and `window_end`, timestamps,
    `window_end` null while the issue is open.
-#}

{#- The issues each model keyed by issue last built (created by the project's on-run-start hook). -#}
{% macro issues_built_table() -%}
    ops.issues_built
{%- endmacro %}

{#- What the model's rows depend on besides the issues and the posts: a digest of its SQL and
    of its issue_spec, and the values of the settings it reads (every
    pantau_setting call of its code). Not of the macros it calls: a change of this file that
    changes what a model's rows hold must change its spec (or the model) too, so that the
    first build after it builds every issue again. -#}
{% macro issue_rows_built_with(spec) -%}
    {%- set parts = [local_md5(model.raw_code ~ spec.key ~ spec.state ~ spec.window_start
                               ~ spec.window_end)] -%}
    {%- for name, default in modules.re.findall(
            "pantau_setting\\(\\s*'([A-Z_]+)'\\s*,\\s*([^)]*?)\\s*\\)", model.raw_code)
            | unique | sort -%}
        {%- do parts.append(name ~ '=' ~ pantau_setting(name, default)) -%}
    {%- endfor -%}
    {{ return(parts | join(' ') | replace("'", "''")) }}
{%- endmacro %}

{#- The issues of a model keyed by issue (above), by the model's name. -#}
{% macro issue_spec(model_name) -%}
    {%- if model_name == 'mart_issue_hashtag_war' -%}
        {#- an alert: the posts naming its unit from its start to its end (to the latest post
            while it is open) -#}
        {{ return({
            'issues': ref('mart_issue_alerts'),
            'key': 'alert_id',
            'state': 'cast(ended_at as varchar)',
            'window_start': 'started_at',
            'window_end': 'ended_at',
        }) }}
    {%- elif model_name == 'int_issue_cluster_conversations' -%}
        {#- a spike cluster: the negative posts naming its unit from PANTAU_ALERT_LOOKBACK_HOURS
            before its first spike hour to the end of its last -#}
        {{ return({
            'issues': ref('int_issue_spikes_clustered'),
            'key': "unit_id || ':' || strftime(first_spike_hour_at, '%Y%m%dT%H%M%S')",
            'state': 'cast(last_spike_hour_at as varchar)',
            'window_start': 'first_spike_hour_at - interval ('
                ~ pantau_setting('ALERT_LOOKBACK_HOURS', 12) ~ ') hour',
            'window_end': 'last_spike_hour_at + interval 1 hour',
        }) }}
    {%- elif model_name == 'int_issue_summaries' -%}
        {#- an issue: the posts naming its unit from PANTAU_ALERT_LOOKBACK_HOURS before its
            first spike hour to its end (to the latest post while it is open); its start
            depends on its origin post's time too -#}
        {{ return({
            'issues': ref('int_issue_spikes_merged'),
            'key': "unit_id || ':' || strftime(first_spike_hour_at, '%Y%m%dT%H%M%S')",
            'state': "cast(last_spike_hour_at as varchar) || ' ' || origin_post_key || ' ' "
                ~ "|| coalesce(cast(origin_posted_at as varchar), '') || ' ' "
                ~ "|| coalesce(cast(ended_at as varchar), '')",
            'window_start': 'first_spike_hour_at - interval ('
                ~ pantau_setting('ALERT_LOOKBACK_HOURS', 12) ~ ') hour',
            'window_end': 'ended_at',
        }) }}
    {%- elif model_name == 'int_issue_responses_matched' -%}
        {#- an issue: the official posts of its response window, matched to its origin or to the
            response phrases -#}
        {{ return({
            'issues': ref('int_issue_origins_found'),
            'key': "unit_id || ':' || alert_number",
            'state': "cast(started_at as varchar) || ' ' || origin_post_key || ' ' || ("
                ~ "select md5(string_agg(phrases.phrase, '|' order by phrases.phrase)) from "
                ~ ref('response_phrases') ~ " as phrases)",
            'window_start': 'started_at',
            'window_end': 'started_at + interval ('
                ~ pantau_setting('ALERT_RESPONSE_WINDOW_HOURS', 48) ~ ') hour',
        }) }}
    {%- elif model_name == 'int_issue_campaign_shares' -%}
        {#- an issue (keyed as its alert): its public posts from its start to its end (to the
            latest post while it is open), and which of them belong to a campaign: the campaign
            posts of its window (of any unit), counted and their keys' hashes summed, are part
            of its state, since a new post can make an older one a campaign's (a join, not a
            subquery per issue: 7× faster at 20M posts) -#}
        {%- set issues = ref('int_issue_origins_found') -%}
        {{ return({
            'issues': "(select issues.*, digests.campaign_digest from " ~ issues ~ " as issues"
                ~ " left join (select windows.unit_id, windows.alert_number,"
                ~ " count(campaign.post_key) || ':' || coalesce(sum(hash(campaign.post_key)), 0)"
                ~ " as campaign_digest from " ~ issues ~ " as windows left join "
                ~ ref('int_campaign_posts_clustered') ~ " as campaign"
                ~ " on campaign.created_at >= windows.started_at"
                ~ " and campaign.created_at < windows.ended_at"
                ~ " group by windows.unit_id, windows.alert_number) as digests"
                ~ " on issues.unit_id = digests.unit_id"
                ~ " and issues.alert_number = digests.alert_number)",
            'key': "unit_id || ':' || strftime(started_at, '%Y%m%dT%H%M%S')",
            'state': "cast(alert_number as varchar) || ' ' || cast(ended_at as varchar) || ' ' "
                ~ "|| campaign_digest",
            'window_start': 'started_at',
            'window_end': 'ended_at',
        }) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("issue_spec: no issues defined for " ~ model_name) }}
{%- endmacro %}

{#- The hooks of a model keyed by issue, for its config: the pre-hook's delete, and the
    post-hooks that record its watermark and the issues it built, in its transaction. -#}
{% macro issue_hooks(model_name) -%}
    {%- set spec = "issue_spec('" ~ model_name ~ "')" -%}
    {{ return({
        'pre_hook': "{{ issues_to_rebuild_deleted(" ~ spec ~ ") }}",
        'post_hook': [
            "{{ aggregate_watermark_recorded() }}",
            "{{ issues_built_cleared() }}",
            "{{ issues_built_recorded(" ~ spec ~ ") }}",
        ],
    }) }}
{%- endmacro %}

{#- The issue's recorded state: its `state` and what the model was built with. -#}
{% macro issue_state(spec) -%}
    coalesce(({{ spec.state }}), '') || ' ' || '{{ issue_rows_built_with(spec) }}'
{%- endmacro %}

{#- The rows of `issues` that the model builds: every issue in a full build, the issues to
    rebuild (above) in an incremental one. -#}
{% macro issues_to_rebuild(spec) -%}
    {%- if is_incremental() -%}
    {#- each issue's state worked out once, then compared with the record by an anti-join; the
        issues a changed hour falls in found by a join on the input (a correlated `exists`
        with the two range conditions, or a join on issues_stated, which DuckDB then
        materialises with a nested-loop join inside, took 1.1-1.2 s at 20M posts, even with no
        hour changed; 0.1 s so) -#}
    with issues_stated as (
        select
            issues.*,
            ({{ spec.key }}) as issue_key,
            {{ issue_state(spec) }} as issue_state
        from {{ spec.issues }} as issues
    )

    select * exclude (issue_key, issue_state)
    from issues_stated as issues
    where
        ({{ spec.window_end }}) is null
        or not exists (
            select 1
            from {{ issues_built_table() }} as built
            where
                built.model_name = '{{ this.identifier }}'
                and built.issue_key = issues.issue_key
                and built.issue_state = issues.issue_state
        )
        or issues.issue_key in (
            select ({{ spec.key }})
            from {{ spec.issues }} as hit
            inner join {{ periods_to_rebuild('hour') }} as changed_hours
                on changed_hours.period_start + interval 1 hour > ({{ spec.window_start }})
                and changed_hours.period_start < ({{ spec.window_end }})
        )
    {%- else -%}
    select * from {{ spec.issues }}
    {%- endif %}
{%- endmacro %}

{#- The pre-hook: delete the rows of the issues to rebuild (an issue now without rows inserts
    none) and of the issues gone from `issues`. One IN over a union, not two IN conditions
    joined by OR (which took 4.2 s at 20M posts; 0.2 s so). -#}
{% macro issues_to_rebuild_deleted(spec) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where ({{ spec.key }}) in (
            select {{ spec.key }} from ({{ issues_to_rebuild(spec) }})
            union
            (
                select {{ spec.key }} from {{ this }}
                except
                select {{ spec.key }} from {{ spec.issues }}
            )
        )
    {%- endif -%}
{%- endmacro %}

{#- The post-hooks: the issues this run built the model from, in place of the last run's. -#}
{% macro issues_built_cleared() -%}
    delete from {{ issues_built_table() }} where model_name = '{{ this.identifier }}'
{%- endmacro %}

{% macro issues_built_recorded(spec) -%}
    insert into {{ issues_built_table() }}
    select
        '{{ this.identifier }}' as model_name,
        {{ spec.key }} as issue_key,
        {{ issue_state(spec) }} as issue_state
    from {{ spec.issues }}
{%- endmacro %}
