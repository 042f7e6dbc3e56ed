-- One row per official account of a Polres (platform × handle), from the seed.
-- A table, not the intermediate folder's incremental: a few rows rebuilt whole from the seed.
{{ config(materialized='table') }}

with

polres as (
    select * from {{ ref('polres') }}
),

accounts as (
    unpivot polres
    on handle_x, handle_instagram, handle_tiktok, handle_facebook, handle_youtube
    into name handle_column value handle
),

official_accounts as (
    select distinct
        polres_id,
        replace(handle_column, 'handle_', '') as platform,
        lower(handle) as handle
    from accounts
    where handle is not null and handle <> ''
)

select * from official_accounts
