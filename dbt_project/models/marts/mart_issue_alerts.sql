-- One row per issue alert: a negative spike about one Polres.
-- Rule (see int_polres_negative_hours): an hour is a spike when at least
-- PANTAU_ALERT_MIN_POSTS negative public posts name the Polres and the count is
-- more than PANTAU_ALERT_SIGMA standard deviations above its hourly mean; spike
-- hours less than PANTAU_ALERT_GAP_HOURS apart form one alert.
-- The issue starts at the post its conversation grew from: the root that most of
-- the negative posts from PANTAU_ALERT_LOOKBACK_HOURS before the first spike hour
-- to its end belong to (when that root is inside the lookback; else the issue
-- starts at the first negative post of the first spike hour). It ends with its last spike hour, and is open while fewer than
-- PANTAU_ALERT_GAP_HOURS hours of data follow that hour.
-- Spike clusters that grew from the same conversation are one issue.
-- The first official response is the first post by one of the Polres' official
-- accounts after the start in the issue's conversation or, when there is none,
-- the first worded as a response (a phrase of the seed response_phrases:
-- "menanggapi", "klarifikasi", …), within PANTAU_ALERT_RESPONSE_WINDOW_HOURS.
with

negative_hours as (
    select * from {{ ref('int_polres_negative_hours') }}
),

-- not materialized: each use reads only the columns and rows it needs from fct_posts
-- (a materialised CTE copied eleven columns of every post, the texts included).
posts as not materialized (
    select * from {{ ref('fct_posts') }}
),

polres as (
    select * from {{ ref('polres') }}
),

response_phrases as (
    select * from {{ ref('response_phrases') }}
),

data_window as (
    select max(created_at) as last_post_at from posts
),

negative_posts_per_polres as (
    select
        posts.*,
        unnest(posts.polres_ids) as about_polres_id
    from posts
    where posts.sentiment_label = 'negative' and not posts.is_official_author
),

spike_hours as (
    select
        *,
        case
            when date_diff(
                'hour',
                lag(hour_at) over (partition by polres_id order by hour_at),
                hour_at
            ) < {{ pantau_setting('ALERT_GAP_HOURS', 3) }} then 0
            else 1
        end as starts_alert
    from negative_hours
    where is_spike
),

spike_hours_numbered as (
    select
        *,
        sum(starts_alert) over (
            partition by polres_id order by hour_at
            rows between unbounded preceding and current row
        ) as alert_number
    from spike_hours
),

spike_clusters as (
    select
        polres_id,
        alert_number as cluster_number,
        min(hour_at) as first_spike_hour_at,
        max(hour_at) as last_spike_hour_at,
        list(hour_at order by negative_post_count desc, hour_at)[1] as peak_at,
        max(negative_post_count) as peak_hour_count,
        any_value(median_per_hour) as baseline_per_hour
    from spike_hours_numbered
    group by polres_id, alert_number
),

cluster_origins as (
    select
        spike_clusters.polres_id,
        spike_clusters.cluster_number,
        coalesce(
            negative_posts_per_polres.root_post_key, negative_posts_per_polres.post_key
        ) as origin_post_key,
        count(*) as origin_post_count,
        min(negative_posts_per_polres.created_at) as origin_created_at
    from spike_clusters
    inner join negative_posts_per_polres
        on spike_clusters.polres_id = negative_posts_per_polres.about_polres_id
        and negative_posts_per_polres.created_at >= spike_clusters.first_spike_hour_at
            - interval ({{ pantau_setting('ALERT_LOOKBACK_HOURS', 12) }}) hour
        and negative_posts_per_polres.created_at
            < spike_clusters.last_spike_hour_at + interval 1 hour
    group by
        spike_clusters.polres_id,
        spike_clusters.cluster_number,
        coalesce(
            negative_posts_per_polres.root_post_key, negative_posts_per_polres.post_key
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
            partition by cluster_origins.polres_id, cluster_origins.cluster_number
        ) as is_major
    from cluster_origins
    left join posts as origin_posts
        on cluster_origins.origin_post_key = origin_posts.post_key
),

cluster_origins_chosen as (
    select *
    from cluster_origins_weighed
    qualify row_number() over (
        partition by polres_id, cluster_number
        order by is_major desc, origin_posted_at, origin_post_key
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
                partition by spike_clusters.polres_id
                order by spike_clusters.first_spike_hour_at
            ) then 0
            else 1
        end as starts_issue
    from spike_clusters
    inner join cluster_origins_chosen as cluster_origins
        on spike_clusters.polres_id = cluster_origins.polres_id
        and spike_clusters.cluster_number = cluster_origins.cluster_number
),

clusters_merged as (
    select
        *,
        sum(starts_issue) over (
            partition by polres_id order by first_spike_hour_at
            rows between unbounded preceding and current row
        ) as alert_number
    from clusters_flagged
),

spikes as (
    select
        polres_id,
        alert_number,
        min(first_spike_hour_at) as first_spike_hour_at,
        max(last_spike_hour_at) as last_spike_hour_at,
        list(peak_at order by peak_hour_count desc, peak_at)[1] as peak_at,
        max(peak_hour_count) as peak_hour_count,
        any_value(baseline_per_hour) as baseline_per_hour,
        arg_min(origin_post_key, first_spike_hour_at) as origin_post_key
    from clusters_merged
    group by polres_id, alert_number
),

spike_posts as (
    select
        spikes.polres_id,
        spikes.alert_number,
        negative_posts_per_polres.post_key,
        negative_posts_per_polres.url,
        negative_posts_per_polres.topic,
        negative_posts_per_polres.engagement,
        negative_posts_per_polres.created_at,
        coalesce(
            negative_posts_per_polres.root_post_key, negative_posts_per_polres.post_key
        ) as conversation_key
    from spikes
    inner join negative_posts_per_polres
        on spikes.polres_id = negative_posts_per_polres.about_polres_id
        and negative_posts_per_polres.created_at >= spikes.first_spike_hour_at
        and negative_posts_per_polres.created_at
            < spikes.last_spike_hour_at + interval 1 hour
),

alert_summaries as (
    select
        polres_id,
        alert_number,
        min(created_at) as first_spike_post_at,
        coalesce(
            {{ most_frequent('topic', "topic <> 'lainnya'") }}, 'lainnya'
        ) as topic,
        list(post_key order by engagement desc, post_key)[1:3] as top_post_keys,
        list(url order by engagement desc, post_key)[1] as top_post_url
    from spike_posts
    group by polres_id, alert_number
),

alerts_started as (
    select
        spikes.*,
        alert_summaries.topic,
        alert_summaries.top_post_keys,
        alert_summaries.top_post_url,
        case
            when origin_posts.created_at >= spikes.first_spike_hour_at
                - interval ({{ pantau_setting('ALERT_LOOKBACK_HOURS', 12) }}) hour
                then origin_posts.created_at
            else alert_summaries.first_spike_post_at
        end as started_at,
        case
            when date_diff(
                'hour', spikes.last_spike_hour_at, data_window.last_post_at
            ) >= {{ pantau_setting('ALERT_GAP_HOURS', 3) }}
                then spikes.last_spike_hour_at + interval 1 hour
        end as ended_at
    from spikes
    inner join alert_summaries
        on spikes.polres_id = alert_summaries.polres_id
        and spikes.alert_number = alert_summaries.alert_number
    left join posts as origin_posts
        on spikes.origin_post_key = origin_posts.post_key
    cross join data_window
),

alert_posts_counted as (
    select
        alerts_started.polres_id,
        alerts_started.alert_number,
        count(*) as negative_post_count
    from alerts_started
    inner join negative_posts_per_polres
        on alerts_started.polres_id = negative_posts_per_polres.about_polres_id
        and negative_posts_per_polres.created_at >= alerts_started.started_at
        and negative_posts_per_polres.created_at
            < alerts_started.last_spike_hour_at + interval 1 hour
    group by alerts_started.polres_id, alerts_started.alert_number
),

official_posts as (
    select
        posts.*,
        unnest(posts.polres_ids) as about_polres_id,
        exists (
            select 1
            from response_phrases
            where contains(lower(posts.post_text), response_phrases.phrase)
        ) as is_response_worded
    from posts
    where posts.is_official_author
),

first_responses as (
    select
        alerts_started.polres_id,
        alerts_started.alert_number,
        official_posts.post_key as first_response_post_key,
        official_posts.url as first_response_url,
        official_posts.created_at as first_response_at
    from alerts_started
    inner join official_posts
        on alerts_started.polres_id = official_posts.about_polres_id
        and official_posts.created_at >= alerts_started.started_at
        and official_posts.created_at < alerts_started.started_at
            + interval ({{ pantau_setting('ALERT_RESPONSE_WINDOW_HOURS', 48) }}) hour
        and (
            official_posts.root_post_key = alerts_started.origin_post_key
            or official_posts.parent_post_key = alerts_started.origin_post_key
            or official_posts.is_response_worded
        )
    qualify row_number() over (
        partition by alerts_started.polres_id, alerts_started.alert_number
        order by
            official_posts.root_post_key is not distinct from alerts_started.origin_post_key
            or official_posts.parent_post_key
                is not distinct from alerts_started.origin_post_key desc,
            official_posts.created_at,
            official_posts.post_key
    ) = 1
),

alerts as (
    select
        -- ids
        alerts_started.polres_id || ':'
            || strftime(alerts_started.started_at, '%Y%m%dT%H%M%S') as alert_id,
        alerts_started.polres_id,
        alerts_started.origin_post_key,
        first_responses.first_response_post_key,

        -- strings
        polres.polres_name,
        polres.polda_name,
        alerts_started.topic,
        alerts_started.top_post_keys,
        alerts_started.top_post_url,
        first_responses.first_response_url,

        -- numerics
        alert_posts_counted.negative_post_count,
        alerts_started.peak_hour_count,
        alerts_started.baseline_per_hour,
        round(date_diff(
            'second', alerts_started.started_at, first_responses.first_response_at
        ) / 60.0, 1) as response_minutes,

        -- booleans
        first_responses.first_response_at is not null as is_responded,
        alerts_started.ended_at is null as is_open,

        -- timestamps
        alerts_started.started_at,
        alerts_started.peak_at,
        alerts_started.ended_at,
        first_responses.first_response_at

    from alerts_started
    inner join alert_posts_counted
        on alerts_started.polres_id = alert_posts_counted.polres_id
        and alerts_started.alert_number = alert_posts_counted.alert_number
    left join first_responses
        on alerts_started.polres_id = first_responses.polres_id
        and alerts_started.alert_number = first_responses.alert_number
    left join polres
        on alerts_started.polres_id = polres.polres_id
)

select * from alerts
