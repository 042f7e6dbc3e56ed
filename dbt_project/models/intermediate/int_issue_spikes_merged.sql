-- One row per issue of a unit at any level: the spike clusters of int_issue_spikes_clustered
-- that grew from the same conversation, merged, with the conversation it grew from and its
-- end. A cluster's origin is the earliest of its major conversations
-- (int_issue_cluster_conversations): by its root post's time when the warehouse holds the
-- root, else by its first negative post's. A cluster whose origin is the one of the cluster
-- before it is the same issue flaring up again, not a new one. The issue ends with its last
-- spike hour, and is open (no end) while fewer than PANTAU_ALERT_GAP_HOURS hours of data
-- follow that hour.
-- A table: a few thousand rows, rebuilt whole (an issue's number counts the unit's issues
-- before it, and an open issue closes when the data moves on). It reads fct_posts only for
-- the origin posts, by key, and for the time of the latest post. int_issue_summaries counts
-- each issue's posts; int_issue_origins_found joins the two.
{{ config(materialized='table') }}

with

spike_clusters as (
    select * from {{ ref('int_issue_spikes_clustered') }}
),

conversations as (
    select * from {{ ref('int_issue_cluster_conversations') }}
),

-- not materialized: each use reads only the columns it needs from fct_posts (the origin
-- posts by key, once; the time of the latest post)
posts as not materialized (
    select * from {{ ref('fct_posts') }}
),

data_window as (
    select max(created_at) as last_post_at from posts
),

cluster_origins as (
    select
        conversations.unit_id,
        conversations.first_spike_hour_at,
        conversations.origin_post_key,
        origin_posts.created_at as origin_posted_at
    from conversations
    left join posts as origin_posts
        on conversations.origin_post_key = origin_posts.post_key
    qualify row_number() over (
        partition by conversations.unit_id, conversations.first_spike_hour_at
        order by
            coalesce(origin_posts.created_at, conversations.origin_created_at) asc,
            conversations.origin_post_key asc
    ) = 1
),

clusters_flagged as (
    select
        spike_clusters.*,
        cluster_origins.origin_post_key,
        cluster_origins.origin_posted_at,
        case
            when cluster_origins.origin_post_key = lag(cluster_origins.origin_post_key) over (
                partition by spike_clusters.unit_id
                order by spike_clusters.first_spike_hour_at
            ) then 0
            else 1
        end as starts_issue
    from spike_clusters
    inner join cluster_origins
        on spike_clusters.unit_id = cluster_origins.unit_id
        and spike_clusters.first_spike_hour_at = cluster_origins.first_spike_hour_at
),

clusters_merged as (
    select
        *,
        cast(sum(starts_issue) over (
            partition by unit_id order by first_spike_hour_at
            rows between unbounded preceding and current row
        ) as bigint) as alert_number
    from clusters_flagged
),

spikes as (
    select
        unit_id,
        alert_number,
        min(first_spike_hour_at) as first_spike_hour_at,
        max(last_spike_hour_at) as last_spike_hour_at,
        list(peak_at order by peak_hour_count desc, peak_at asc)[1] as peak_at,
        max(peak_hour_count) as peak_hour_count,
        any_value(baseline_per_hour) as baseline_per_hour,
        arg_min(origin_post_key, first_spike_hour_at) as origin_post_key,
        -- the clusters of an issue share its origin (null while the warehouse lacks it)
        max(origin_posted_at) as origin_posted_at
    from clusters_merged
    group by unit_id, alert_number
),

issues as (
    select
        -- ids
        spikes.unit_id,
        spikes.origin_post_key,

        -- numerics
        spikes.alert_number,
        spikes.peak_hour_count,
        spikes.baseline_per_hour,

        -- timestamps
        spikes.first_spike_hour_at,
        spikes.last_spike_hour_at,
        spikes.peak_at,
        spikes.origin_posted_at,
        case
            when
                date_diff(
                    'hour', spikes.last_spike_hour_at, data_window.last_post_at
                ) >= {{ pantau_setting('ALERT_GAP_HOURS', 3) }}
                then spikes.last_spike_hour_at + interval 1 hour
        end as ended_at
    from spikes
    cross join data_window
)

select * from issues
