{#- The pre-hook of int_campaign_pairs in an incremental run: drop the pairs, in both
    directions, of the posts the run will pair again (ingested since the model's watermark),
    so that a post whose text changed keeps only the pairs it still has. The model's query
    reads the same watermark (a constant, asked when the model compiled, before this delete):
    it pairs again exactly these posts, and its unique key (the pair) replaces any pair it
    finds again. -#}
{% macro campaign_pairs_of_changed_posts_dropped() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            post_key in (
                select texts.post_key
                from {{ ref('int_campaign_texts') }} as texts
                where texts.last_ingested_at > {{ watermark() }}
            )
            or other_post_key in (
                select texts.post_key
                from {{ ref('int_campaign_texts') }} as texts
                where texts.last_ingested_at > {{ watermark() }}
            )
    {%- endif -%}
{%- endmacro %}
