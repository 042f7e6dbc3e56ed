-- One row per post: how fast its engagement grew, from its observations.
-- The first observation is measured against the moment of posting; each later
-- one against the observation before it.
-- Incremental: a run recomputes the posts observed since the last run.
-- depends_on: {{ ref('stg_social_posts') }}  (observations_of_changed_posts, incremental)
{{ config(unique_key='post_key') }}

with

observations as (
    {{ observations_of_changed_posts() }}
),

observation_gains as (
    select
        post_key,
        engagement - coalesce(
            lag(engagement) over by_time, 0
        ) as engagement_gain,
        date_diff(
            'second',
            coalesce(lag(observed_at) over by_time, created_at),
            observed_at
        ) as seconds_between,
        ingested_at
    from observations
    window by_time as (partition by post_key order by observed_at, event_id)
),

post_velocity as (
    select
        post_key,
        -- at least a minute between two readings, so a reading taken right
        -- after posting does not divide by almost nothing
        max(
            greatest(engagement_gain, 0) * 3600.0 / greatest(seconds_between, 60)
        ) as peak_engagement_per_hour,
        max(ingested_at) as last_ingested_at
    from observation_gains
    group by post_key
)

select * from post_velocity
