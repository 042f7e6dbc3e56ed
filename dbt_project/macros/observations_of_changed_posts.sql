{#- The observations (stg_post_observations) a model that recomputes whole series needs: in an
    incremental run, every observation of the posts with one ingested since the model's
    watermark (its largest last_ingested_at); in a full build, all of them. -#}
{% macro observations_of_changed_posts() -%}
    select * from {{ ref('stg_post_observations') }}
    {% if is_incremental() %}
    where post_key in (
        select post_key
        from {{ ref('stg_post_observations') }}
        where ingested_at > {{ watermark() }}
    )
    {% endif %}
{%- endmacro %}
