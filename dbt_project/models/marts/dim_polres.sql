-- One row per Polres of the reference seed, with where it is.
-- A table, not the marts folder's incremental: rebuilt from the Polres seed.
{{ config(materialized='table') }}

with

polres as (
    select * from {{ ref('polres') }}
),

final as (
    select
        -- ids
        polres_id,

        -- strings
        polres_name,
        polres_type,
        polda_name,
        province,
        city,

        -- numerics
        latitude,
        longitude

    from polres
)

select * from final
