{#- Fails for every row where the boolean SQL expression is not true (a model-level invariant,
    e.g. "created_at <= observed_at"). -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
