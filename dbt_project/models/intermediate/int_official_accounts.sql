-- One row per official account of a Polres (platform × handle), from the seed.
-- A table, not the intermediate folder's incremental: a few rows rebuilt whole from the seed.
{{ config(materialized='table') }}

with

polres as (
    select * from {{ ref('polres') }}
),

accounts as (
    unpivot polres
    on handle_x as 'x',
        handle_instagram as 'instagram',
        handle_tiktok as 'tiktok',
        handle_facebook as 'facebook',
        handle_youtube as 'youtube'
    into name platform value handle
),

official_accounts as (
    select distinct
        polres_id,
        platform,
        lower(handle) as handle
    from accounts
    where handle is not null and handle <> ''
)

select * from official_accounts
