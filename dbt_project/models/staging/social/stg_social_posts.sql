-- One row per post (platform × post_id): its latest observation, with how often
-- and since when it was observed. Deduplicated on event_id first.
-- Incremental, like stg_post_observations: it is the one pass over every
-- observation in raw for the posts. A run reads only the observations ingested since the last
-- one and merges them into the posts' current rows (delete+insert on post_key):
-- a post's latest observation is the newer of its row and its new observations
-- (a new one wins a tie on observed_at, as it was ingested later), and its counts
-- add up. The loader writes an event_id once, so old and new never overlap.
-- Only the counts of the current rows are read, not their wide columns (a scan of
-- every column of the table cost seconds at millions of posts).
{{ config(unique_key='post_key') }}

with

source as (
    select * from {{ source('raw', 'social_posts') }}
    where {{ raw_slice() }}
    {% if is_incremental() %}
        and ingested_at > {{ watermark() }}
    {% endif %}
),

deduplicated as (
    {{ deduplicate_events('source') }}
),

observation_counts as (
    select
        platform,
        post_id,
        count(*) as observation_count,
        min(observed_at) as first_observed_at,
        max(ingested_at) as last_ingested_at
    from deduplicated
    group by platform, post_id
),

latest_observation as (
    select *
    from deduplicated
    qualify row_number() over (
        partition by platform, post_id
        order by observed_at desc, ingested_at desc, kafka_offset desc
    ) = 1
),

renamed as (
    select
        -- ids
        latest_observation.platform || ':' || latest_observation.post_id as post_key,
        latest_observation.event_id,
        latest_observation.post_id,
        latest_observation.parent_post_id,
        latest_observation.root_post_id,
        case
            when latest_observation.parent_post_id is not null
                then latest_observation.platform || ':' || latest_observation.parent_post_id
        end as parent_post_key,
        case
            when latest_observation.root_post_id is not null
                then latest_observation.platform || ':' || latest_observation.root_post_id
        end as root_post_key,
        latest_observation.author_id,

        -- strings
        latest_observation.platform,
        latest_observation.post_type,
        latest_observation.author_handle,
        latest_observation.author_display_name,
        latest_observation.text as post_text,
        latest_observation.lang,
        latest_observation.url,
        latest_observation.hashtags,
        latest_observation.mentions,
        latest_observation.media_urls,

        -- metrics
        latest_observation.author_followers,
        coalesce(latest_observation.likes, 0) as likes,
        coalesce(latest_observation.replies, 0) as replies,
        coalesce(latest_observation.shares, 0) as shares,
        coalesce(latest_observation.quotes, 0) as quotes,
        latest_observation.views,
        {{ engagement('latest_observation.likes', 'latest_observation.replies',
                      'latest_observation.shares', 'latest_observation.quotes') }}
            as engagement,
        observation_counts.observation_count,

        -- booleans
        latest_observation.author_is_official as is_official_author,
        latest_observation.author_verified as is_verified_author,

        -- timestamps
        latest_observation.created_at,
        latest_observation.author_created_at,
        observation_counts.first_observed_at,
        latest_observation.observed_at,
        observation_counts.last_ingested_at

    from latest_observation
    inner join observation_counts
        on latest_observation.platform = observation_counts.platform
        and latest_observation.post_id = observation_counts.post_id
)

{% if is_incremental() %}
,

-- what the merge needs of the posts' current rows: their counts (a narrow read)
built as (
    select post_key, observation_count, first_observed_at, observed_at
    from {{ this }}
    where post_key in (select post_key from renamed)
),

-- the rare post whose current row holds a later observation than all its new ones
-- (observations that arrived out of order) keeps that row: read whole only for those
built_newer as (
    select *
    from {{ this }}
    where post_key in (
        select built.post_key
        from built
        inner join renamed
            on built.post_key = renamed.post_key
        where built.observed_at > renamed.observed_at
    )
),

latest as (
select * from renamed
    where post_key not in (select post_key from built_newer)
    union all
    select * from built_newer
),

merged as (
    select
        latest.* replace (
            new.observation_count + coalesce(built.observation_count, 0) as observation_count,
            least(
                new.first_observed_at,
                coalesce(built.first_observed_at, new.first_observed_at)
            ) as first_observed_at,
            new.last_ingested_at as last_ingested_at
        )
    from latest
    inner join renamed as new
        on latest.post_key = new.post_key
    left join built
        on latest.post_key = built.post_key
)

select * from merged
{% else %}
select * from renamed
{% endif %}
