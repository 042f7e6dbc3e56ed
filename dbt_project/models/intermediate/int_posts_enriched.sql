-- One row per post: what its text says (sentiment, emotion, topic) and which
-- Polres it names, from the Python text functions that the dbt-duckdb plugin
-- pantau.transform.text.dbt_plugin registers (see docs/text.md).
-- Incremental: the functions are the expensive part of a build, so a run only
-- reads the posts with an observation ingested since the last run (their
-- latest text may have changed). Readers need no functions registered.
{{ config(unique_key='post_key') }}

with

posts as (
    select * from {{ ref('stg_social_posts') }}
    {% if is_incremental() %}
    where last_ingested_at > {{ watermark() }}
    {% endif %}
),

posts_enriched as (
    select
        -- ids
        post_key,

        -- strings
        sentiment_label(post_text) as sentiment_label,
        emotion(post_text) as emotion,
        topic(post_text) as topic,
        coalesce(resolve_polres(post_text), []::varchar[]) as polres_ids,

        -- numerics
        sentiment_score(post_text) as sentiment_score,

        -- timestamps
        last_ingested_at

    from posts
)

select * from posts_enriched
