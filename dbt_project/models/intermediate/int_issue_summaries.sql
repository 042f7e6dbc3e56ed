-- One row per issue of int_issue_spikes_merged: what its posts say. Its start (its origin
-- post when inside PANTAU_ALERT_LOOKBACK_HOURS before its first spike hour, else its first
-- negative post of that hour), the topic and top posts of its negative posts of the spike
-- hours, the Polda and Polres they name most, its negative posts from its start, and the news
-- items naming the unit while it runs. int_issue_origins_found joins it to the issue.
-- An issue is named by its unit and its first spike hour (its number moves when an earlier
-- issue appears). Incremental, keyed by issue (macros/issues_to_rebuild.sql): a run rebuilds
-- the issues that are new, open, or whose last spike hour, origin or end moved, and those
-- whose hours hold a post fct_posts rebuilt, from the posts of those hours only
-- (posts_in_windows); the other issues keep their rows.
-- depends_on: {{ ref('stg_social_posts') }}
-- depends_on: {{ ref('stg_label_corrections') }}
-- depends_on: {{ ref('int_posts_to_rebuild') }}
{{ config(
    unique_key=['unit_id', 'first_spike_hour_at'],
    **issue_hooks('int_issue_summaries')
) }}

with

spikes as (
    {{ issues_to_rebuild(issue_spec('int_issue_summaries')) }}
),

-- the hours an issue's posts can fall in: its start is at most PANTAU_ALERT_LOOKBACK_HOURS
-- before its first spike hour; it ends an hour after its last, or, while open, takes the news
-- up to the latest post, less than PANTAU_ALERT_GAP_HOURS after it
issue_windows as (
    select
        first_spike_hour_at
        - interval ({{ pantau_setting('ALERT_LOOKBACK_HOURS', 12) }}) hour as window_start,
        last_spike_hour_at
        + interval (greatest({{ pantau_setting('ALERT_GAP_HOURS', 3) }}, 1)) hour as window_end
    from spikes
),

issue_posts as (
    {{ posts_in_windows('issue_windows') }}
),

negative_posts_per_unit as (
    {{ per_unit(
        'issue_posts',
        where="issue_posts.sentiment_label = 'negative' and not issue_posts.is_official_author"
    ) }}
),

spike_posts as (
    select
        spikes.unit_id,
        spikes.first_spike_hour_at,
        negative_posts_per_unit.post_key,
        negative_posts_per_unit.url,
        negative_posts_per_unit.topic,
        negative_posts_per_unit.engagement,
        negative_posts_per_unit.polda_ids,
        negative_posts_per_unit.polres_ids,
        negative_posts_per_unit.created_at
    from spikes
    inner join negative_posts_per_unit
        on spikes.unit_id = negative_posts_per_unit.about_unit_id
        and spikes.first_spike_hour_at <= negative_posts_per_unit.created_at
        and negative_posts_per_unit.created_at < (
            spikes.last_spike_hour_at + interval 1 hour
        )
),

spike_summaries as (
    select
        spike_posts.unit_id,
        spike_posts.first_spike_hour_at,
        min(spike_posts.created_at) as first_spike_post_at,
        coalesce(
            {{ most_frequent('topic', "topic <> 'lainnya'") }}, 'lainnya'
        ) as topic,
        list(
            spike_posts.post_key order by spike_posts.engagement desc, spike_posts.post_key asc
        )[1:3] as top_post_keys,
        list(
            spike_posts.url order by spike_posts.engagement desc, spike_posts.post_key asc
        )[1] as top_post_url
    from spike_posts
    group by spike_posts.unit_id, spike_posts.first_spike_hour_at
),

-- the Polda and the Polres its posts name most (a national wave's hot spots)
spike_units_named as (
    select
        unit_id,
        first_spike_hour_at,
        'polda' as named_level,
        unnest(polda_ids) as named_unit_id
    from spike_posts
    union all
    select
        unit_id,
        first_spike_hour_at,
        'polres' as named_level,
        unnest(polres_ids) as named_unit_id
    from spike_posts
),

spike_units_counted as (
    select
        unit_id,
        first_spike_hour_at,
        named_level,
        named_unit_id,
        count(*) as post_count
    from spike_units_named
    group by unit_id, first_spike_hour_at, named_level, named_unit_id
),

top_units_named as (
    select
        unit_id,
        first_spike_hour_at,
        (
            list(named_unit_id order by post_count desc, named_unit_id asc)
            filter (where named_level = 'polda')
        )[1] as top_polda_id,
        max(post_count) filter (where named_level = 'polda') as top_polda_post_count,
        (
            list(named_unit_id order by post_count desc, named_unit_id asc)
            filter (where named_level = 'polres')
        )[1] as top_polres_id,
        max(post_count) filter (where named_level = 'polres') as top_polres_post_count
    from spike_units_counted
    group by unit_id, first_spike_hour_at
),

issues_started as (
    select
        spikes.unit_id,
        spikes.first_spike_hour_at,
        spikes.last_spike_hour_at,
        spikes.ended_at,
        spike_summaries.topic,
        spike_summaries.top_post_keys,
        spike_summaries.top_post_url,
        case
            when spikes.origin_posted_at >= (
                spikes.first_spike_hour_at
                - interval ({{ pantau_setting('ALERT_LOOKBACK_HOURS', 12) }}) hour
            ) then spikes.origin_posted_at
            else spike_summaries.first_spike_post_at
        end as started_at
    from spikes
    inner join spike_summaries
        on spikes.unit_id = spike_summaries.unit_id
        and spikes.first_spike_hour_at = spike_summaries.first_spike_hour_at
),

issue_posts_counted as (
    select
        issues_started.unit_id,
        issues_started.first_spike_hour_at,
        count(*) as negative_post_count
    from issues_started
    inner join negative_posts_per_unit
        on issues_started.unit_id = negative_posts_per_unit.about_unit_id
        and issues_started.started_at <= negative_posts_per_unit.created_at
        and negative_posts_per_unit.created_at < (
            issues_started.last_spike_hour_at + interval 1 hour
        )
    group by issues_started.unit_id, issues_started.first_spike_hour_at
),

-- news items (platform news) naming the unit while the issue runs, from its start to its end
-- (to the latest data while it is open): "picked up by N news sites"
news_per_unit as (
    {{ per_unit('issue_posts', where="issue_posts.platform = 'news'") }}
),

issue_news_counted as (
    select
        issues_started.unit_id,
        issues_started.first_spike_hour_at,
        count(distinct news_per_unit.author_key) as news_site_count,
        count(*) as news_item_count
    from issues_started
    inner join news_per_unit
        on issues_started.unit_id = news_per_unit.about_unit_id
        and issues_started.started_at <= news_per_unit.created_at
        and (
            issues_started.ended_at is null
            or issues_started.ended_at > news_per_unit.created_at
        )
    group by issues_started.unit_id, issues_started.first_spike_hour_at
),

summaries as (
    select
        -- ids
        issues_started.unit_id,

        -- strings
        issues_started.topic,
        issues_started.top_post_keys,
        issues_started.top_post_url,
        top_units_named.top_polda_id,
        top_units_named.top_polres_id,

        -- numerics
        issue_posts_counted.negative_post_count,
        coalesce(top_units_named.top_polda_post_count, 0) as top_polda_post_count,
        coalesce(top_units_named.top_polres_post_count, 0) as top_polres_post_count,
        coalesce(issue_news_counted.news_site_count, 0) as news_site_count,
        coalesce(issue_news_counted.news_item_count, 0) as news_item_count,

        -- timestamps
        issues_started.first_spike_hour_at,
        issues_started.started_at
    from issues_started
    inner join issue_posts_counted
        on issues_started.unit_id = issue_posts_counted.unit_id
        and issues_started.first_spike_hour_at = issue_posts_counted.first_spike_hour_at
    left join top_units_named
        on issues_started.unit_id = top_units_named.unit_id
        and issues_started.first_spike_hour_at = top_units_named.first_spike_hour_at
    left join issue_news_counted
        on issues_started.unit_id = issue_news_counted.unit_id
        and issues_started.first_spike_hour_at = issue_news_counted.first_spike_hour_at
)

select * from summaries
