-- One row per Polres × platform × day (of publication, UTC): the Polres rows of
-- mart_unit_engagement_daily, in this mart's columns. A post about two Polres counts
-- for both.
with

unit_days as (
    select * from {{ ref('mart_unit_engagement_daily') }}
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
