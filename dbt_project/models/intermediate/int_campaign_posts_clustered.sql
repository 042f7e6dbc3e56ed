-- One row per post of a coordinated campaign: near-identical texts posted by at least
-- PANTAU_CAMPAIGN_MIN_ACCOUNTS distinct accounts of one platform within
-- PANTAU_CAMPAIGN_WINDOW_MINUTES (docs/marts.md, coordinated campaigns).
--   edges       the pairs of near-identical posts (int_campaign_pairs, incremental)
--   components  the connected groups of pairs: each post takes the smallest post_key it
--               reaches, by label propagation (below)
--   campaigns   the groups with PANTAU_CAMPAIGN_MIN_ACCOUNTS distinct accounts within one
--               window (counted from each post, over the group's posts in time order)
-- The work follows the pairs, never the square of a group's posts: a wave of thousands of
-- identical posts is one group of thousands, counted in one pass. (A recursive walk that
-- listed every post each post reaches, and a self-join of each group for the windows, made
-- k * k rows for a group of k posts: the 3.5M pairs of 100,000 synthetic posts ran for
-- minutes at 8 GB and were stopped; now 81,264 posts in 510 groups take 5.6 s.)
-- A table: a group can join posts of any time, so it is rebuilt whole from the pairs (few:
-- only near-identical posts pair up).
{{ config(materialized='table', tags=['network']) }}

{%- set window_minutes = pantau_setting('CAMPAIGN_WINDOW_MINUTES', 30) %}

-- SQLFluff 4.4 does not parse DuckDB's `using key` (below): the query is checked by its
-- tests, not by the linter
with recursive  -- noqa: PRS

posts as (
    select * from {{ ref('fct_posts') }}
),

edges as (
    select * from {{ ref('int_campaign_pairs') }}
),

-- each paired post numbered (the pairs are held both ways): the propagation below joins
-- numbers, not strings (at 3.5M pairs: 5.7 s instead of 19.5 s)
post_numbers as (
    select
        post_key,
        row_number() over () as post_number
    from (select distinct edges.post_key from edges) as paired_posts
),

numbered_edges as (
    select
        posts_from.post_number,
        posts_to.post_number as other_post_number
    from edges
    inner join post_numbers as posts_from
        on edges.post_key = posts_from.post_key
    inner join post_numbers as posts_to
        on edges.other_post_key = posts_to.post_key
),

-- Label propagation keyed by post (DuckDB's USING KEY keeps one row per post and replaces it):
-- every post starts with the smallest number among itself and its neighbours; each round,
-- the posts whose label fell hand it to their neighbours, which keep it when it is smaller.
-- It ends when no label falls: the rounds are the longest chain of pairs, each reading the
-- pairs of the posts relabelled.
component_numbers (post_number, component_number) using key (post_number) as (
    select
        post_number,
        least(post_number, min(other_post_number)) as component_number
    from numbered_edges
    group by post_number
    union
    select
        numbered_edges.post_number,
        min(relabelled.component_number) as component_number
    from component_numbers as relabelled
    inner join numbered_edges
        on relabelled.post_number = numbered_edges.other_post_number
    inner join recurring.component_numbers as labels
        on numbered_edges.post_number = labels.post_number
    group by numbered_edges.post_number, labels.component_number
    having min(relabelled.component_number) < labels.component_number
),

-- a group is named by the smallest post_key among its posts
components as (
    select
        post_numbers.post_key,
        min(post_numbers.post_key) over (
            partition by component_numbers.component_number
        ) as component_key
    from component_numbers
    inner join post_numbers
        on component_numbers.post_number = post_numbers.post_number
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

-- from each post, the distinct accounts of its group in the window that starts with it
windows_counted as (
    select
        component_key,
        post_key,
        count(distinct author_key) over (
            partition by component_key
            order by created_at
            range between current row and interval ({{ window_minutes }}) minute following
        ) as account_count
    from members
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
