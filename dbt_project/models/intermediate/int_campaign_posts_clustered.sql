-- One row per post of a coordinated campaign: near-identical texts posted by at least
-- PANTAU_CAMPAIGN_MIN_ACCOUNTS distinct accounts of one platform within
-- PANTAU_CAMPAIGN_WINDOW_MINUTES (docs/marts.md, coordinated campaigns).
--   candidates  original posts, replies, comments and quotes of non-official accounts with
--               at least PANTAU_CAMPAIGN_MIN_WORDS words (reposts carry another's text; news
--               portals repeat headlines by trade)
--   pairs       two posts of one platform by two accounts, at most the window apart, sharing
--               a MinHash band, whose word sets have Jaccard similarity of at least
--               PANTAU_CAMPAIGN_SIMILARITY
--   components  the connected groups of pairs (a recursive walk; each post takes the smallest
--               post_key it reaches)
--   campaigns   the groups with PANTAU_CAMPAIGN_MIN_ACCOUNTS distinct accounts within one
--               window (counted from each post)
-- A table: a group can join posts of any time, so it is rebuilt whole.
{{ config(materialized='table', tags=['network']) }}

{%- set window_minutes = pantau_setting('CAMPAIGN_WINDOW_MINUTES', 30) %}

with recursive

posts as (
    select * from {{ ref('fct_posts') }}
),

texts as (
    select * from {{ ref('int_campaign_texts') }}
),

candidates as (
    select
        posts.post_key,
        posts.platform,
        posts.author_key,
        posts.created_at,
        texts.words,
        texts.bands
    from posts
    inner join texts
        on posts.post_key = texts.post_key
    where
        posts.platform != 'news'
        and posts.post_type != 'repost'
        and not posts.is_official_author
        and texts.word_count >= {{ pantau_setting('CAMPAIGN_MIN_WORDS', 6) }}
),

banded as (
    select
        post_key,
        platform,
        author_key,
        created_at,
        unnest(bands) as band
    from candidates
),

band_matches as (
    select distinct
        earlier.post_key,
        later.post_key as other_post_key
    from banded as earlier
    inner join banded as later
        on earlier.band = later.band
        and earlier.platform = later.platform
        and earlier.post_key < later.post_key
        and earlier.author_key != later.author_key
        and abs(date_diff('second', earlier.created_at, later.created_at))
        <= {{ window_minutes }} * 60
),

pairs as (
    select
        band_matches.post_key,
        band_matches.other_post_key
    from band_matches
    inner join candidates as left_texts
        on band_matches.post_key = left_texts.post_key
    inner join candidates as right_texts
        on band_matches.other_post_key = right_texts.post_key
    where
        len(list_intersect(left_texts.words, right_texts.words))
        / len(list_distinct(list_concat(left_texts.words, right_texts.words)))
        >= {{ pantau_setting('CAMPAIGN_SIMILARITY', 0.75) }}
),

edges as (
    select
        post_key,
        other_post_key
    from pairs
    union all
    select
        other_post_key as post_key,
        post_key as other_post_key
    from pairs
),

reached (post_key, component_key) as (
    select distinct
        post_key,
        post_key as component_key
    from edges
    union
    select
        edges.other_post_key as post_key,
        reached.component_key
    from reached
    inner join edges
        on reached.post_key = edges.post_key
),

components as (
    select
        post_key,
        min(component_key) as component_key
    from reached
    group by post_key
),

members as (
    select
        components.component_key,
        candidates.post_key,
        candidates.platform,
        candidates.author_key,
        candidates.created_at
    from components
    inner join candidates
        on components.post_key = candidates.post_key
),

windows_counted as (
    select
        window_starts.component_key,
        window_starts.post_key,
        count(distinct window_posts.author_key) as account_count
    from members as window_starts
    inner join members as window_posts
        on window_starts.component_key = window_posts.component_key
        and window_starts.created_at <= window_posts.created_at
        and window_starts.created_at + to_minutes(cast({{ window_minutes }} as bigint))
        >= window_posts.created_at
    group by window_starts.component_key, window_starts.post_key
),

campaign_components as (
    select
        component_key,
        max(account_count) as window_account_count
    from windows_counted
    group by component_key
    having max(account_count) >= {{ pantau_setting('CAMPAIGN_MIN_ACCOUNTS', 5) }}
),

clustered as (
    select
        -- ids
        'cmp-' || left(md5(members.component_key), 16) as campaign_id,
        members.post_key,
        members.author_key,

        -- strings
        members.platform,

        -- numerics
        campaign_components.window_account_count,

        -- timestamps
        members.created_at
    from members
    inner join campaign_components
        on members.component_key = campaign_components.component_key
)

select * from clustered
