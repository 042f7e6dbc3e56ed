-- One row per post: what its text says (sentiment, emotion, topic) and which
-- Polres it names, from the Python text functions that the dbt-duckdb plugin
-- pantau.text.dbt_plugin registers (see docs/text.md).
-- A table (set for the folder in dbt_project.yml): the functions run once per
-- build, and readers need no Python functions registered.

with

posts as (
    select * from {{ ref('stg_social_posts') }}
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
        sentiment_score(post_text) as sentiment_score

    from posts
)

select * from posts_enriched
