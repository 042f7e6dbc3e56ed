-- One row per issue alert: a negative spike about one police unit (a Polres, a Polda, or
-- Polri for a national wave; unit_level says which), with its start, peak, end, the Polda
-- and Polres its posts name most, and the first response of the unit's own official
-- accounts. The steps are intermediate models (docs/marts.md):
--   int_unit_negative_hours      negative posts per unit and hour, which hours are spikes
--   int_issue_spikes_clustered   spike hours less than PANTAU_ALERT_GAP_HOURS apart
--   int_issue_origins_found      clusters of one conversation merged into an issue, the post
--                                it started at, its size, topic, top posts and end
--   int_issue_responses_matched  the first official response and the minutes it took
--   int_issue_campaign_shares    the share of its posts not in a coordinated campaign
-- polres_id, polres_name and polda_name keep their meaning for a Polres alert; polres_id
-- is null for the other levels.
-- A table, not the marts folder's incremental: a few hundred rows rebuilt whole from the
-- issue models above, which read only the posts of the issues' hours (int_issue_origins_found).
{{ config(materialized='table') }}

with

issues as (
    select * from {{ ref('int_issue_origins_found') }}
),

responses as (
    select * from {{ ref('int_issue_responses_matched') }}
),

campaign_shares as (
    select * from {{ ref('int_issue_campaign_shares') }}
),

units as (
    select * from {{ ref('dim_police_units') }}
),

alerts as (
    select
        -- ids
        issues.unit_id || ':' || strftime(issues.started_at, '%Y%m%dT%H%M%S') as alert_id,
        issues.unit_id,
        case when units.unit_level = 'polres' then issues.unit_id end as polres_id,
        units.polda_id,
        issues.top_polda_id,
        issues.top_polres_id,
        issues.origin_post_key,
        responses.first_response_post_key,

        -- strings
        units.unit_level,
        units.unit_name,
        case when units.unit_level = 'polres' then units.unit_name end as polres_name,
        units.polda_name,
        top_polda.unit_name as top_polda_name,
        top_polres.unit_name as top_polres_name,
        issues.topic,
        issues.top_post_keys,
        issues.top_post_url,
        responses.first_response_url,

        -- numerics
        issues.negative_post_count,
        issues.peak_hour_count,
        issues.baseline_per_hour,
        issues.top_polda_post_count,
        issues.top_polres_post_count,
        issues.news_site_count,
        issues.news_item_count,
        responses.response_minutes,
        coalesce(campaign_shares.organic_share, 1.0) as organic_share,

        -- booleans
        responses.first_response_at is not null as is_responded,
        issues.ended_at is null as is_open,

        -- timestamps
        issues.started_at,
        issues.peak_at,
        issues.ended_at,
        responses.first_response_at

    from issues
    left join responses
        on issues.unit_id = responses.unit_id
        and issues.alert_number = responses.alert_number
    left join campaign_shares
        on issues.unit_id = campaign_shares.unit_id
        and issues.alert_number = campaign_shares.alert_number
    left join units
        on issues.unit_id = units.unit_id
    left join units as top_polda
        on issues.top_polda_id = top_polda.unit_id
    left join units as top_polres
        on issues.top_polres_id = top_polres.unit_id
)

select * from alerts
