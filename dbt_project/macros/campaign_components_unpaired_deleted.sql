{#- The post-hook of int_campaign_components: drop the posts that have no pair left (a post whose
    changed text lost its last pair was in a group the run labelled again, but the labelling
    gives rows only to paired posts, and delete+insert replaces only the rows it gives). -#}
{% macro campaign_components_unpaired_deleted() -%}
    delete from {{ this }}
    where post_key not in (
        select pairs.post_key
        from {{ ref('int_campaign_pairs') }} as pairs
    )
{%- endmacro %}
