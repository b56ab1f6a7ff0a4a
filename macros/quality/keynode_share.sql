{#- numerator / denominator as a double, 0 when the denominator is 0 or NULL: a day without rows has
    a share of 0 (an empty day is a completeness failure, not a second failure of every share). -#}
{% macro keynode_share(numerator, denominator) -%}
    coalesce(cast({{ numerator }} as double) / nullif({{ denominator }}, 0), 0.0)
{%- endmacro %}
