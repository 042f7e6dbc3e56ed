-- One row per spike cluster: spike hours of a unit (see int_unit_negative_hours for
-- the rule of a spike) less than PANTAU_ALERT_GAP_HOURS apart form one cluster.
-- int_issue_origins_found merges the clusters that grew from the same conversation into
-- one issue.
-- A table, not the intermediate folder's incremental: a few rows rebuilt whole from
-- int_unit_negative_hours (itself a table), with its constraints checked on write.
{{ config(materialized='table') }}

with

negative_hours as (
    select * from {{ ref('int_unit_negative_hours') }}
),

spike_hours as (
    select
        *,
        case
            when date_diff(
                'hour',
                lag(hour_at) over (partition by unit_id order by hour_at),
                hour_at
            ) < {{ pantau_setting('ALERT_GAP_HOURS', 3) }} then 0
            else 1
        end as starts_cluster
    from negative_hours
    where is_spike
),

spike_hours_numbered as (
    select
        *,
        cast(sum(starts_cluster) over (
            partition by unit_id order by hour_at
            rows between unbounded preceding and current row
        ) as bigint) as cluster_number
    from spike_hours
),

spike_clusters as (
    select
        -- ids
        unit_id,

        -- numerics
        cluster_number,
        max(negative_post_count) as peak_hour_count,
        any_value(median_per_hour) as baseline_per_hour,

        -- timestamps
        min(hour_at) as first_spike_hour_at,
        max(hour_at) as last_spike_hour_at,
        list(hour_at order by negative_post_count desc, hour_at asc)[1] as peak_at
    from spike_hours_numbered
    group by unit_id, cluster_number
)

select * from spike_clusters
