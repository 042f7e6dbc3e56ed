-- One row per author (per platform): who drives the conversation. Authors who
-- are not official accounts appear only by their pseudonym. author_rank orders
-- by engagement (1 = most). The totals are kept incrementally in
-- int_author_totals; this model only ranks them.
-- A table, not the marts folder's incremental: author_rank is a rank over every author, which
-- one author's new engagement shifts for all the authors below it; the totals it ranks are
-- incremental (int_author_totals), so this model reads one narrow row per author.
{{ config(materialized='table') }}

with

authors as (
    select * from {{ ref('int_author_totals') }}
),

authors_ranked as (
    select
        author_key,
        author_label,
        platform,
        is_official_author,
        post_count,
        engagement,
        followers,
        polres_count,
        negative_share,
        first_post_at,
        last_post_at,
        row_number() over (order by engagement desc, author_key asc) as author_rank
    from authors
)

select * from authors_ranked
