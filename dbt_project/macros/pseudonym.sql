{#- A stable pseudonym for a non-official author: "user_" and 12 hex digits of
    sha256(key || platform || author id). Without the key (PANTAU_PSEUDONYM_KEY, which
    `pantau build` generates into the state directory when unset) the handle cannot be
    recovered by hashing candidate ids. -#}
{% macro pseudonym(platform, author_id) -%}
    'user_' || left(sha256(
        '{{ env_var("PANTAU_PSEUDONYM_KEY", "") | replace("'", "''") }}' || ':' || {{ platform }} || ':' || {{ author_id }}
    ), 12)
{%- endmacro %}
