-- One row per unit (every level: Polres, Polda, Polri) × hour with at least one
-- negative public post about it: the counts, the unit's usual hourly level and
-- whether the hour is a spike: at least PANTAU_ALERT_MIN_POSTS negative posts,
-- more than PANTAU_ALERT_SIGMA standard deviations above the usual level (Poisson
-- plus PANTAU_ALERT_OVERDISPERSION: sqrt(level + (overdispersion × level)²), since
-- a Polda's or Polri's large hourly counts swing with the day far more than
-- Poisson), and at least
-- PANTAU_ALERT_MIN_NEGATIVE_SHARE of the hour's public posts about the unit
-- (a few sour replies inside a wave of praise are not an issue), and not an echo:
-- a Polda's or Polri's hour is no spike of its own when one unit below it holds more
-- than half of its negative posts (echo_of_unit_id names that unit).
-- A table, not the intermediate folder's incremental: a new post moves the data's last hour,
-- and with it every unit's median hour, so every hour of every unit is judged again; it reads
-- the hours counted per unit (int_unit_hours_counted, incremental: units × hours, not posts)
-- and only the first and last post time of fct_posts.
{{ config(materialized='table') }}

with

units as (
    select * from {{ ref('dim_police_units') }}
),

hourly_counts as (
    select * from {{ ref('int_unit_hours_counted') }}
),

-- not materialized: only created_at is read
posts as not materialized (
    select * from {{ ref('fct_posts') }}
),

data_window as (
    select
        date_trunc('hour', min(created_at)) as first_hour_at,
        date_trunc('hour', max(created_at)) as last_hour_at,
        date_diff(
            'hour', date_trunc('hour', min(created_at)),
            date_trunc('hour', max(created_at))
        ) + 1 as hour_count
    from posts
),

-- The usual level is the median hour (quiet hours count as zero), so the burst
-- being judged does not raise its own bar; the spread around it is taken as
-- Poisson (the square root of the level, at least 1).
unit_levels as (
    select
        hourly_counts.unit_id,
        any_value(data_window.hour_count) - count(*) as quiet_hour_count,
        list_sort(list(hourly_counts.negative_post_count)) as sorted_counts,
        any_value(data_window.hour_count) as hour_count
    from hourly_counts
    cross join data_window
    group by hourly_counts.unit_id
),

unit_medians as (
    select
        unit_id,
        case
            when quiet_hour_count * 2 >= hour_count then 0
            else sorted_counts[cast(ceil(hour_count / 2) as bigint) - quiet_hour_count]
        end as median_per_hour
    from unit_levels
),

hours_flagged as (
    select
        hourly_counts.unit_id,
        hourly_counts.hour_at,
        hourly_counts.negative_post_count,
        hourly_counts.public_post_count,
        unit_medians.median_per_hour,
        (
            hourly_counts.negative_post_count >= {{ pantau_setting('ALERT_MIN_POSTS', 8) }}
            and hourly_counts.negative_post_count > (
                unit_medians.median_per_hour
                + {{ pantau_setting('ALERT_SIGMA', 4) }}
                * sqrt(
                    greatest(unit_medians.median_per_hour, 1)
                    + pow(
                        {{ pantau_setting('ALERT_OVERDISPERSION', 0.5) }}
                        * unit_medians.median_per_hour,
                        2
                    )
                )
            )
            and hourly_counts.negative_post_count >= (
                {{ pantau_setting('ALERT_MIN_NEGATIVE_SHARE', 0.5) }}
                * hourly_counts.public_post_count
            )
        ) as is_over_thresholds
    from hourly_counts
    inner join unit_medians
        on hourly_counts.unit_id = unit_medians.unit_id
),

-- An echo is a Polda's (or Polri's) hour over the thresholds where one unit below it
-- (a Polres, or a Polda) holds more than half of the hour's negative posts: the issue is
-- that unit's (an alert there, or below its own thresholds), so the level above raises
-- no alert of its own. An alert belongs to the most specific level that explains it.
-- each unit's hours, with the child unit that holds the most of that hour's negative posts
-- (the first by unit_id among equals): the children are grouped by parent and hour first, a
-- few hundred thousand parent hours, instead of every hour of every unit with all its columns
-- (at 20M posts, that group took 4.1 s of the model's 5 s of CPU)
children_top as (
    select
        child_units.parent_unit_id as unit_id,
        children.hour_at,
        arg_min(
            children.unit_id, (-children.negative_post_count, children.unit_id)
        ) as top_child_unit_id,
        max(children.negative_post_count) as top_child_post_count
    from hours_flagged as children
    inner join units as child_units
        on children.unit_id = child_units.unit_id
    where child_units.parent_unit_id is not null
    group by child_units.parent_unit_id, children.hour_at
),

hours_with_children as (
    select
        hours_flagged.*,
        children_top.top_child_unit_id,
        coalesce(children_top.top_child_post_count, 0) as top_child_post_count
    from hours_flagged
    left join children_top
        on hours_flagged.unit_id = children_top.unit_id
        and hours_flagged.hour_at = children_top.hour_at
),

hours_judged as (
    select
        unit_id,
        hour_at,
        negative_post_count,
        public_post_count,
        median_per_hour,
        case
            when top_child_post_count * 2 > negative_post_count then top_child_unit_id
        end as echo_of_unit_id,
        is_over_thresholds,
        is_over_thresholds
        and not top_child_post_count * 2 > negative_post_count as is_spike
    from hours_with_children
)

select * from hours_judged
