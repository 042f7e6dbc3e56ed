-- One row per police unit at every level: Polri (national), each Polda and each
-- Polres of the reference seeds, with its parent and where it is. unit_id is the
-- id the posts and marts carry (polri, polda_…, polres_…).
-- A table, not the marts folder's incremental: a few hundred rows rebuilt from the seeds.
{{ config(materialized='table') }}

with

polres as (
    select * from {{ ref('polres') }}
),

polda as (
    select * from {{ ref('polda') }}
),

polda_places as (
    select
        polda_name,
        avg(latitude) as latitude,
        avg(longitude) as longitude
    from polres
    group by polda_name
),

national_unit as (
    select
        'polri' as unit_id,
        'national' as unit_level,
        'Polri' as unit_name,
        cast(null as varchar) as parent_unit_id,
        cast(null as varchar) as polda_id,
        cast(null as varchar) as polda_name,
        'Indonesia' as province,
        cast(null as double) as latitude,
        cast(null as double) as longitude
),

polda_units as (
    select
        polda.polda_id as unit_id,
        'polda' as unit_level,
        polda.polda_name as unit_name,
        'polri' as parent_unit_id,
        polda.polda_id,
        polda.polda_name,
        polda.province,
        polda_places.latitude,
        polda_places.longitude
    from polda
    left join polda_places
        on polda.polda_name = polda_places.polda_name
),

polres_units as (
    select
        polres.polres_id as unit_id,
        'polres' as unit_level,
        polres.polres_name as unit_name,
        polda.polda_id as parent_unit_id,
        polda.polda_id,
        polres.polda_name,
        polres.province,
        polres.latitude,
        polres.longitude
    from polres
    left join polda
        on polres.polda_name = polda.polda_name
),

units as (
    select * from national_unit
    union all
    select * from polda_units
    union all
    select * from polres_units
),

final as (
    select
        -- ids
        unit_id,
        parent_unit_id,
        polda_id,

        -- strings
        unit_level,
        unit_name,
        polda_name,
        province,

        -- numerics
        latitude,
        longitude
    from units
)

select * from final
