-- One row per post: latest metrics, what the text says (an analyst's correction,
-- int_label_overrides, before the model's labels), the police units it is
-- about at every level (Polres, Polda, national: unit_ids),
-- how fast it grew and how big a conversation it started.
-- Incremental: a run rebuilds the posts of posts_to_rebuild() only.
-- depends_on: {{ ref('stg_label_corrections') }}  (read by posts_to_rebuild() when incremental)
-- depends_on: {{ ref('int_posts_to_rebuild') }}  (read by posts_to_rebuild() when incremental)
{{ config(
    materialized='incremental',
    unique_key='post_key',
    incremental_strategy='delete+insert',
) }}

with

posts as (
    select * from {{ ref('stg_social_posts') }}
    {% if is_incremental() %}
    where {{ staged_posts_to_rebuild() }}
    {% endif %}
),

{#- The per-post tables below hold each post's last_ingested_at from staging (each is rebuilt
    when the post's latest observation changes), so none of the rows joined to `posts` was
    ingested before the earliest of `posts`. That time, asked before the model runs, becomes
    a constant their scans skip older row groups by (they are appended in ingestion order),
    instead of decoding every post's columns to find the few joined by post_key. -#}
{%- set ingested_from = '' %}
{%- if is_incremental() and execute %}
    {%- set ingested_from = "where last_ingested_at >= " ~ earliest_as_constant(
        "select min(last_ingested_at) from " ~ ref('stg_social_posts')
        ~ " where " ~ staged_posts_to_rebuild()) %}
{%- endif %}

enriched as (
    select * from {{ ref('int_posts_enriched') }}
    {{ ingested_from }}
),

resolved as (
    select * from {{ ref('int_posts_resolved') }}
    {{ ingested_from }}
),

overrides as (
    select * from {{ ref('int_label_overrides') }}
),

velocity as (
    select * from {{ ref('int_post_velocity') }}
    {{ ingested_from }}
),

conversations as (
    select * from {{ ref('int_post_conversations') }}
),

polres as (
    select * from {{ ref('polres') }}
),

polda as (
    select * from {{ ref('polda') }}
),

final as (
    select
        -- ids
        posts.post_key,
        posts.platform,
        posts.post_id,
        posts.parent_post_key,
        posts.root_post_key,
        resolved.author_key,
        resolved.polres_ids[1] as polres_id,
        coalesce(polres_polda.polda_id, resolved.polda_ids[1]) as polda_id,
        resolved.unit_id,
        resolved.official_unit_id,

        -- strings
        posts.post_type,
        posts.url,
        resolved.author_label,
        resolved.polres_ids,
        resolved.polres_source,
        resolved.polda_ids,
        resolved.unit_ids,
        resolved.unit_level,
        coalesce(polres.polda_name, named_polda.polda_name) as polda_name,
        posts.post_text,
        posts.lang,
        posts.hashtags,
        coalesce(overrides.sentiment_label, enriched.sentiment_label) as sentiment_label,
        coalesce(overrides.emotion, enriched.emotion) as emotion,
        coalesce(overrides.topic, enriched.topic) as topic,
        case when overrides.post_key is null then 'model' else 'analyst' end as label_source,
        enriched.model_version,

        -- numerics
        posts.author_followers,
        enriched.sentiment_score,
        posts.likes,
        posts.replies,
        posts.shares,
        posts.quotes,
        posts.views,
        posts.engagement,
        posts.engagement * 3600.0 / greatest(
            date_diff('second', posts.created_at, posts.observed_at), 60
        ) as engagement_per_hour,
        coalesce(velocity.peak_engagement_per_hour, 0) as peak_engagement_per_hour,
        coalesce(conversations.conversation_post_count, 0) as conversation_post_count,
        coalesce(conversations.conversation_author_count, 0)
            as conversation_author_count,
        posts.observation_count,

        -- booleans
        resolved.is_official_author,
        resolved.is_national,
        posts.is_verified_author,

        -- dates
        cast(posts.created_at as date) as created_date,

        -- timestamps
        posts.created_at,
        posts.author_created_at,
        posts.first_observed_at,
        posts.observed_at as last_observed_at,
        posts.last_ingested_at

    from posts
    inner join enriched
        on posts.post_key = enriched.post_key
    inner join resolved
        on posts.post_key = resolved.post_key
    left join overrides
        on posts.post_key = overrides.post_key
    left join velocity
        on posts.post_key = velocity.post_key
    left join conversations
        on posts.post_key = conversations.post_key
    left join polres
        on resolved.polres_ids[1] = polres.polres_id
    left join polda as polres_polda
        on polres.polda_name = polres_polda.polda_name
    left join polda as named_polda
        on resolved.polda_ids[1] = named_polda.polda_id
)

select * from final
