-- One row per Polres × hour with at least one negative public post about it:
-- the counts, the Polres' usual hourly level and whether the hour is a spike:
-- at least PANTAU_ALERT_MIN_POSTS negative posts, more than PANTAU_ALERT_SIGMA
-- Poisson standard deviations above the usual level, and at least
-- PANTAU_ALERT_MIN_NEGATIVE_SHARE of the hour's public posts about the Polres
-- (a few sour replies inside a wave of praise are not an issue).
-- A table, not the intermediate folder's incremental: a new post moves the Polres' median
-- hour, so every hour of every Polres is judged again (rebuilt whole from fct_posts).
{{ config(materialized='table') }}

with

posts as (
    select * from {{ ref('fct_posts') }}
),

public_posts as (
    select
        posts.*,
        unnest(posts.polres_ids) as about_polres_id
    from posts
    where not posts.is_official_author
),

data_window as (
    select
        date_trunc('hour', min(created_at)) as first_hour_at,
        date_trunc('hour', max(created_at)) as last_hour_at,
        date_diff(
            'hour', date_trunc('hour', min(created_at)),
            date_trunc('hour', max(created_at))
        ) + 1 as hour_count
    from posts
),

hourly_counts as (
    select
        about_polres_id as polres_id,
        date_trunc('hour', created_at) as hour_at,
        count(*) filter (where sentiment_label = 'negative') as negative_post_count,
        count(*) as public_post_count
    from public_posts
    group by about_polres_id, date_trunc('hour', created_at)
    having count(*) filter (where sentiment_label = 'negative') > 0
),

-- The usual level is the median hour (quiet hours count as zero), so the burst
-- being judged does not raise its own bar; the spread around it is taken as
-- Poisson (the square root of the level, at least 1).
polres_levels as (
    select
        hourly_counts.polres_id,
        any_value(data_window.hour_count) - count(*) as quiet_hour_count,
        list_sort(list(hourly_counts.negative_post_count)) as sorted_counts,
        any_value(data_window.hour_count) as hour_count
    from hourly_counts
    cross join data_window
    group by hourly_counts.polres_id
),

polres_medians as (
    select
        polres_id,
        case
            when quiet_hour_count * 2 >= hour_count then 0
            else sorted_counts[cast(ceil(hour_count / 2) as bigint) - quiet_hour_count]
        end as median_per_hour
    from polres_levels
),

hours_flagged as (
    select
        hourly_counts.polres_id,
        hourly_counts.hour_at,
        hourly_counts.negative_post_count,
        hourly_counts.public_post_count,
        polres_medians.median_per_hour,
        (
            hourly_counts.negative_post_count >= {{ pantau_setting('ALERT_MIN_POSTS', 8) }}
            and hourly_counts.negative_post_count > (
                polres_medians.median_per_hour
                + {{ pantau_setting('ALERT_SIGMA', 4) }}
                * sqrt(greatest(polres_medians.median_per_hour, 1))
            )
            and hourly_counts.negative_post_count >= (
                {{ pantau_setting('ALERT_MIN_NEGATIVE_SHARE', 0.5) }}
                * hourly_counts.public_post_count
            )
        ) as is_spike
    from hourly_counts
    inner join polres_medians
        on hourly_counts.polres_id = polres_medians.polres_id
)

select * from hours_flagged
