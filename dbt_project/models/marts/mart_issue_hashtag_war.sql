-- One row per issue alert × hashtag used in it (lower case, without "#"): the competing
-- hashtags of an issue, its "hashtag war". The posts of an issue are those naming its unit
-- (unit_ids) from its start to its end (to the latest data while it is open), as for the
-- news it counts and the issue's network. Per hashtag: posts, distinct authors, engagement,
-- positive and negative posts, net sentiment and the stance it stands for towards the police
-- (pro when the net sentiment is at least PANTAU_HASHTAG_STANCE_MIN_NET, contra at most its
-- negative, neutral between), its share of the issue's hashtagged posts (a post with two
-- hashtags counts for both, so shares may add up to more than 1) and its rank in the issue.
-- Incremental, keyed by alert (macros/issues_to_rebuild.sql): a run rebuilds the alerts that
-- are new, moved (a new end), open, or hold a post fct_posts rebuilt, from the posts of their
-- hours only (posts_in_windows), and keeps the rows of the others, so its cost follows the new
-- data, not the issues of the whole history.
-- depends_on: {{ ref('stg_social_posts') }}
-- depends_on: {{ ref('stg_label_corrections') }}
-- depends_on: {{ ref('int_posts_to_rebuild') }}
{{ config(
    unique_key=['alert_id'],
    **issue_hooks('mart_issue_hashtag_war')
) }}
{% set stance_min_net = pantau_setting('HASHTAG_STANCE_MIN_NET', 0.2) %}

with

alerts as (
    {{ issues_to_rebuild(issue_spec('mart_issue_hashtag_war')) }}
),

-- not materialized: only the time of the latest post is read
all_posts as not materialized (
    select * from {{ ref('fct_posts') }}
),

issue_windows as (
    select
        alerts.started_at as window_start,
        coalesce(
            alerts.ended_at, (select max(all_posts.created_at) from all_posts)
        ) as window_end
    from alerts
),

posts as not materialized (
    {{ posts_in_windows('issue_windows') }}
),

-- each post's hashtags lower-cased once, each once per post, before the join with the issues
-- (which repeats a post for every issue of its units), and only posts from the first issue on
hashtagged_posts as not materialized (
    select
        posts.post_key,
        posts.author_key,
        posts.engagement,
        posts.sentiment_label,
        posts.unit_ids,
        posts.created_at,
        -- "tag" is the lambda's parameter, not a column to qualify
        list_distinct(
            list_transform(posts.hashtags, lambda tag: lower(tag))  -- noqa: RF03
        ) as hashtags
    from posts
    where
        len(posts.hashtags) > 0
        and posts.created_at >= {{ earliest_or_never('select min(alerts.started_at) from alerts') }}
),

hashtagged_posts_per_unit as (
    {{ per_unit('hashtagged_posts') }}
),

issue_posts as (
    select
        alerts.alert_id,
        hashtagged_posts_per_unit.post_key,
        hashtagged_posts_per_unit.author_key,
        hashtagged_posts_per_unit.engagement,
        hashtagged_posts_per_unit.sentiment_label,
        hashtagged_posts_per_unit.hashtags
    from alerts
    inner join hashtagged_posts_per_unit
        on alerts.unit_id = hashtagged_posts_per_unit.about_unit_id
        and alerts.started_at <= hashtagged_posts_per_unit.created_at
        and (
            alerts.ended_at is null
            or alerts.ended_at > hashtagged_posts_per_unit.created_at
        )
),

issue_totals as (
    select
        alert_id,
        count(*) as hashtagged_post_count
    from issue_posts
    group by alert_id
),

issue_post_hashtags as (
    select
        issue_posts.alert_id,
        issue_posts.post_key,
        issue_posts.author_key,
        issue_posts.engagement,
        issue_posts.sentiment_label,
        tagged.hashtag
    from issue_posts, unnest(issue_posts.hashtags) as tagged (hashtag)
),

counted as (
    select
        alert_id,
        hashtag,
        count(*) as post_count,
        count(distinct author_key) as author_count,
        sum(engagement) as engagement,
        count(*) filter (where sentiment_label = 'positive') as positive_count,
        count(*) filter (where sentiment_label = 'negative') as negative_count,
        (
            count(*) filter (where sentiment_label = 'positive')
            - count(*) filter (where sentiment_label = 'negative')
        ) / count(*) as net_sentiment
    from issue_post_hashtags
    group by alert_id, hashtag
),

final as (
    select
        -- ids
        counted.alert_id,

        -- strings
        counted.hashtag,
        case
            when counted.net_sentiment >= {{ stance_min_net }} then 'pro'
            when counted.net_sentiment <= -{{ stance_min_net }} then 'contra'
            else 'neutral'
        end as stance,

        -- numerics
        counted.post_count,
        counted.author_count,
        counted.engagement,
        counted.positive_count,
        counted.negative_count,
        counted.net_sentiment,
        -- the interface's name, though a keyword
        counted.post_count / issue_totals.hashtagged_post_count as share,  -- noqa: RF04
        row_number() over (
            partition by counted.alert_id
            order by counted.post_count desc, counted.engagement desc, counted.hashtag asc
        ) as hashtag_rank
    from counted
    inner join issue_totals
        on counted.alert_id = issue_totals.alert_id
)

select * from final
