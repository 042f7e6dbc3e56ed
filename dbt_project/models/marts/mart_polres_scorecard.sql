-- One row per Polres × ISO week (weeks start on Monday) with any post about it: the
-- Polres rows of mart_unit_scorecard, in this mart's columns (volume, net sentiment,
-- issue alerts, responsiveness; reputation_rank ranks Polres within the week, 1 = best;
-- the formula is in mart_unit_scorecard).
-- A table, not the marts folder's incremental: the Polres rows of mart_unit_scorecard (units ×
-- weeks, thousands of rows), copied whole.
{{ config(materialized='table') }}

with

unit_weeks as (
    select * from {{ ref('mart_unit_scorecard') }}
),

polres_weeks as (
    select
        -- ids
        unit_id as polres_id,

        -- strings
        unit_name as polres_name,
        polda_name,

        -- numerics
        latitude,
        longitude,
        post_count,
        engagement,
        net_sentiment,
        organic_share,
        alert_count,
        median_response_minutes,
        response_rate,
        reputation_score,
        reputation_rank,

        -- dates
        week_start_date
    from unit_weeks
    where unit_level = 'polres'
)

select * from polres_weeks
