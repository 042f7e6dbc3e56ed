-- One row per hashtag (lower case, without #) × day: how many posts carried it,
-- their engagement and net sentiment, and the Polres it was used for most.
-- Incremental (macros/aggregates_to_rebuild.sql): a run rebuilds the days on which a post it
-- changed was published, every unit of those days (the national unit counts every post of a
-- day, so a key finer than the day would read the same posts).
-- depends_on: {{ ref('stg_social_posts') }}
-- depends_on: {{ ref('stg_label_corrections') }}
-- depends_on: {{ ref('int_posts_to_rebuild') }}
{{ config(
    unique_key=['activity_date'],
    pre_hook="{{ periods_to_rebuild_deleted('activity_date', 'day') }}",
    post_hook="{{ aggregate_watermark_recorded() }}",
) }}

with

posts as (
    {{ rows_to_rebuild(ref('fct_posts'), 'created_date', 'day') }}
),

post_hashtags as (
    select distinct
        posts.post_key,
        lower(hashtag) as hashtag,
        posts.created_date,
        posts.engagement,
        posts.sentiment_label,
        posts.polres_id
    from posts, unnest(posts.hashtags) as tagged (hashtag)
),

daily_counts as (
    select
        post_hashtags.hashtag,
        post_hashtags.created_date as activity_date,
        count(*) as post_count,
        sum(engagement) as engagement,
        (
            count(*) filter (where post_hashtags.sentiment_label = 'positive')
            - count(*) filter (where post_hashtags.sentiment_label = 'negative')
        ) / count(*) as net_sentiment,
        {{ most_frequent('polres_id') }} as top_polres_id
    from post_hashtags
    group by post_hashtags.hashtag, post_hashtags.created_date
)

select * from daily_counts
