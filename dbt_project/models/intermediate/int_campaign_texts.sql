-- One row per post: the distinct words of its look-alike-proof skeleton (NFKC, case folded,
-- zero-width and direction characters, accents, emoji, punctuation, URLs, mentions and
-- hashtags dropped, Cyrillic/Greek look-alikes read as the Latin letters they show), their
-- MinHash band signatures, and how many characters hid its letters (for the audit); from the
-- Python functions of pantau.transform.text.neardup that the dbt-duckdb plugin registers.
-- Incremental like int_posts_enriched: a run reads only the posts with an observation
-- ingested since the last run.
{{ config(unique_key='post_key', tags=['network']) }}

with

posts as (
    select * from {{ ref('stg_social_posts') }}
    {% if is_incremental() %}
    where last_ingested_at > {{ watermark() }}
    {% endif %}
),

words_read as (
    select
        post_key,
        coalesce(campaign_words(post_text), []::varchar[]) as words,
        coalesce(lookalike_count(post_text), 0) as lookalike_count,
        last_ingested_at
    from posts
),

texts as (
    select
        -- ids
        post_key,

        -- strings
        words,
        coalesce(campaign_bands(words), []::bigint[]) as bands,

        -- numerics
        len(words) as word_count,
        lookalike_count,

        -- timestamps
        last_ingested_at
    from words_read
)

select * from texts
