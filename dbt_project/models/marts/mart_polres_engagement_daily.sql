-- One row per Polres × platform × day (of publication, UTC): the Polres rows of
-- mart_unit_engagement_daily, in this mart's columns. A post about two Polres counts
-- for both.
-- Incremental (macros/aggregates_to_rebuild.sql): a run copies the days it rebuilds (those on
-- which a post it changed was published) from the unit mart, which rebuilt them before.
-- depends_on: {{ ref('stg_social_posts') }}
-- depends_on: {{ ref('stg_label_corrections') }}
-- depends_on: {{ ref('int_posts_to_rebuild') }}
{{ config(
    unique_key=['activity_date'],
    pre_hook="{{ periods_to_rebuild_deleted('activity_date', 'day') }}",
    post_hook="{{ aggregate_watermark_recorded() }}",
) }}

with

unit_days as (
    {{ rows_to_rebuild(ref('mart_unit_engagement_daily'), 'activity_date', 'day') }}
),

polres_days as (
    select
        unit_id as polres_id,
        platform,
        activity_date,
        post_count,
        author_count,
        official_post_count,
        likes,
        replies,
        shares,
        quotes,
        views,
        engagement,
        potential_reach
    from unit_days
    where unit_level = 'polres'
)

select * from polres_days
