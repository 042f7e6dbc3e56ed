-- One row per police unit (every level: Polres, Polda, Polri) × hour with at least one
-- negative public post about it: the hour's negative and public posts about the unit (a post
-- counts for every unit of its unit_ids; official accounts' posts are left out).
-- int_unit_negative_hours judges these hours.
-- Incremental (macros/aggregates_to_rebuild.sql): a run counts again the hours in which a post
-- it changed was published, every unit of those hours (so a unit that lost the post, its
-- Polres having changed, loses the hour's count too).
-- depends_on: {{ ref('stg_social_posts') }}
-- depends_on: {{ ref('stg_label_corrections') }}
-- depends_on: {{ ref('int_posts_to_rebuild') }}
{{ config(
    unique_key=['hour_at'],
    pre_hook="{{ periods_to_rebuild_deleted('hour_at', 'hour') }}",
    post_hook="{{ aggregate_watermark_recorded() }}",
) }}

with

posts as (
    {{ rows_to_rebuild(ref('fct_posts'), 'created_at', 'hour') }}
),

public_posts_per_unit as (
    {{ per_unit('posts', where="not posts.is_official_author") }}
),

hourly_counts as (
    select
        -- ids
        about_unit_id as unit_id,

        -- numerics
        count(*) filter (where sentiment_label = 'negative') as negative_post_count,
        count(*) as public_post_count,

        -- timestamps
        date_trunc('hour', created_at) as hour_at
    from public_posts_per_unit
    group by about_unit_id, date_trunc('hour', created_at)
    having count(*) filter (where sentiment_label = 'negative') > 0
)

select * from hourly_counts
