{#- The most frequent non-null value of a column in a group, ties going to the smallest value
    (DuckDB's mode() breaks ties arbitrarily, which would make incremental and full builds
    differ). An aggregate; `where` optionally filters the rows counted. -#}
{% macro most_frequent(column, where=none) -%}
    list_sort(list_transform(
        map_entries(histogram({{ column }}){% if where %} filter (where {{ where }}){% endif %}),
        lambda entry: {'negated_count': -cast(entry.value as bigint), 'value': entry.key}
    ))[1].value
{%- endmacro %}
