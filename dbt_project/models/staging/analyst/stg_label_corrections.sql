-- One row per analyst correction of a post's label, as recorded (see the source).
-- A view, not the staging folder's incremental table: a handful of rows, read whole by
-- int_label_overrides and by posts_to_rebuild() (the posts corrected since the last build).
{{ config(materialized='view') }}

with

source as (
    select * from {{ source('audit', 'label_corrections') }}
),

corrections as (
    select
        -- ids
        correction_id,
        post_key,

        -- strings
        field,
        value as label_value,
        note,
        corrected_by,
        source as correction_source,

        -- timestamps
        corrected_at

    from source
)

select * from corrections
