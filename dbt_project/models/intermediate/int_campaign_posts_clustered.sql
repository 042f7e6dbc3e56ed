-- One row per post of a coordinated campaign: near-identical texts posted by at least
-- PANTAU_CAMPAIGN_MIN_ACCOUNTS distinct accounts of one platform within
-- PANTAU_CAMPAIGN_WINDOW_MINUTES (docs/marts.md, coordinated campaigns).
--   edges       the pairs of near-identical posts (int_campaign_pairs, incremental)
--   components  the connected groups of pairs: each post takes the smallest post_key it
--               reaches, by label propagation (int_campaign_components, incremental by group)
--   campaigns   the groups with PANTAU_CAMPAIGN_MIN_ACCOUNTS distinct accounts within one
--               window (counted from each post, over the group's posts in time order)
-- A table: the windows of every group are counted again from the groups' narrow rows (512,125
-- paired posts at 20M posts); the labelling, which read the pairs and fct_posts, follows the
-- delta in int_campaign_components.
{{ config(materialized='table', tags=['network']) }}

{%- set window_minutes = pantau_setting('CAMPAIGN_WINDOW_MINUTES', 30) %}

with

members as (
    select * from {{ ref('int_campaign_components') }}
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
