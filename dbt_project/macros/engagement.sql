{#- Engagement of a post: likes + replies + shares + quotes, a missing metric counting 0
    (platforms without a metric send null). Views are reach, not engagement. -#}
{% macro engagement(likes, replies, shares, quotes) -%}
    coalesce({{ likes }}, 0) + coalesce({{ replies }}, 0)
        + coalesce({{ shares }}, 0) + coalesce({{ quotes }}, 0)
{%- endmacro %}
