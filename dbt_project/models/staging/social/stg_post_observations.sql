-- One row per observation of a post (a contract event): the metric time series.
-- A repeated event_id (a producer retry that reached raw twice) keeps one row.
-- Incremental: a run appends the observations ingested since the last run.
{{ config(unique_key='event_id') }}

with

source as (
    select * from {{ source('raw', 'social_posts') }}
    where {{ raw_slice() }}
    {% if is_incremental() %}
        and ingested_at > {{ watermark('ingested_at') }}
    {% endif %}
),

deduplicated as (
    {{ deduplicate_events('source') }}
),

renamed as (
    select
        -- ids
        event_id,
        platform || ':' || post_id as post_key,

        -- strings
        platform,

        -- metrics
        coalesce(likes, 0) as likes,
        coalesce(replies, 0) as replies,
        coalesce(shares, 0) as shares,
        coalesce(quotes, 0) as quotes,
        views,
        {{ engagement('likes', 'replies', 'shares', 'quotes') }} as engagement,

        -- timestamps
        created_at,
        observed_at,
        ingested_at

    from deduplicated
)

select * from renamed
