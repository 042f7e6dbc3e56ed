-- One row per issue alert: a negative spike about one Polres, with its start, peak, end and
-- first official response. The steps are intermediate models (docs/marts.md):
--   int_polres_negative_hours    negative posts per Polres and hour, which hours are spikes
--   int_issue_spikes_clustered   spike hours less than PANTAU_ALERT_GAP_HOURS apart
--   int_issue_origins_found      clusters of one conversation merged into an issue, the post
--                                it started at, its size, topic, top posts and end
--   int_issue_responses_matched  the first official response and the minutes it took
with

issues as (
    select * from {{ ref('int_issue_origins_found') }}
),

responses as (
    select * from {{ ref('int_issue_responses_matched') }}
),

polres as (
    select * from {{ ref('polres') }}
),

alerts as (
    select
        -- ids
        issues.polres_id || ':' || strftime(issues.started_at, '%Y%m%dT%H%M%S') as alert_id,
        issues.polres_id,
        issues.origin_post_key,
        responses.first_response_post_key,

        -- strings
        polres.polres_name,
        polres.polda_name,
        issues.topic,
        issues.top_post_keys,
        issues.top_post_url,
        responses.first_response_url,

        -- numerics
        issues.negative_post_count,
        issues.peak_hour_count,
        issues.baseline_per_hour,
        responses.response_minutes,

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
        on issues.polres_id = responses.polres_id
        and issues.alert_number = responses.alert_number
    left join polres
        on issues.polres_id = polres.polres_id
)

select * from alerts
