-- One row per post per hour in which it was observed: its metrics at the last
-- observation of that hour, and the engagement gained since the hour before.
-- Incremental: a run recomputes the series of the posts observed since the
-- last run (delete+insert on post_key), so its cost follows the new data.
-- depends_on: {{ ref('stg_social_posts') }}  (observations_of_changed_posts, incremental)
{{ config(
    materialized='incremental',
    unique_key='post_key',
    incremental_strategy='delete+insert',
) }}

with

observations as (
    {{ observations_of_changed_posts() }}
),

hourly_last_observation as (
    select *
    from observations
    qualify row_number() over (
        partition by post_key, date_trunc('hour', observed_at)
        order by observed_at desc, event_id desc
    ) = 1
),

hourly_metrics as (
    select
        -- ids
        post_key,

        -- numerics
        likes,
        replies,
        shares,
        quotes,
        views,
        engagement,
        engagement - coalesce(
            lag(engagement) over (partition by post_key order by observed_at), 0
        ) as engagement_gain,

        -- timestamps
        date_trunc('hour', observed_at) as hour_at,
        observed_at as last_observed_at,
        max(ingested_at) over (partition by post_key) as last_ingested_at

    from hourly_last_observation
)

select * from hourly_metrics
