-- The posts an incremental run rebuilds, worked out once per build: posts_to_rebuild()
-- (macros/posts_to_rebuild.sql) reads them here. One row per post, with the time of the
-- latest change that touches it: a model whose watermark is before changed_at rebuilds it.
-- So each model reads its own set, `changed_at > <its watermark>`, for any watermark from
-- the earliest of the models that read the table on (`since`: fct_posts' and the incremental
-- aggregates'). Before, each of those 11 models worked the set out again from staging, 18
-- times a build, each time reading every post's keys (0.06 s at 1M posts, growing with the
-- warehouse).
-- A table in ops (build machinery, not data), rebuilt whole each build: the posts the new
-- data touches, a few thousand. Its post-hooks record what it was built from
-- (ops.posts_to_rebuild_built); a model reads it only while that still holds, and otherwise
-- works its set out as before (a build of a selection without this model, a model whose
-- watermark lags behind the others).
-- A full build, or the first, needs no set: the table is then empty.
{%- set since = posts_to_rebuild_since() %}
{{ config(
    materialized='table',
    schema='ops',
    post_hook=[
        "delete from {{ posts_to_rebuild_built_table() }}",
        "{{ posts_to_rebuild_recorded() }}",
    ],
) }}

with

-- read in five places: never copied whole (DuckDB would materialise a CTE read this often)
staging as not materialized (
    select * from {{ ref('stg_social_posts') }}
),

corrections as (
    select * from {{ ref('stg_label_corrections') }}
),

-- the posts changed since `since`: an observation ingested, or a correction recorded
changed as (
    select
        post_key,
        parent_post_key,
        root_post_key,
        last_ingested_at as changed_at
    from staging
    where last_ingested_at > {{ since }}
    union all
    select
        corrected.post_key,
        corrected.parent_post_key,
        corrected.root_post_key,
        recent.corrected_at as changed_at
    from (
        select
            post_key,
            max(corrected_at) as corrected_at
        from corrections
        where corrected_at > {{ since }}
        group by post_key
    ) as recent
    inner join staging as corrected on recent.post_key = corrected.post_key
),

-- the posts answering them (which may inherit their Polres): found by two semi-joins, which
-- read staging's keys once each, then matched with the changes behind them
answering as (
    select
        answers.post_key,
        answers.parent_post_key,
        answers.root_post_key
    from staging as answers
    semi join changed on answers.parent_post_key = changed.post_key
    union
    select
        answers.post_key,
        answers.parent_post_key,
        answers.root_post_key
    from staging as answers
    semi join changed on answers.root_post_key = changed.post_key
),

-- the changed posts, their parents and roots (whose conversations grew) and the posts
-- answering them, each as late as the change behind it
touched as (
    select
        post_key,
        changed_at
    from changed
    union all
    select
        parent_post_key,
        changed_at
    from changed
    where parent_post_key is not null
    union all
    select
        root_post_key,
        changed_at
    from changed
    where root_post_key is not null
    union all
    select
        answering.post_key,
        changed.changed_at
    from answering
    inner join changed on answering.parent_post_key = changed.post_key
    union all
    select
        answering.post_key,
        changed.changed_at
    from answering
    inner join changed on answering.root_post_key = changed.post_key
),

-- a post is in the set of every watermark before its latest change
latest as (
    select
        post_key,
        max(changed_at) as changed_at
    from touched
    group by post_key
),

-- with its created_at, which bounds the reads of its rows and names its periods (null: a
-- parent or root never observed)
to_rebuild as (
    select
        latest.post_key,
        staging.created_at,
        latest.changed_at
    from latest
    left join staging on latest.post_key = staging.post_key
)

select * from to_rebuild
