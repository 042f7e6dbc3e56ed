-- One row per Polres × topic × day: how many posts were positive, neutral and
-- negative, their shares and the net sentiment (positive share minus negative
-- share, in [-1, 1]). Posts by the Polres' own accounts are left out: the
-- question is how the public reacts.
with

posts as (
    select * from {{ ref('fct_posts') }}
),

public_posts_per_polres as (
    select
        posts.*,
        unnest(posts.polres_ids) as about_polres_id
    from posts
    where not posts.is_official_author
),

daily_counts as (
    select
        about_polres_id as polres_id,
        topic,
        created_date as activity_date,
        count(*) as post_count,
        count(*) filter (where sentiment_label = 'positive') as positive_count,
        count(*) filter (where sentiment_label = 'neutral') as neutral_count,
        count(*) filter (where sentiment_label = 'negative') as negative_count,
        sum(engagement) as engagement
    from public_posts_per_polres
    group by about_polres_id, topic, created_date
),

daily_shares as (
    select
        *,
        positive_count / post_count as positive_share,
        neutral_count / post_count as neutral_share,
        negative_count / post_count as negative_share,
        (positive_count - negative_count) / post_count as net_sentiment
    from daily_counts
)

select * from daily_shares
