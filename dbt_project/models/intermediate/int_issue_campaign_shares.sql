-- One row per issue (int_issue_origins_found): its public posts (naming its unit from its
-- start to its end, to the latest data while it is open), how many of them belong to a
-- coordinated campaign (int_campaign_posts_clustered), and the organic share, the rest.
-- Incremental, keyed by issue (macros/issues_to_rebuild.sql): a run rebuilds the issues that
-- are new, renumbered, moved (a new end), open, whose window holds a post fct_posts rebuilt or
-- whose window's campaign posts changed, from the posts of their hours only (posts_in_windows:
-- from an issue's start to its end, or to the latest post while it is open), and keeps the rows
-- of the others, so its cost follows the new data, not the issues of the whole history.
-- depends_on: {{ ref('stg_social_posts') }}
-- depends_on: {{ ref('stg_label_corrections') }}
-- depends_on: {{ ref('int_posts_to_rebuild') }}
{{ config(
    unique_key=['alert_id'],
    tags=['network'],
    **issue_hooks('int_issue_campaign_shares')
) }}

with

issues as (
    {{ issues_to_rebuild(issue_spec('int_issue_campaign_shares')) }}
),

-- not materialized: only the time of the latest post is read
all_posts as not materialized (
    select * from {{ ref('fct_posts') }}
),

issue_windows as (
    select
        issues.started_at as window_start,
        coalesce(
            issues.ended_at, (select max(all_posts.created_at) from all_posts)
        ) as window_end
    from issues
),

posts as (
    {{ posts_in_windows('issue_windows') }}
),

campaign_posts as (
    select * from {{ ref('int_campaign_posts_clustered') }}
),

public_posts_per_unit as (
    {{ per_unit('posts', where="not posts.is_official_author") }}
),

issue_posts as (
    select
        issues.unit_id,
        issues.alert_number,
        public_posts_per_unit.post_key
    from issues
    inner join public_posts_per_unit
        on issues.unit_id = public_posts_per_unit.about_unit_id
        and issues.started_at <= public_posts_per_unit.created_at
        and (issues.ended_at is null or issues.ended_at > public_posts_per_unit.created_at)
),

issue_posts_counted as (
    select
        issue_posts.unit_id,
        issue_posts.alert_number,
        count(*) as post_count,
        count(campaign_posts.post_key) as campaign_post_count
    from issue_posts
    left join campaign_posts
        on issue_posts.post_key = campaign_posts.post_key
    group by issue_posts.unit_id, issue_posts.alert_number
),

shares as (
    select
        -- ids
        issues.unit_id || ':' || strftime(issues.started_at, '%Y%m%dT%H%M%S') as alert_id,
        issues.unit_id,

        -- numerics
        issues.alert_number,
        coalesce(issue_posts_counted.post_count, 0) as post_count,
        coalesce(issue_posts_counted.campaign_post_count, 0) as campaign_post_count,
        case
            when coalesce(issue_posts_counted.post_count, 0) = 0 then 1.0
            else 1.0 - issue_posts_counted.campaign_post_count / issue_posts_counted.post_count
        end as organic_share,

        -- timestamps
        issues.started_at,
        issues.ended_at
    from issues
    left join issue_posts_counted
        on issues.unit_id = issue_posts_counted.unit_id
        and issues.alert_number = issue_posts_counted.alert_number
)

select * from shares
