-- One row per post: the latest observation of each (platform, post_id).
with

source as (
    select * from {{ source('raw', 'social_posts') }}
),

latest_observation as (
    select *
    from source
    qualify row_number() over (
        partition by platform, post_id
        order by observed_at desc, kafka_partition, kafka_offset desc
    ) = 1
),

renamed as (
    select
        -- ids
        platform || ':' || post_id as post_key,
        event_id,
        post_id,
        parent_post_id,
        root_post_id,
        author_id,

        -- strings
        platform,
        post_type,
        author_handle,
        text as post_text,
        lang,
        url,
        hashtags,
        mentions,

        -- metrics
        author_followers,
        coalesce(likes, 0) as likes,
        coalesce(replies, 0) as replies,
        coalesce(shares, 0) as shares,
        coalesce(quotes, 0) as quotes,
        views,
        coalesce(likes, 0) + coalesce(replies, 0) + coalesce(shares, 0)
            + coalesce(quotes, 0) as engagement,

        -- booleans
        author_is_official as is_official_author,
        author_verified as is_verified_author,

        -- timestamps
        created_at,
        observed_at

    from latest_observation
)

select * from renamed
