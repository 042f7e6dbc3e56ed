-- One row per post: what its text says (sentiment, emotion, topic) and which
-- police units it names (Polres, Polda, the police as an institution), from the
-- Python text functions that the dbt-duckdb plugin
-- pantau.transform.text.dbt_plugin registers (see docs/text.md).
-- Incremental: the functions are the expensive part of a build, so a run only
-- reads the posts with an observation ingested since the last run (their
-- latest text may have changed). Readers need no functions registered.
-- model_version names the models and rules that read the post (pantau.transform.text.versions,
-- passed by the build as the dbt var text_model_version); when it changes, the build is a full
-- refresh.
{{ config(unique_key='post_key') }}

with

posts as (
    select * from {{ ref('stg_social_posts') }}
    {% if is_incremental() %}
    where last_ingested_at > {{ watermark() }}
    {% endif %}
),

posts_read as (
    select
        post_key,
        sentiment_label(post_text) as sentiment_label,
        emotion(post_text) as emotion,
        topic(post_text) as topic,
        resolve_units(post_text) as units,
        sentiment_score(post_text) as sentiment_score,
        last_ingested_at
    from posts
),

posts_enriched as (
    select
        -- ids
        posts_read.post_key,

        -- strings
        posts_read.sentiment_label,
        posts_read.emotion,
        posts_read.topic,
        '{{ var("text_model_version", "unknown") }}' as model_version,
        coalesce(posts_read.units.polres_ids, []::varchar[]) as polres_ids,
        coalesce(posts_read.units.polda_ids, []::varchar[]) as polda_ids,

        -- numerics
        posts_read.sentiment_score,

        -- booleans
        coalesce(posts_read.units.names_polri, false) as names_polri,

        -- timestamps
        posts_read.last_ingested_at

    from posts_read
)

select * from posts_enriched
