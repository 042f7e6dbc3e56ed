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
-- The baselines are the 90th percentiles of every original public post of a Polres (or a
-- platform) on its platform, which every run's new posts move, and a moved baseline can make a
-- post of any day viral or not: an exact percentile needs every value, so every build scores
-- again every post that could be viral (below), from the few narrow columns it needs, and
-- rewrites the whole table (the incremental strategy `rewrite`: a few thousand rows, and every
-- viral_rank moves with one new viral post).
-- What does not need every post is the rest of a viral post's row (its text, URL, units...): it
-- is the post's row of fct_posts. Reading those wide columns for the viral posts read them for
-- every post (the posts are spread over every row group: 5 s of the model's 7-15 s at 20M
-- posts), so an incremental run takes them from the model's own rows for the posts fct_posts
-- has not rebuilt since the model's watermark (posts_to_rebuild), and from fct_posts only for
-- the others (new, newly viral or rebuilt), bounded by their created_at.
-- depends_on: {{ ref('stg_social_posts') }}  (read by posts_to_rebuild() when incremental)
-- depends_on: {{ ref('stg_label_corrections') }}  (read by posts_to_rebuild() when incremental)
-- depends_on: {{ ref('int_posts_to_rebuild') }}  (read by posts_to_rebuild() when incremental)
{{ config(
    unique_key='post_key',
    incremental_strategy='rewrite',
    post_hook="{{ aggregate_watermark_recorded() }}",
) }}

{%- set min_conversation = pantau_setting('VIRAL_MIN_CONVERSATION', 25) %}
{%- set min_engagement = pantau_setting('VIRAL_MIN_ENGAGEMENT', 2000) %}
{%- set min_spread = pantau_setting('VIRAL_MIN_SPREAD', 5) %}
{#- the columns of a viral post's row that are its row of fct_posts (the final select puts
    them in the mart's order) -#}
{%- set post_columns = [
    'post_key', 'polres_id', 'unit_id', 'author_key',
    'platform', 'post_type', 'url', 'author_label', 'unit_level', 'polda_name', 'post_text',
    'sentiment_label', 'topic',
    'author_followers', 'engagement', 'views', 'conversation_post_count', 'engagement_per_hour',
    'peak_engagement_per_hour',
    'unit_ids', 'is_national', 'created_date', 'created_at', 'last_observed_at',
] %}
{#- the model's own rows can be reused when it has a watermark (a table of an earlier release
    has none: its first incremental run reads every viral post from fct_posts) -#}
{%- set reuse = is_incremental() and aggregate_watermark_exists() %}

with

-- not materialized: each use reads only the columns it needs from fct_posts
posts as not materialized (
    select * from {{ ref('fct_posts') }}
),

original_public_posts as not materialized (
    select
        post_key,
        polres_id,
        platform,
        engagement,
        peak_engagement_per_hour,
        conversation_post_count,
        author_followers,
        created_at
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

-- the posts that can reach a virality_score of 1: a conversation of min_conversation posts, or
-- (the engagement route) min_spread posts and at least min_engagement, the lowest threshold
-- (a necessary condition, so the filter drops no viral post)
candidates as (
    select *
    from original_public_posts
    where
        conversation_post_count >= {{ min_conversation }}
        or (
            conversation_post_count >= {{ min_spread }}
            and engagement >= {{ min_engagement }}
        )
),

posts_against_baseline as (
    select
        candidates.*,
        greatest(coalesce(
            polres_baselines.baseline_engagement,
            platform_baselines.baseline_engagement
        ), 1) as baseline_engagement,
        greatest(coalesce(
            polres_baselines.baseline_engagement_per_hour,
            platform_baselines.baseline_engagement_per_hour
        ), 1) as baseline_engagement_per_hour
    from candidates
    inner join platform_baselines
        on candidates.platform = platform_baselines.platform
    left join polres_baselines
        on coalesce(candidates.polres_id, '') = polres_baselines.polres_id
        and candidates.platform = polres_baselines.platform
),

posts_scored as (
    select
        post_key,
        created_at,
        baseline_engagement,
        peak_engagement_per_hour / baseline_engagement_per_hour as velocity_ratio,
        greatest(
            conversation_post_count / {{ min_conversation }},
            case
                when
                    engagement >= (
                        {{ pantau_setting('VIRAL_FOLLOWER_SHARE', 0.05) }}
                        * coalesce(author_followers, 0)
                    )
                    and conversation_post_count >= {{ min_spread }}
                    then engagement / greatest(
                        {{ min_engagement }},
                        {{ pantau_setting('VIRAL_ENGAGEMENT_MULTIPLE', 20) }}
                        * baseline_engagement
                    )
                else 0
            end
        ) as virality_score
    from posts_against_baseline
),

viral_scores as (
    select * from posts_scored
    where virality_score >= 1
),

{% if reuse %}
-- the rows of the posts fct_posts has not rebuilt since the model's watermark, still viral
kept_rows as (
    select
        {{ 'built.' ~ post_columns | join(',\n        built.') }}
    from {{ this }} as built
    semi join viral_scores
        on built.post_key = viral_scores.post_key
    where built.post_key not in {{ posts_to_rebuild(since=aggregate_watermark()) }}
),

posts_to_read as (
    select
        viral_scores.post_key,
        viral_scores.created_at
    from viral_scores
    anti join kept_rows
        on viral_scores.post_key = kept_rows.post_key
),

post_rows as (
    select * from kept_rows
    union all
    select
        {{ 'read_posts.' ~ post_columns | join(',\n        read_posts.') }}
    from posts as read_posts
    semi join posts_to_read
        on read_posts.post_key = posts_to_read.post_key
    -- the same rows, bounded by their created_at: the zone maps skip the older row groups
    where read_posts.created_at >= {{ earliest_or_never(
        'select min(posts_to_read.created_at) from posts_to_read') }}
),
{% else %}
post_rows as (
    select
        {{ 'read_posts.' ~ post_columns | join(',\n        read_posts.') }}
    from posts as read_posts
    semi join viral_scores
        on read_posts.post_key = viral_scores.post_key
),
{% endif %}

viral_posts as (
    select
        -- ids
        post_rows.post_key,
        post_rows.polres_id,
        post_rows.unit_id,
        post_rows.author_key,

        -- strings
        post_rows.platform,
        post_rows.post_type,
        post_rows.url,
        post_rows.author_label,
        post_rows.unit_level,
        post_rows.polda_name,
        post_rows.post_text,
        post_rows.sentiment_label,
        post_rows.topic,

        -- numerics
        post_rows.author_followers,
        post_rows.engagement,
        post_rows.views,
        post_rows.conversation_post_count,
        post_rows.engagement_per_hour,
        post_rows.peak_engagement_per_hour,
        viral_scores.baseline_engagement,
        viral_scores.velocity_ratio,
        viral_scores.virality_score,
        row_number() over (
            order by
                viral_scores.virality_score desc,
                post_rows.engagement desc,
                post_rows.post_key asc
        ) as viral_rank,

        -- lists
        post_rows.unit_ids,

        -- booleans
        post_rows.is_national,

        -- dates
        post_rows.created_date,

        -- timestamps
        post_rows.created_at,
        post_rows.last_observed_at

    from viral_scores
    inner join post_rows
        on viral_scores.post_key = post_rows.post_key
)

select * from viral_posts
