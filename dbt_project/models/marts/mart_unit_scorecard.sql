-- One row per police unit (Polri, Polda, Polres: unit_level) × ISO week (weeks
-- start on Monday) with any public post about it: how much was said, how positive it
-- was, how much of it was organic (not in a coordinated campaign), how many issues it had
-- and how fast its own accounts responded.
-- reputation_score = net sentiment (in [-1, 1]) minus 0.1 per issue alert plus 0.2 ×
-- the share of alerts responded to within PANTAU_RESPONSE_TARGET_MINUTES;
-- reputation_rank ranks the units of one level within the week (1 = best).
with

posts as (
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

public_posts_per_unit as (
    {{ per_unit('posts', where="not posts.is_official_author") }}
),

weekly_posts as (
    select
        public_posts_per_unit.about_unit_id as unit_id,
        cast(date_trunc('week', public_posts_per_unit.created_at) as date) as week_start_date,
        count(*) as post_count,
        sum(public_posts_per_unit.engagement) as engagement,
        (
            count(*) filter (where public_posts_per_unit.sentiment_label = 'positive')
            - count(*) filter (where public_posts_per_unit.sentiment_label = 'negative')
        ) / count(*) as net_sentiment,
        1.0 - count(campaign_posts.post_key) / count(*) as organic_share
    from public_posts_per_unit
    left join campaign_posts
        on public_posts_per_unit.post_key = campaign_posts.post_key
    group by
        public_posts_per_unit.about_unit_id,
        cast(date_trunc('week', public_posts_per_unit.created_at) as date)
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
