-- One row per official account (platform × handle) of a police unit at any level,
-- from the seeds: each Polres' handle_<platform> columns, each Polda's (Humas and
-- traffic) and the national accounts of national_terms (Divisi Humas Polri).
-- polres_id is kept for the Polres accounts (null for the others).
-- A table, not the intermediate folder's incremental: a few rows rebuilt whole from the seeds.
{{ config(materialized='table') }}

with

polres as (
    select * from {{ ref('polres') }}
),

polda as (
    select * from {{ ref('polda') }}
),

national_terms as (
    select * from {{ ref('national_terms') }}
),

polres_handles as (
    unpivot polres
    on handle_x, handle_instagram, handle_tiktok, handle_facebook, handle_youtube
    into name handle_column value handle
),

polda_handles as (
    unpivot polda
    on handle_x, handle_x_traffic, handle_instagram, handle_tiktok, handle_facebook,
    handle_youtube
    into name handle_column value handle
),

accounts as (
    select
        'polres' as unit_level,
        polres_id as unit_id,
        replace(handle_column, 'handle_', '') as platform,
        handle
    from polres_handles
    union all
    select
        'polda' as unit_level,
        polda_id as unit_id,
        replace(replace(handle_column, '_traffic', ''), 'handle_', '') as platform,
        handle
    from polda_handles
    union all
    select
        'national' as unit_level,
        'polri' as unit_id,
        platform,
        term as handle
    from national_terms
    where term_kind = 'handle'
),

official_accounts as (
    select distinct
        -- ids
        case when unit_level = 'polres' then unit_id end as polres_id,
        unit_id,

        -- strings
        unit_level,
        platform,
        lower(ltrim(handle, '@')) as handle
    from accounts
    where handle is not null and handle <> ''
)

select * from official_accounts
