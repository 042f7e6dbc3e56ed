-- One row per Polres × platform × day (of publication, UTC).
with

posts as (
    select * from {{ ref('stg_social_posts') }}
),

aliases as (
    select * from {{ ref('polres_aliases') }}
),

-- Handles and hashtags name a precinct without ambiguity; free-text aliases need the text
-- resolver of the text-functions work and are not used here yet.
post_tags as (
    select post_key, lower(mention) as tag, 'handle' as tag_kind
    from posts, unnest(mentions) as mentioned(mention)
    union all
    select post_key, lower(hashtag) as tag, 'hashtag' as tag_kind
    from posts, unnest(hashtags) as tagged(hashtag)
),

alias_tags as (
    select
        polres_id,
        alias_kind as tag_kind,
        lower(ltrim(ltrim(alias, '@'), '#')) as tag
    from aliases
    where alias_kind in ('handle', 'hashtag')
),

posts_resolved_to_polres as (
    select distinct
        post_tags.post_key,
        alias_tags.polres_id
    from post_tags
    inner join alias_tags
        on post_tags.tag = alias_tags.tag
        and post_tags.tag_kind = alias_tags.tag_kind
),

posts_joined_to_polres as (
    select
        posts_resolved_to_polres.polres_id,
        posts.*
    from posts
    inner join posts_resolved_to_polres
        on posts.post_key = posts_resolved_to_polres.post_key
),

daily_counts as (
    select
        polres_id,
        platform,
        cast(created_at as date) as activity_date,
        count(*) as post_count,
        count(distinct author_id) as author_count,
        count(*) filter (where is_official_author) as official_post_count,
        sum(likes) as likes,
        sum(replies) as replies,
        sum(shares) as shares,
        sum(quotes) as quotes,
        sum(engagement) as engagement,
        sum(views) as views,
        sum(coalesce(author_followers, 0)) as potential_reach
    from posts_joined_to_polres
    group by polres_id, platform, cast(created_at as date)
)

select * from daily_counts
