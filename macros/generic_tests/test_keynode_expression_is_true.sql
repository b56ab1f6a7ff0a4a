{#-
    Generic test: fails on every row where `expression` is not true (false or NULL).
    Optional `where` narrows the rows checked. Example:
        data_tests:
          - keynode_expression_is_true:
              arguments: {expression: "raw_rows = valid_rows + quarantined_rows + duplicate_rows"}
-#}
{% test keynode_expression_is_true(model, expression, where=none) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)
{%- if where %} and ({{ where }}){% endif %}

{% endtest %}
