-- One row per author (per platform): the totals mart_top_authors ranks.
-- Incremental: a run recomputes the authors of the posts fct_posts rebuilt
-- (posts_to_rebuild), from all of their posts; the other authors are unchanged.
-- depends_on: {{ ref('stg_social_posts') }} (read by posts_to_rebuild in incremental runs)
-- depends_on: {{ ref('stg_label_corrections') }}  (read by posts_to_rebuild() when incremental)
-- depends_on: {{ ref('int_posts_to_rebuild') }}  (read by posts_to_rebuild() when incremental)
{{ config(unique_key='author_key') }}

with

posts as (
    select * from {{ ref('fct_posts') }}
    {% if is_incremental() %}
    where author_key in (
        select author_key
        from {{ ref('fct_posts') }}
        where post_key in {{ posts_to_rebuild() }}
    )
    {% endif %}
),

authors as (
    select
        author_key,
        arg_max(author_label, { 'created_at': created_at, 'post_key': post_key }) as author_label,
        min(platform) as platform,
        bool_or(is_official_author) as is_official_author,
        count(*) as post_count,
        sum(engagement) as engagement,
        max(author_followers) as followers,
        count(distinct polres_id) as polres_count,
        count(*) filter (where sentiment_label = 'negative') / count(*) as negative_share,
        min(created_at) as first_post_at,
        max(created_at) as last_post_at,
        max(last_ingested_at) as last_ingested_at
    from posts
    group by author_key
)

select * from authors
