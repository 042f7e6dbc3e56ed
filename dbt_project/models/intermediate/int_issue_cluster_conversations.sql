-- One row per spike cluster of int_issue_spikes_clustered and per major conversation of its
-- negative posts: a conversation (its root post, or the post itself when it has none) holding
-- at least half as many of the cluster's negative public posts as the biggest, from
-- PANTAU_ALERT_LOOKBACK_HOURS before the cluster's first spike hour to the end of its last.
-- int_issue_spikes_merged picks the earliest as the cluster's origin (it reads the origin
-- posts' times, which can arrive later than the cluster).
-- A cluster is named by its unit and its first spike hour (its number moves when an earlier
-- cluster appears). Incremental, keyed by cluster (macros/issues_to_rebuild.sql): a run
-- rebuilds the clusters that are new or whose last spike hour moved, and those whose hours
-- hold a post fct_posts rebuilt, from the posts of those hours only (posts_in_windows); the
-- other clusters keep their rows. Before, every build read the posts of every cluster's hours
-- (8.7M of 20.3M posts at 20M: 15-17 s a build, with or without new posts).
-- depends_on: {{ ref('stg_social_posts') }}
-- depends_on: {{ ref('stg_label_corrections') }}
-- depends_on: {{ ref('int_posts_to_rebuild') }}
{{ config(
    unique_key=['unit_id', 'first_spike_hour_at', 'origin_post_key'],
    **issue_hooks('int_issue_cluster_conversations')
) }}

with

spike_clusters as (
    {{ issues_to_rebuild(issue_spec('int_issue_cluster_conversations')) }}
),

cluster_windows as (
    select
        first_spike_hour_at
        - interval ({{ pantau_setting('ALERT_LOOKBACK_HOURS', 12) }}) hour as window_start,
        last_spike_hour_at + interval 1 hour as window_end
    from spike_clusters
),

cluster_posts as (
    {{ posts_in_windows('cluster_windows') }}
),

negative_posts_per_unit as (
    {{ per_unit(
        'cluster_posts',
        where="cluster_posts.sentiment_label = 'negative' "
            ~ "and not cluster_posts.is_official_author"
    ) }}
),

conversations as (
    select
        spike_clusters.unit_id,
        spike_clusters.first_spike_hour_at,
        spike_clusters.last_spike_hour_at,
        coalesce(
            negative_posts_per_unit.root_post_key, negative_posts_per_unit.post_key
        ) as origin_post_key,
        count(*) as origin_post_count,
        min(negative_posts_per_unit.created_at) as origin_created_at
    from spike_clusters
    inner join negative_posts_per_unit
        on spike_clusters.unit_id = negative_posts_per_unit.about_unit_id
        and negative_posts_per_unit.created_at >= (
            spike_clusters.first_spike_hour_at
            - interval ({{ pantau_setting('ALERT_LOOKBACK_HOURS', 12) }}) hour
        )
        and negative_posts_per_unit.created_at < (
            spike_clusters.last_spike_hour_at + interval 1 hour
        )
    group by
        spike_clusters.unit_id,
        spike_clusters.first_spike_hour_at,
        spike_clusters.last_spike_hour_at,
        coalesce(
            negative_posts_per_unit.root_post_key, negative_posts_per_unit.post_key
        )
),

-- a story often spreads into a second thread (a quote, a repost elsewhere) that can outgrow
-- the one it started in: every thread at least half the biggest's size is kept
major_conversations as (
    select
        -- ids
        unit_id,
        origin_post_key,

        -- numerics
        origin_post_count,

        -- timestamps
        first_spike_hour_at,
        last_spike_hour_at,
        origin_created_at
    from conversations
    qualify origin_post_count * 2 >= max(origin_post_count) over (
        partition by unit_id, first_spike_hour_at
    )
)

select * from major_conversations
