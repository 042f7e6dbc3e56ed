-- One row per network scope (docs/marts.md, "Amplification network"): the posts whose
-- replies, quotes, reposts and mentions make one network.
--   issue       an issue alert (scope_id alert_id): the posts naming its unit (unit_ids) from
--               started_at to ended_at (to the latest data while the issue is open)
--   viral_post  a viral post (scope_id post_key): the post and its conversation, the posts
--               with it as root or parent
--   polres_day  a Polres on a day (scope_id polres_id || '/' || created_date): every post
--               naming that Polres (polres_ids) that day
-- scope_started_at and scope_ended_at bound the scope's posts' created_at (ended_at excluded,
-- null while open); a viral post's scope has no time bounds.
-- A table, not the intermediate folder's incremental: one row per alert, viral post and
-- Polres-day, rebuilt whole from the marts (an issue's window moves as its alert grows);
-- int_network_interactions compares it with the scopes it holds.
{{ config(materialized='table', tags=['network']) }}

with

alerts as (
    select * from {{ ref('mart_issue_alerts') }}
),

viral_posts as (
    select * from {{ ref('mart_viral_posts') }}
),

posts as not materialized (
    select * from {{ ref('fct_posts') }}
),

issue_scopes as (
    select
        'issue' as scope_type,
        alert_id as scope_id,
        unit_id,
        cast(null as varchar) as scope_post_key,
        started_at as scope_started_at,
        ended_at as scope_ended_at
    from alerts
),

viral_post_scopes as (
    select
        'viral_post' as scope_type,
        post_key as scope_id,
        cast(null as varchar) as unit_id,
        post_key as scope_post_key,
        cast(null as timestamp) as scope_started_at,
        cast(null as timestamp) as scope_ended_at
    from viral_posts
),

polres_days as (
    select distinct
        unnest(polres_ids) as polres_id,
        created_date
    from posts
    where len(polres_ids) > 0
),

polres_day_scopes as (
    select
        'polres_day' as scope_type,
        polres_id || '/' || strftime(created_date, '%Y-%m-%d') as scope_id,
        polres_id as unit_id,
        cast(null as varchar) as scope_post_key,
        cast(created_date as timestamp) as scope_started_at,
        cast(created_date as timestamp) + interval 1 day as scope_ended_at
    from polres_days
),

scopes as (
    select * from issue_scopes
    union all
    select * from viral_post_scopes
    union all
    select * from polres_day_scopes
)

select * from scopes
