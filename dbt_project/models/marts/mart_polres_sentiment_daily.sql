-- One row per Polres × topic × day: the Polres rows of mart_unit_sentiment_daily, in this
-- mart's columns (counts, shares and net sentiment of the public's posts; official
-- accounts left out).
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
    {{ rows_to_rebuild(ref('mart_unit_sentiment_daily'), 'activity_date', 'day') }}
),

polres_days as (
    select
        unit_id as polres_id,
        topic,
        activity_date,
        post_count,
        positive_count,
        neutral_count,
        negative_count,
        engagement,
        positive_share,
        neutral_share,
        negative_share,
        net_sentiment
    from unit_days
    where unit_level = 'polres'
)

select * from polres_days
