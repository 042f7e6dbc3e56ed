-- One row per Polres × topic × day: the Polres rows of mart_unit_sentiment_daily, in this
-- mart's columns (counts, shares and net sentiment of the public's posts; official
-- accounts left out).
with

unit_days as (
    select * from {{ ref('mart_unit_sentiment_daily') }}
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
