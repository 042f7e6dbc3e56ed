{#- One row per post and per unit the post counts for (its `unit_ids`: the Polres it names, their
    Polda and the Polda it names, and Polri), the unit as `about_unit_id`. `where` filters the
    posts first. The grain of every model that counts posts per unit. -#}
{% macro per_unit(posts, where=none) -%}
    select
        {{ posts }}.*,
        unnest({{ posts }}.unit_ids) as about_unit_id
    from {{ posts }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
{%- endmacro %}
