-- One row per police unit (Polri, Polda, Polres: unit_level) × platform × day (of
-- publication, UTC). A post counts for every unit of its unit_ids: its Polres, their
-- Polda and Polri, so a Polda's figures include its Polres' posts and Polri's include
-- everything about the police.
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

posts_per_unit as (
    {{ per_unit('posts') }}
),

daily_counts as (
    select
        posts_per_unit.about_unit_id as unit_id,
        posts_per_unit.platform,
        posts_per_unit.created_date as activity_date,
        count(*) as post_count,
        count(distinct posts_per_unit.author_key) as author_count,
        count(*) filter (where posts_per_unit.is_official_author) as official_post_count,
        sum(posts_per_unit.likes) as likes,
        sum(posts_per_unit.replies) as replies,
        sum(posts_per_unit.shares) as shares,
        sum(posts_per_unit.quotes) as quotes,
        sum(posts_per_unit.views) as views,
        sum(posts_per_unit.engagement) as engagement,
        sum(coalesce(posts_per_unit.author_followers, 0)) as potential_reach
    from posts_per_unit
    group by
        posts_per_unit.about_unit_id, posts_per_unit.platform, posts_per_unit.created_date
),

final as (
    select
        -- ids
        daily_counts.unit_id,

        -- strings
        units.unit_level,
        daily_counts.platform,

        -- numerics
        daily_counts.post_count,
        daily_counts.author_count,
        daily_counts.official_post_count,
        daily_counts.likes,
        daily_counts.replies,
        daily_counts.shares,
        daily_counts.quotes,
        daily_counts.views,
        daily_counts.engagement,
        daily_counts.potential_reach,

        -- dates
        daily_counts.activity_date
    from daily_counts
    inner join units
        on daily_counts.unit_id = units.unit_id
)

select * from final
