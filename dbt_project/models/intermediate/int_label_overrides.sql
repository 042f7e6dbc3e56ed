-- One row per corrected post: the label an analyst set for each corrected field (the latest
-- correction per post and field wins; earlier ones stay in the source), who made the latest
-- and when, and whether analysts disagreed on a field.
-- fct_posts applies sentiment, emotion and topic; int_posts_resolved the Polres.
-- A table, not the intermediate folder's incremental: rebuilt whole from the few corrections.
{{ config(materialized='table') }}

with

corrections as (
    select * from {{ ref('stg_label_corrections') }}
),

latest_per_field as (
    select
        post_key,
        field,
        arg_max(label_value, (corrected_at, correction_id)) as label_value,
        count(distinct label_value) > 1 and count(distinct corrected_by) > 1 as is_disputed
    from corrections
    group by post_key, field
),

per_post as (
    select
        post_key,
        max(label_value) filter (where field = 'sentiment') as sentiment_label,
        max(label_value) filter (where field = 'emotion') as emotion,
        max(label_value) filter (where field = 'topic') as topic,
        max(label_value) filter (where field = 'polres') as polres_value,
        bool_or(is_disputed) as is_disputed
    from latest_per_field
    group by post_key
),

who as (
    select
        post_key,
        count(*) as correction_count,
        arg_max(corrected_by, (corrected_at, correction_id)) as corrected_by,
        max(corrected_at) as corrected_at
    from corrections
    group by post_key
),

overrides as (
    select
        -- ids
        per_post.post_key,

        -- strings
        per_post.sentiment_label,
        per_post.emotion,
        per_post.topic,
        who.corrected_by,

        -- lists
        case
            when per_post.polres_value = 'none' then []::varchar[]
            when per_post.polres_value is not null then [per_post.polres_value]
        end as polres_ids,

        -- numerics
        who.correction_count,

        -- booleans
        per_post.is_disputed,

        -- timestamps
        who.corrected_at

    from per_post
    inner join who
        on per_post.post_key = who.post_key
)

select * from overrides
