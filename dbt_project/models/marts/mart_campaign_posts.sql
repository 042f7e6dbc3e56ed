-- One row per post of a coordinated campaign (mart_coordinated_campaigns): which campaign,
-- which account and when.
-- A table, not the marts folder's incremental: a copy of int_campaign_posts_clustered (only
-- the posts of campaigns), rebuilt whole like it.
{{ config(materialized='table', tags=['network']) }}

with

campaign_posts as (
    select * from {{ ref('int_campaign_posts_clustered') }}
),

final as (
    select
        -- ids
        campaign_id,
        post_key,
        author_key,

        -- timestamps
        created_at
    from campaign_posts
)

select * from final
