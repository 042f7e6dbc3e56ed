-- One row per Polda × period (a day, or an ISO week from its Monday: period_type) × Polres
-- of that Polda named in the period: how many public posts named the Polres (its mentions),
-- its share of all the mentions of the Polda's Polres in that period (the shares of a Polda
-- and period add up to 1), the sentiment of those posts and its rank in the Polda. Posts by
-- official accounts are left out (a Polres' own posts are not its voice in the public); a
-- post naming two Polres counts once for each.
-- Incremental (macros/aggregates_to_rebuild.sql): a run rebuilds the ISO weeks in which a post
-- it changed was published, their week rows and the rows of each of their days (a week's
-- shares need every post of the week).
-- depends_on: {{ ref('stg_social_posts') }}
-- depends_on: {{ ref('stg_label_corrections') }}
-- depends_on: {{ ref('int_posts_to_rebuild') }}
{{ config(
    unique_key=['period_type', 'period_start'],
    pre_hook="{{ periods_to_rebuild_deleted('period_start', 'week') }}",
    post_hook="{{ aggregate_watermark_recorded() }}",
) }}

with

posts as (
    {{ rows_to_rebuild(ref('fct_posts'), 'created_date', 'week') }}
),

units as (
    select * from {{ ref('dim_police_units') }}
),

mentions as (
    select
        posts.post_key,
        posts.created_date,
        posts.sentiment_label,
        unnest(posts.polres_ids) as polres_id
    from posts
    where not posts.is_official_author
),

mentions_per_period as (
    select
        'day' as period_type,
        created_date as period_start,
        polres_id,
        sentiment_label
    from mentions
    union all
    select
        'week' as period_type,
        cast(date_trunc('week', created_date) as date) as period_start,
        polres_id,
        sentiment_label
    from mentions
),

counted as (
    select
        units.polda_id,
        mentions_per_period.period_type,
        mentions_per_period.period_start,
        mentions_per_period.polres_id,
        count(*) as mention_count,
        count(*) filter (
            where mentions_per_period.sentiment_label = 'positive'
        ) as positive_count,
        count(*) filter (
            where mentions_per_period.sentiment_label = 'negative'
        ) as negative_count
    from mentions_per_period
    inner join units
        on mentions_per_period.polres_id = units.unit_id
    where units.unit_level = 'polres'
    group by
        units.polda_id,
        mentions_per_period.period_type,
        mentions_per_period.period_start,
        mentions_per_period.polres_id
),

final as (
    select
        -- ids
        counted.polda_id,
        counted.polres_id,

        -- strings
        polda.unit_name as polda_name,
        counted.period_type,
        polres.unit_name as polres_name,

        -- numerics
        counted.mention_count,
        counted.mention_count / sum(counted.mention_count) over (
            partition by counted.polda_id, counted.period_type, counted.period_start
        ) as share_of_voice,
        (counted.positive_count - counted.negative_count)
        / counted.mention_count as net_sentiment,
        counted.positive_count,
        counted.negative_count,
        row_number() over (
            partition by counted.polda_id, counted.period_type, counted.period_start
            order by counted.mention_count desc, counted.polres_id asc
        ) as voice_rank,

        -- dates
        counted.period_start
    from counted
    inner join units as polda
        on counted.polda_id = polda.unit_id
    inner join units as polres
        on counted.polres_id = polres.unit_id
)

select * from final
