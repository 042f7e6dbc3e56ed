{#- The posts of fct_posts published in the hours that `windows` (a relation with window_start
    and window_end, timestamps) cover: every post of an hour that a window starts in, ends in
    or spans, a superset of the posts inside the windows that the model's own conditions then
    narrow down. The issue models read their posts through it, so their cost follows the
    posts of the issues' hours, not all of fct_posts.
    The same posts are also at least as new as the earliest window's first hour: with that
    bound DuckDB skips the row groups before it, where the join on the hour alone computed the
    hour of every post (windows of a week at 20M posts: 2.1-3.2 s, with the bound 0.11 s). -#}
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
    where window_posts.created_at >= {{ earliest_or_never(
        "select min(date_trunc('hour', window_start)) from " ~ windows) }}
{%- endmacro %}
