-- One row per post that others replied to, quoted or reposted: the size of the
-- conversation under it (every post whose root is this post).
-- Incremental: a run recounts the conversations that new posts joined.
{{ config(unique_key='post_key') }}

with

posts as (
    select * from {{ ref('stg_social_posts') }}
    {% if is_incremental() %}
    where root_post_key in (
        select root_post_key
        from {{ ref('stg_social_posts') }}
        where last_ingested_at > {{ watermark() }}
    )
    {% endif %}
),

conversations as (
    select
        root_post_key as post_key,
        count(*) as conversation_post_count,
        count(*) filter (where post_type in ('reply', 'comment')) as reply_count,
        count(*) filter (where post_type = 'quote') as quote_count,
        count(*) filter (where post_type = 'repost') as repost_count,
        count(distinct author_id) as conversation_author_count,
        max(last_ingested_at) as last_ingested_at
    from posts
    where root_post_key is not null
    group by root_post_key
)

select * from conversations
