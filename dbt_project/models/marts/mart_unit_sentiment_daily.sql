-- One row per police unit (Polri, Polda, Polres: unit_level) × topic × day: how many
-- public posts were positive, neutral and negative, their shares and the net sentiment
-- (positive share minus negative share, in [-1, 1]). Posts by official accounts are left
-- out: the question is how the public reacts. A post counts for every unit of its
-- unit_ids.
-- Incremental (macros/aggregates_to_rebuild.sql): a run rebuilds the days on which a post it
-- changed was published, every unit of those days (the national unit counts every post of a
-- day, so a key finer than the day would read the same posts).
-- depends_on: {{ ref('stg_social_posts') }}
-- depends_on: {{ ref('stg_label_corrections') }}
-- depends_on: {{ ref('int_posts_to_rebuild') }}
{{ config(
    unique_key=['activity_date'],
    pre_hook="{{ periods_to_rebuild_deleted('activity_date', 'day') }}",
    post_hook="{{ aggregate_watermark_recorded() }}",
) }}

with

posts as (
    {{ rows_to_rebuild(ref('fct_posts'), 'created_date', 'day') }}
),

units as (
    select * from {{ ref('dim_police_units') }}
),

public_posts_per_unit as (
    {{ per_unit('posts', where="not posts.is_official_author") }}
),

daily_counts as (
    select
        about_unit_id as unit_id,
        topic,
        created_date as activity_date,
        count(*) as post_count,
        count(*) filter (where sentiment_label = 'positive') as positive_count,
        count(*) filter (where sentiment_label = 'neutral') as neutral_count,
        count(*) filter (where sentiment_label = 'negative') as negative_count,
        sum(engagement) as engagement
    from public_posts_per_unit
    group by about_unit_id, topic, created_date
),

final as (
    select
        -- ids
        daily_counts.unit_id,

        -- strings
        units.unit_level,
        daily_counts.topic,

        -- numerics
        daily_counts.post_count,
        daily_counts.positive_count,
        daily_counts.neutral_count,
        daily_counts.negative_count,
        daily_counts.engagement,
        daily_counts.positive_count / daily_counts.post_count as positive_share,
        daily_counts.neutral_count / daily_counts.post_count as neutral_share,
        daily_counts.negative_count / daily_counts.post_count as negative_share,
        (daily_counts.positive_count - daily_counts.negative_count)
        / daily_counts.post_count as net_sentiment,

        -- dates
        daily_counts.activity_date
    from daily_counts
    inner join units
        on daily_counts.unit_id = units.unit_id
)

select * from final
