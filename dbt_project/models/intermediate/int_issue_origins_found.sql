-- One row per issue of a unit at any level: the spike clusters of int_issue_spikes_clustered
-- that grew from the same conversation merged into one issue (int_issue_spikes_merged), with
-- the post it started at, its size, topic, top posts, the Polda and Polres its posts name
-- most (int_issue_summaries), and its end. The steps and their rules are in those models and
-- in int_issue_cluster_conversations; docs/marts.md tells the whole story.
-- A table: a few thousand rows, the join of the two models on the issue's unit and first spike
-- hour (int_issue_spikes_merged numbers the issues); read twice, by int_issue_responses_matched
-- and mart_issue_alerts. The models that read posts before it follow the delta: a build reads
-- only the posts of the clusters and issues the new data touches.
{{ config(materialized='table') }}

with

spikes as (
    select * from {{ ref('int_issue_spikes_merged') }}
),

summaries as (
    select * from {{ ref('int_issue_summaries') }}
),

issues as (
    select
        -- ids
        spikes.unit_id,
        spikes.origin_post_key,

        -- strings
        summaries.topic,
        summaries.top_post_keys,
        summaries.top_post_url,

        summaries.top_polda_id,
        summaries.top_polres_id,

        -- numerics
        spikes.alert_number,
        summaries.negative_post_count,
        summaries.top_polda_post_count,
        summaries.top_polres_post_count,
        spikes.peak_hour_count,
        spikes.baseline_per_hour,
        summaries.news_site_count,
        summaries.news_item_count,

        -- timestamps
        summaries.started_at,
        spikes.first_spike_hour_at,
        spikes.last_spike_hour_at,
        -- the peak hour's start, but never before the issue's: an issue that began inside
        -- its peak hour peaks from its start
        greatest(spikes.peak_at, summaries.started_at) as peak_at,
        spikes.ended_at
    from spikes
    inner join summaries
        on spikes.unit_id = summaries.unit_id
        and spikes.first_spike_hour_at = summaries.first_spike_hour_at
)

select * from issues
