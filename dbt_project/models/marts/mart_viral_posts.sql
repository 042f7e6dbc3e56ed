-- One row per viral post. A post (an original post or a quote, not an official
-- account's) is viral when either
--   * its conversation reached PANTAU_VIRAL_MIN_CONVERSATION posts (replies,
--     quotes and reposts collected under it), or
--   * its engagement is at least PANTAU_VIRAL_MIN_ENGAGEMENT, at least
--     PANTAU_VIRAL_ENGAGEMENT_MULTIPLE times the baseline of its Polres and
--     platform, and at least PANTAU_VIRAL_FOLLOWER_SHARE of its author's
--     followers (a big account's usual reach is not virality), and it spread:
--     at least PANTAU_VIRAL_MIN_SPREAD posts replied to, quoted or reposted it
--     (many likes on a post nobody passes on is popularity, not virality).
-- The baseline is the 90th percentile engagement of original public posts about
-- the same Polres on the same platform (the platform's when the Polres has fewer
-- than 20 such posts). virality_score is how far past the nearer threshold the
-- post went (1 = just viral); viral_rank orders by it. A viral post counts at every
-- level it names (unit_ids): a level's viral posts are those whose unit_ids hold the unit.
-- A table, not the marts folder's incremental: the baselines are the 90th percentiles of
-- every original public post of a Polres (or a platform) on its platform, which every run's
-- new posts move, and a moved baseline can make a post of any day viral or not; an exact
-- percentile needs every value, so the model reads the few columns it needs of every post
-- (not materialized CTEs) and keeps only the viral ones.
{{ config(materialized='table') }}

with

-- not materialized: each use reads only the columns it needs from fct_posts (materialised,
-- these CTEs copied every column of every post, texts included, before the few viral ones
-- were picked)
posts as not materialized (
    select * from {{ ref('fct_posts') }}
),

original_public_posts as not materialized (
    select *
    from posts
    where post_type in ('post', 'quote') and not is_official_author
),

platform_baselines as (
    select
        platform,
        quantile_cont(engagement, 0.9) as baseline_engagement,
        quantile_cont(peak_engagement_per_hour, 0.9) as baseline_engagement_per_hour
    from original_public_posts
    group by platform
),

polres_baselines as (
    select
        coalesce(polres_id, '') as polres_id,
        platform,
        quantile_cont(engagement, 0.9) as baseline_engagement,
        quantile_cont(peak_engagement_per_hour, 0.9) as baseline_engagement_per_hour
    from original_public_posts
    group by coalesce(polres_id, ''), platform
    having count(*) >= 20
),

posts_against_baseline as (
    select
        original_public_posts.*,
        greatest(coalesce(
            polres_baselines.baseline_engagement,
            platform_baselines.baseline_engagement
        ), 1) as baseline_engagement,
        greatest(coalesce(
            polres_baselines.baseline_engagement_per_hour,
            platform_baselines.baseline_engagement_per_hour
        ), 1) as baseline_engagement_per_hour
    from original_public_posts
    inner join platform_baselines
        on original_public_posts.platform = platform_baselines.platform
    left join polres_baselines
        on coalesce(original_public_posts.polres_id, '') = polres_baselines.polres_id
        and original_public_posts.platform = polres_baselines.platform
),

posts_scored as (
    select
        *,
        peak_engagement_per_hour / baseline_engagement_per_hour as velocity_ratio,
        greatest(
            conversation_post_count / {{ pantau_setting('VIRAL_MIN_CONVERSATION', 25) }},
            case
                when
                    engagement >= (
                        {{ pantau_setting('VIRAL_FOLLOWER_SHARE', 0.05) }}
                        * coalesce(author_followers, 0)
                    )
                    and conversation_post_count >= {{ pantau_setting('VIRAL_MIN_SPREAD', 5) }}
                    then engagement / greatest(
                        {{ pantau_setting('VIRAL_MIN_ENGAGEMENT', 2000) }},
                        {{ pantau_setting('VIRAL_ENGAGEMENT_MULTIPLE', 20) }}
                        * baseline_engagement
                    )
                else 0
            end
        ) as virality_score
    from posts_against_baseline
),

viral_posts as (
    select
        -- ids
        post_key,
        polres_id,
        unit_id,
        author_key,

        -- strings
        platform,
        post_type,
        url,
        author_label,
        unit_level,
        polda_name,
        post_text,
        sentiment_label,
        topic,

        -- numerics
        author_followers,
        engagement,
        views,
        conversation_post_count,
        engagement_per_hour,
        peak_engagement_per_hour,
        baseline_engagement,
        velocity_ratio,
        virality_score,
        row_number() over (
            order by virality_score desc, engagement desc, post_key asc
        ) as viral_rank,

        -- lists
        unit_ids,

        -- booleans
        is_national,

        -- dates
        created_date,

        -- timestamps
        created_at,
        last_observed_at

    from posts_scored
    where virality_score >= 1
)

select * from viral_posts
