-- One row per Polres of the reference seed, with where it is.
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
