-- One row per issue of a unit at any level: the spike clusters of int_issue_spikes_clustered
-- that grew from the same conversation merged into one issue, with the post it started at,
-- its size, topic, top posts, the Polda and Polres its posts name most, and its end.
-- The origin of a cluster is the earliest of the conversations of its negative posts (from
-- PANTAU_ALERT_LOOKBACK_HOURS before its first spike hour to the end of its last) holding at
-- least half as many as the biggest. The issue starts at that post when it lies inside the
-- lookback, else at the first negative post of its first spike hour; it ends with its last
-- spike hour and is open (no end) while fewer than PANTAU_ALERT_GAP_HOURS hours of data
-- follow that hour.
-- A table, not the intermediate folder's incremental: a few hundred rows rebuilt whole (an
-- issue's number counts the unit's issues before it, and an open issue closes when the data
-- moves on), read twice, by int_issue_responses_matched and mart_issue_alerts. It reads only
-- the posts of the issues' hours (posts_in_windows): from PANTAU_ALERT_LOOKBACK_HOURS before
-- a cluster's first spike hour to PANTAU_ALERT_GAP_HOURS after its last (the longest an open
-- issue's news can run), and the origin posts by key, so its cost follows the issues, not
-- the warehouse; it equals a build from every post.
{{ config(materialized='table') }}

with

spike_clusters as (
    select * from {{ ref('int_issue_spikes_clustered') }}
),

-- not materialized: each use reads only the columns and rows it needs from fct_posts
-- (the origin posts by key, the time of the latest post)
posts as not materialized (
    select * from {{ ref('fct_posts') }}
),

data_window as (
    select max(created_at) as last_post_at from posts
),

cluster_windows as (
    select
        first_spike_hour_at
        - interval ({{ pantau_setting('ALERT_LOOKBACK_HOURS', 12) }}) hour as window_start,
        last_spike_hour_at + interval 1 hour as window_end
    from spike_clusters
),

cluster_posts as (
    {{ posts_in_windows('cluster_windows') }}
),

cluster_negative_posts_per_unit as (
    {{ per_unit(
        'cluster_posts',
        where="cluster_posts.sentiment_label = 'negative' "
            ~ "and not cluster_posts.is_official_author"
    ) }}
),

cluster_origins as (
    select
        spike_clusters.unit_id,
        spike_clusters.cluster_number,
        coalesce(
            cluster_negative_posts_per_unit.root_post_key, cluster_negative_posts_per_unit.post_key
        ) as origin_post_key,
        count(*) as origin_post_count,
        min(cluster_negative_posts_per_unit.created_at) as origin_created_at
    from spike_clusters
    inner join cluster_negative_posts_per_unit
        on spike_clusters.unit_id = cluster_negative_posts_per_unit.about_unit_id
        and cluster_negative_posts_per_unit.created_at >= (
            spike_clusters.first_spike_hour_at
            - interval ({{ pantau_setting('ALERT_LOOKBACK_HOURS', 12) }}) hour
        )
        and cluster_negative_posts_per_unit.created_at < (
            spike_clusters.last_spike_hour_at + interval 1 hour
        )
    group by
        spike_clusters.unit_id,
        spike_clusters.cluster_number,
        coalesce(
            cluster_negative_posts_per_unit.root_post_key, cluster_negative_posts_per_unit.post_key
        )
),

-- the earliest of the conversations holding at least half as many negative
-- posts as the biggest: a story often spreads into a second thread (a quote, a
-- repost elsewhere) that can outgrow the one it started in
cluster_origins_weighed as (
    select
        cluster_origins.*,
        coalesce(origin_posts.created_at, cluster_origins.origin_created_at)
            as origin_posted_at,
        cluster_origins.origin_post_count * 2 >= max(
            cluster_origins.origin_post_count
        ) over (
            partition by cluster_origins.unit_id, cluster_origins.cluster_number
        ) as is_major
    from cluster_origins
    left join posts as origin_posts
        on cluster_origins.origin_post_key = origin_posts.post_key
),

cluster_origins_chosen as (
    select *
    from cluster_origins_weighed
    qualify row_number() over (
        partition by unit_id, cluster_number
        order by is_major desc, origin_posted_at asc, origin_post_key asc
    ) = 1
),

-- a cluster that grew from the same conversation as the one before it is the
-- same issue flaring up again, not a new one
clusters_flagged as (
    select
        spike_clusters.*,
        cluster_origins.origin_post_key,
        case
            when cluster_origins.origin_post_key = lag(cluster_origins.origin_post_key) over (
                partition by spike_clusters.unit_id
                order by spike_clusters.first_spike_hour_at
            ) then 0
            else 1
        end as starts_issue
    from spike_clusters
    inner join cluster_origins_chosen as cluster_origins
        on spike_clusters.unit_id = cluster_origins.unit_id
        and spike_clusters.cluster_number = cluster_origins.cluster_number
),

clusters_merged as (
    select
        *,
        cast(sum(starts_issue) over (
            partition by unit_id order by first_spike_hour_at
            rows between unbounded preceding and current row
        ) as bigint) as alert_number
    from clusters_flagged
),

spikes as (
    select
        unit_id,
        alert_number,
        min(first_spike_hour_at) as first_spike_hour_at,
        max(last_spike_hour_at) as last_spike_hour_at,
        list(peak_at order by peak_hour_count desc, peak_at asc)[1] as peak_at,
        max(peak_hour_count) as peak_hour_count,
        any_value(baseline_per_hour) as baseline_per_hour,
        arg_min(origin_post_key, first_spike_hour_at) as origin_post_key
    from clusters_merged
    group by unit_id, alert_number
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
        spikes.alert_number,
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

alert_summaries as (
    select
        spike_posts.unit_id,
        spike_posts.alert_number,
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
    group by spike_posts.unit_id, spike_posts.alert_number
),

-- the Polda and the Polres its posts name most (a national wave's hot spots)
spike_units_named as (
    select
        unit_id,
        alert_number,
        'polda' as named_level,
        unnest(polda_ids) as named_unit_id
    from spike_posts
    union all
    select
        unit_id,
        alert_number,
        'polres' as named_level,
        unnest(polres_ids) as named_unit_id
    from spike_posts
),

spike_units_counted as (
    select
        unit_id,
        alert_number,
        named_level,
        named_unit_id,
        count(*) as post_count
    from spike_units_named
    group by unit_id, alert_number, named_level, named_unit_id
),

top_units_named as (
    select
        unit_id,
        alert_number,
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
    group by unit_id, alert_number
),

alerts_started as (
    select
        spikes.*,
        alert_summaries.topic,
        alert_summaries.top_post_keys,
        alert_summaries.top_post_url,
        case
            when origin_posts.created_at >= (
                spikes.first_spike_hour_at
                - interval ({{ pantau_setting('ALERT_LOOKBACK_HOURS', 12) }}) hour
            ) then origin_posts.created_at
            else alert_summaries.first_spike_post_at
        end as started_at,
        case
            when
                date_diff(
                    'hour', spikes.last_spike_hour_at, data_window.last_post_at
                ) >= {{ pantau_setting('ALERT_GAP_HOURS', 3) }}
                then spikes.last_spike_hour_at + interval 1 hour
        end as ended_at
    from spikes
    inner join alert_summaries
        on spikes.unit_id = alert_summaries.unit_id
        and spikes.alert_number = alert_summaries.alert_number
    left join posts as origin_posts
        on spikes.origin_post_key = origin_posts.post_key
    cross join data_window
),

alert_posts_counted as (
    select
        alerts_started.unit_id,
        alerts_started.alert_number,
        count(*) as negative_post_count
    from alerts_started
    inner join negative_posts_per_unit
        on alerts_started.unit_id = negative_posts_per_unit.about_unit_id
        and alerts_started.started_at <= negative_posts_per_unit.created_at
        and negative_posts_per_unit.created_at < (
            alerts_started.last_spike_hour_at + interval 1 hour
        )
    group by alerts_started.unit_id, alerts_started.alert_number
),

-- news items (platform news) naming the unit while the issue runs, from its start to its end
-- (to the latest data while it is open): "picked up by N news sites"
news_per_unit as (
    {{ per_unit('issue_posts', where="issue_posts.platform = 'news'") }}
),

alert_news_counted as (
    select
        alerts_started.unit_id,
        alerts_started.alert_number,
        count(distinct news_per_unit.author_key) as news_site_count,
        count(*) as news_item_count
    from alerts_started
    inner join news_per_unit
        on alerts_started.unit_id = news_per_unit.about_unit_id
        and alerts_started.started_at <= news_per_unit.created_at
        and (
            alerts_started.ended_at is null
            or alerts_started.ended_at > news_per_unit.created_at
        )
    group by alerts_started.unit_id, alerts_started.alert_number
),

issues as (
    select
        -- ids
        alerts_started.unit_id,
        alerts_started.origin_post_key,

        -- strings
        alerts_started.topic,
        alerts_started.top_post_keys,
        alerts_started.top_post_url,

        top_units_named.top_polda_id,
        top_units_named.top_polres_id,

        -- numerics
        alerts_started.alert_number,
        alert_posts_counted.negative_post_count,
        coalesce(top_units_named.top_polda_post_count, 0) as top_polda_post_count,
        coalesce(top_units_named.top_polres_post_count, 0) as top_polres_post_count,
        alerts_started.peak_hour_count,
        alerts_started.baseline_per_hour,
        coalesce(alert_news_counted.news_site_count, 0) as news_site_count,
        coalesce(alert_news_counted.news_item_count, 0) as news_item_count,

        -- timestamps
        alerts_started.started_at,
        alerts_started.first_spike_hour_at,
        alerts_started.last_spike_hour_at,
        -- the peak hour's start, but never before the issue's: an issue that began inside
        -- its peak hour peaks from its start
        greatest(alerts_started.peak_at, alerts_started.started_at) as peak_at,
        alerts_started.ended_at
    from alerts_started
    inner join alert_posts_counted
        on alerts_started.unit_id = alert_posts_counted.unit_id
        and alerts_started.alert_number = alert_posts_counted.alert_number
    left join top_units_named
        on alerts_started.unit_id = top_units_named.unit_id
        and alerts_started.alert_number = top_units_named.alert_number
    left join alert_news_counted
        on alerts_started.unit_id = alert_news_counted.unit_id
        and alerts_started.alert_number = alert_news_counted.alert_number
)

select * from issues
