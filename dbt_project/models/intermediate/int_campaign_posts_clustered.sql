-- One row per post of a coordinated campaign: near-identical texts posted by at least
-- PANTAU_CAMPAIGN_MIN_ACCOUNTS distinct accounts of one platform within
-- PANTAU_CAMPAIGN_WINDOW_MINUTES (docs/marts.md, coordinated campaigns).
--   edges       the pairs of near-identical posts (int_campaign_pairs, incremental)
--   components  the connected groups of pairs (a recursive walk; each post takes the smallest
--               post_key it reaches)
--   campaigns   the groups with PANTAU_CAMPAIGN_MIN_ACCOUNTS distinct accounts within one
--               window (counted from each post)
-- A table: a group can join posts of any time, so it is rebuilt whole from the pairs (few:
-- only near-identical posts pair up).
{{ config(materialized='table', tags=['network']) }}

{%- set window_minutes = pantau_setting('CAMPAIGN_WINDOW_MINUTES', 30) %}

with recursive

posts as (
    select * from {{ ref('fct_posts') }}
),

edges as (
    select * from {{ ref('int_campaign_pairs') }}
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
        posts.post_key,
        posts.platform,
        posts.author_key,
        posts.created_at
    from components
    inner join posts
        on components.post_key = posts.post_key
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
