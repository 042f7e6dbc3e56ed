-- One row per author (per platform): who drives the conversation. Authors who
-- are not official accounts appear only by their pseudonym. author_rank orders
-- by engagement (1 = most).
with

posts as (
    select * from {{ ref('fct_posts') }}
),

authors as (
    select
        author_key,
        list(author_label order by created_at desc, post_key)[1] as author_label,
        min(platform) as platform,
        bool_or(is_official_author) as is_official_author,
        count(*) as post_count,
        sum(engagement) as engagement,
        max(author_followers) as followers,
        count(distinct polres_id) as polres_count,
        count(*) filter (where sentiment_label = 'negative') / count(*) as negative_share,
        min(created_at) as first_post_at,
        max(created_at) as last_post_at
    from posts
    group by author_key
),

authors_ranked as (
    select
        *,
        row_number() over (order by engagement desc, author_key) as author_rank
    from authors
)

select * from authors_ranked
