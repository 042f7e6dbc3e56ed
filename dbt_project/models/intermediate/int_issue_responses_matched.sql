-- One row per issue of int_issue_origins_found that had an official response: the first
-- post of one of the unit's own official accounts (a Polres' for a Polres, a Polda's for a
-- Polda, Polri's for a national issue: the right level's) from the issue's start and within
-- PANTAU_ALERT_RESPONSE_WINDOW_HOURS, in the issue's conversation (replying to or under
-- its origin) or, when there is none, the first worded as a response (a phrase of the seed
-- response_phrases: "menanggapi", "klarifikasi", …), and the minutes it took.
-- Incremental, keyed by issue (macros/issues_to_rebuild.sql): a run rebuilds the issues that
-- are new, whose start, origin or the response phrases changed, or whose response window holds a
-- post fct_posts rebuilt, from the posts of those windows only (posts_in_windows), and keeps
-- the rows of the others, so its cost follows the new data, not the issues of the whole history.
-- depends_on: {{ ref('stg_social_posts') }}
-- depends_on: {{ ref('stg_label_corrections') }}
-- depends_on: {{ ref('int_posts_to_rebuild') }}
{{ config(
    unique_key=['unit_id', 'alert_number'],
    **issue_hooks('int_issue_responses_matched')
) }}

with

issues as (
    {{ issues_to_rebuild(issue_spec('int_issue_responses_matched')) }}
),

response_windows as (
    select
        started_at as window_start,
        started_at
        + interval ({{ pantau_setting('ALERT_RESPONSE_WINDOW_HOURS', 48) }}) hour as window_end
    from issues
),

posts as (
    {{ posts_in_windows('response_windows') }}
),

response_phrases as (
    select * from {{ ref('response_phrases') }}
),

official_posts as (
    select
        posts.*,
        posts.official_unit_id as about_unit_id,
        exists(
            select 1
            from response_phrases
            where contains(lower(posts.post_text), response_phrases.phrase)
        ) as is_response_worded
    from posts
    where posts.is_official_author
),

first_responses as (
    select
        -- ids
        issues.unit_id,
        official_posts.post_key as first_response_post_key,

        -- strings
        official_posts.url as first_response_url,

        -- numerics
        issues.alert_number,
        round(date_diff(
            'second', issues.started_at, official_posts.created_at
        ) / 60.0, 1) as response_minutes,

        -- timestamps
        official_posts.created_at as first_response_at
    from issues
    inner join official_posts
        on issues.unit_id = official_posts.about_unit_id
        and issues.started_at <= official_posts.created_at
        and official_posts.created_at < (
            issues.started_at
            + interval ({{ pantau_setting('ALERT_RESPONSE_WINDOW_HOURS', 48) }}) hour
        )
        and (
            issues.origin_post_key = official_posts.root_post_key
            or issues.origin_post_key = official_posts.parent_post_key
            or official_posts.is_response_worded
        )
    qualify row_number() over (
        partition by issues.unit_id, issues.alert_number
        order by
            (
                official_posts.root_post_key is not distinct from issues.origin_post_key
                or official_posts.parent_post_key is not distinct from issues.origin_post_key
            ) desc,
            official_posts.created_at asc,
            official_posts.post_key asc
    ) = 1
)

select * from first_responses
