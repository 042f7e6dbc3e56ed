{#- The posts of fct_posts published in the hours that `windows` (a relation with window_start
    and window_end, timestamps) cover: every post of an hour that a window starts in, ends in
    or spans, a superset of the posts inside the windows that the model's own conditions then
    narrow down. The issue models read their posts through it, so their cost follows the
    posts of the issues' hours, not all of fct_posts. -#}
{% macro posts_in_windows(windows) -%}
    select window_posts.*
    from {{ ref('fct_posts') }} as window_posts
    semi join (
        select distinct
            unnest(generate_series(
                date_trunc('hour', {{ windows }}.window_start),
                {{ windows }}.window_end,
                interval 1 hour
            )) as hour_at
        from {{ windows }}
    ) as window_hours
        on date_trunc('hour', window_posts.created_at) = window_hours.hour_at
{%- endmacro %}
