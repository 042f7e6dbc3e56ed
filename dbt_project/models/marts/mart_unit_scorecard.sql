-- One row per police unit (Polri, Polda, Polres: unit_level) × ISO week (weeks
-- start on Monday) with any public post about it: how much was said, how positive it
-- was, how much of it was organic (not in a coordinated campaign), how many issues it had
-- and how fast its own accounts responded.
-- reputation_score = net sentiment (in [-1, 1]) minus 0.1 per issue alert plus 0.2 ×
-- the share of alerts responded to within PANTAU_RESPONSE_TARGET_MINUTES;
-- reputation_rank ranks the units of one level within the week (1 = best).
-- A table, not the marts folder's incremental: units × weeks (thousands of rows, ranked within
-- each week), rebuilt whole from mart_unit_sentiment_daily (the public posts per unit, topic
-- and day, itself incremental), the alerts and the posts of coordinated campaigns, never from
-- all of fct_posts.
{{ config(materialized='table') }}

with

unit_days as (
    select * from {{ ref('mart_unit_sentiment_daily') }}
),

-- not materialized: only the campaigns' posts are looked up, by key
posts as not materialized (
    select * from {{ ref('fct_posts') }}
),

alerts as (
    select * from {{ ref('mart_issue_alerts') }}
),

units as (
    select * from {{ ref('dim_police_units') }}
),

campaign_posts as (
    select * from {{ ref('int_campaign_posts_clustered') }}
),

public_campaign_posts as (
    select
        posts.post_key,
        posts.unit_ids,
        posts.created_at
    from posts
    semi join campaign_posts
        on posts.post_key = campaign_posts.post_key
    where not posts.is_official_author
),

campaign_posts_per_unit as (
    {{ per_unit('public_campaign_posts') }}
),

weekly_campaign_posts as (
    select
        about_unit_id as unit_id,
        cast(date_trunc('week', created_at) as date) as week_start_date,
        count(*) as campaign_post_count
    from campaign_posts_per_unit
    group by about_unit_id, cast(date_trunc('week', created_at) as date)
),

-- the public posts per unit and week: the sums of the unit's days (every topic)
weekly_counts as (
    select
        unit_id,
        cast(date_trunc('week', activity_date) as date) as week_start_date,
        cast(sum(post_count) as bigint) as post_count,
        cast(sum(positive_count) as bigint) as positive_count,
        cast(sum(negative_count) as bigint) as negative_count,
        sum(engagement) as engagement
    from unit_days
    group by unit_id, cast(date_trunc('week', activity_date) as date)
),

weekly_posts as (
    select
        weekly_counts.unit_id,
        weekly_counts.week_start_date,
        weekly_counts.post_count,
        weekly_counts.engagement,
        (weekly_counts.positive_count - weekly_counts.negative_count)
        / weekly_counts.post_count as net_sentiment,
        1.0 - coalesce(weekly_campaign_posts.campaign_post_count, 0)
        / weekly_counts.post_count as organic_share
    from weekly_counts
    left join weekly_campaign_posts
        on weekly_counts.unit_id = weekly_campaign_posts.unit_id
        and weekly_counts.week_start_date = weekly_campaign_posts.week_start_date
),

weekly_alerts as (
    select
        unit_id,
        cast(date_trunc('week', started_at) as date) as week_start_date,
        count(*) as alert_count,
        count(*) filter (where is_responded) as responded_alert_count,
        count(*) filter (
            where response_minutes <= {{ pantau_setting('RESPONSE_TARGET_MINUTES', 240) }}
        ) as timely_alert_count,
        median(response_minutes) as median_response_minutes
    from alerts
    group by unit_id, cast(date_trunc('week', started_at) as date)
),

weeks_scored as (
    select
        weekly_posts.*,
        coalesce(weekly_alerts.alert_count, 0) as alert_count,
        weekly_alerts.median_response_minutes,
        weekly_alerts.responded_alert_count / weekly_alerts.alert_count as response_rate,
        (
            weekly_posts.net_sentiment
            - 0.1 * coalesce(weekly_alerts.alert_count, 0)
            + 0.2 * coalesce(weekly_alerts.timely_alert_count / weekly_alerts.alert_count, 0)
        ) as reputation_score
    from weekly_posts
    left join weekly_alerts
        on weekly_posts.unit_id = weekly_alerts.unit_id
        and weekly_posts.week_start_date = weekly_alerts.week_start_date
),

scorecard as (
    select
        -- ids
        weeks_scored.unit_id,
        units.polda_id,

        -- strings
        units.unit_level,
        units.unit_name,
        units.polda_name,

        -- numerics
        units.latitude,
        units.longitude,
        weeks_scored.post_count,
        weeks_scored.engagement,
        weeks_scored.net_sentiment,
        weeks_scored.organic_share,
        weeks_scored.alert_count,
        weeks_scored.median_response_minutes,
        weeks_scored.response_rate,
        weeks_scored.reputation_score,
        rank() over (
            partition by weeks_scored.week_start_date, units.unit_level
            order by weeks_scored.reputation_score desc
        ) as reputation_rank,

        -- dates
        weeks_scored.week_start_date

    from weeks_scored
    inner join units
        on weeks_scored.unit_id = units.unit_id
)

select * from scorecard
