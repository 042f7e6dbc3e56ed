{#- The observations (stg_post_observations) a model that recomputes whole series needs: in an
    incremental run, every observation of the posts with one ingested since the model's
    watermark (its largest last_ingested_at); in a full build, all of them.

    A filter on post_key alone decodes every observation's key: post_key follows no order (at
    20M posts, 2.2-2.3 s of each of the two models' 10,000-post runs). The same observations
    are also at least as new as the earliest first observation of those posts, which
    stg_social_posts keeps per post (first_observed_at, the least observed_at of its
    observations); its rows of those posts are the ones it rewrote since the watermark
    (last_ingested_at is the latest ingestion of a post's observations). Both times are asked
    before the model runs and put in the query as constants, so DuckDB skips the row groups of
    older observations. The model must name stg_social_posts: `-- depends_on: {{ ref(...) }}`. -#}
{% macro observations_of_changed_posts() -%}
    select * from {{ ref('stg_post_observations') }}
    {% if is_incremental() %}
    {%- set since = watermark() %}
    where post_key in (
        select post_key
        from {{ ref('stg_post_observations') }}
        where ingested_at > {{ since }}
    )
    and observed_at >= {{ earliest_as_constant(
        'select min(first_observed_at) from ' ~ ref('stg_social_posts')
        ~ ' where last_ingested_at > ' ~ since) }}
    {% endif %}
{%- endmacro %}
