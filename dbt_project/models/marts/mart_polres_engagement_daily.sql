-- One row per Polres × platform × day (of publication, UTC). A post about two
-- Polres counts for both.
with

posts as (
    select * from {{ ref('fct_posts') }}
),

posts_per_polres as (
    select
        posts.*,
        unnest(posts.polres_ids) as about_polres_id
    from posts
),

daily_counts as (
    select
        about_polres_id as polres_id,
        platform,
        created_date as activity_date,
        count(*) as post_count,
        count(distinct author_key) as author_count,
        count(*) filter (where is_official_author) as official_post_count,
        sum(likes) as likes,
        sum(replies) as replies,
        sum(shares) as shares,
        sum(quotes) as quotes,
        sum(views) as views,
        sum(engagement) as engagement,
        sum(coalesce(author_followers, 0)) as potential_reach
    from posts_per_polres
    group by about_polres_id, platform, created_date
)

select * from daily_counts
