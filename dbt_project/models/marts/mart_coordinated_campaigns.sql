-- One row per coordinated campaign (int_campaign_posts_clustered): near-identical texts
-- posted by at least PANTAU_CAMPAIGN_MIN_ACCOUNTS accounts of one platform within
-- PANTAU_CAMPAIGN_WINDOW_MINUTES. Its Polres (the one its posts name most), direction
-- (praise / attack from its posts' sentiment), accounts, posts, time span, the issue it falls
-- in and its share of that issue's posts, and a coordination score from its accounts'
-- signals (docs/marts.md, coordinated campaigns).
-- A table, not the marts folder's incremental: one row per campaign, rebuilt whole from the
-- campaigns' posts (int_campaign_posts_clustered, a table: a campaign can gain posts of any
-- time), which it looks up in fct_posts by key.
{{ config(materialized='table', tags=['network']) }}

with

campaign_posts as (
    select * from {{ ref('int_campaign_posts_clustered') }}
),

posts as (
    select * from {{ ref('fct_posts') }}
),

alerts as (
    select * from {{ ref('mart_issue_alerts') }}
),

issue_shares as (
    select * from {{ ref('int_issue_campaign_shares') }}
),

units as (
    select * from {{ ref('dim_police_units') }}
),

campaign_posts_read as (
    select
        campaign_posts.campaign_id,
        campaign_posts.post_key,
        campaign_posts.author_key,
        campaign_posts.window_account_count,
        campaign_posts.created_at,
        posts.polres_id,
        posts.unit_ids,
        posts.sentiment_label,
        posts.author_followers,
        posts.author_created_at,
        posts.post_text
    from campaign_posts
    inner join posts
        on campaign_posts.post_key = posts.post_key
),

campaigns_counted as (
    select
        campaign_posts_read.campaign_id,
        {{ most_frequent('campaign_posts_read.polres_id') }} as polres_id,
        arg_min(
            campaign_posts_read.post_text,
            campaign_posts_read.created_at || campaign_posts_read.post_key
        ) as sample_text,
        count(*) as post_count,
        count(distinct campaign_posts_read.author_key) as account_count,
        max(campaign_posts_read.window_account_count) as window_account_count,
        count(*) filter (where campaign_posts_read.sentiment_label = 'positive')
            as positive_count,
        count(*) filter (where campaign_posts_read.sentiment_label = 'negative')
            as negative_count,
        min(campaign_posts_read.created_at) as first_at,
        max(campaign_posts_read.created_at) as last_at
    from campaign_posts_read
    group by campaign_posts_read.campaign_id
),

-- the medians of the accounts' follower counts (each account once, its largest count) and
-- ages in days at its first post in the campaign (where the platform gives the account's
-- creation date)
accounts as (
    select
        campaign_id,
        author_key,
        max(author_followers) as author_followers,
        date_diff('second', max(author_created_at), min(created_at)) / 86400.0
            as account_age_days
    from campaign_posts_read
    group by campaign_id, author_key
),

accounts_summarised as (
    select
        campaign_id,
        median(author_followers) as median_author_followers,
        median(account_age_days) as median_account_age_days
    from accounts
    group by campaign_id
),

-- the issue of the campaign's Polres that runs while the campaign does (the earliest)
campaign_issues as (
    select
        campaigns_counted.campaign_id,
        arg_min(alerts.alert_id, alerts.started_at) as alert_id
    from campaigns_counted
    inner join alerts
        on campaigns_counted.polres_id = alerts.polres_id
        and campaigns_counted.last_at >= alerts.started_at
        and (alerts.ended_at is null or campaigns_counted.first_at <= alerts.ended_at)
    group by campaigns_counted.campaign_id
),

-- the campaign's posts among the issue's: naming its unit from its start to its end
issue_posts_counted as (
    select
        campaign_issues.campaign_id,
        count(*) as issue_post_count
    from campaign_issues
    inner join issue_shares
        on campaign_issues.alert_id = issue_shares.alert_id
    inner join campaign_posts_read
        on campaign_issues.campaign_id = campaign_posts_read.campaign_id
        and list_contains(campaign_posts_read.unit_ids, issue_shares.unit_id)
        and issue_shares.started_at <= campaign_posts_read.created_at
        and (
            issue_shares.ended_at is null
            or issue_shares.ended_at > campaign_posts_read.created_at
        )
    group by campaign_issues.campaign_id
),

campaigns_scored as (
    select
        campaigns_counted.*,
        accounts_summarised.median_author_followers,
        accounts_summarised.median_account_age_days,
        campaign_issues.alert_id,
        case
            when issue_shares.post_count > 0
                then
                    coalesce(issue_posts_counted.issue_post_count, 0)
                    / issue_shares.post_count
        end as share_of_issue,
        date_diff('second', campaigns_counted.first_at, campaigns_counted.last_at)
        / 60.0 as span_minutes,
        -- few followers: 1 with none, 0 from 10,000
        1 - least(1, log10(1 + coalesce(accounts_summarised.median_author_followers, 0)) / 4)
            as follower_signal,
        -- young accounts: 1 when created that day, 0 from a year old; null when unknown
        1 - least(1, greatest(0, accounts_summarised.median_account_age_days) / 365)
            as age_signal,
        -- a burst: the share of its accounts that posted within one window
        campaigns_counted.window_account_count / campaigns_counted.account_count
            as burst_signal,
        -- repeated posting: the share of its accounts that posted the text more than once
        1.0 - campaigns_counted.account_count / campaigns_counted.post_count
            as repeat_signal
    from campaigns_counted
    left join accounts_summarised
        on campaigns_counted.campaign_id = accounts_summarised.campaign_id
    left join campaign_issues
        on campaigns_counted.campaign_id = campaign_issues.campaign_id
    left join issue_shares
        on campaign_issues.alert_id = issue_shares.alert_id
    left join issue_posts_counted
        on campaigns_counted.campaign_id = issue_posts_counted.campaign_id
),

final as (
    select
        -- ids
        campaigns_scored.campaign_id,
        campaigns_scored.polres_id,
        units.polda_id,
        campaigns_scored.alert_id,

        -- strings
        case
            when
                campaigns_scored.positive_count > campaigns_scored.negative_count
                and campaigns_scored.positive_count * 2 >= campaigns_scored.post_count
                then 'praise'
            when
                campaigns_scored.negative_count > campaigns_scored.positive_count
                and campaigns_scored.negative_count * 2 >= campaigns_scored.post_count
                then 'attack'
            else 'neutral'
        end as direction,
        campaigns_scored.sample_text,

        -- numerics
        campaigns_scored.account_count,
        campaigns_scored.post_count,
        campaigns_scored.span_minutes,
        campaigns_scored.share_of_issue,
        campaigns_scored.median_author_followers,
        campaigns_scored.median_account_age_days,
        round(
            (
                campaigns_scored.follower_signal
                + campaigns_scored.burst_signal
                + least(1, 2 * campaigns_scored.repeat_signal)
                + coalesce(campaigns_scored.age_signal, 0)
            ) / (3 + (campaigns_scored.age_signal is not null)::int),
            4
        ) as coordination_score,

        -- timestamps
        campaigns_scored.first_at,
        campaigns_scored.last_at
    from campaigns_scored
    left join units
        on campaigns_scored.polres_id = units.unit_id
)

select * from final
