{#- The rows of `relation` with one row per event_id (a producer retry that reached raw twice
    keeps the first copy Kafka holds). -#}
{% macro deduplicate_events(relation) -%}
    select *
    from {{ relation }}
    qualify row_number() over (
        partition by event_id
        order by kafka_partition, kafka_offset
    ) = 1
{%- endmacro %}
