{#-
    Generic test: the column lies in [min_value, max_value] (bounds inclusive; either may be omitted).
    NULLs pass (test them with not_null). Example:
        columns:
          - name: step_conversion_rate
            data_tests:
              - keynode_between: {arguments: {min_value: 0, max_value: 1}}
-#}
{% test keynode_between(model, column_name, min_value=none, max_value=none) %}

select *
from {{ model }}
where
    {{ column_name }} is not null
    and (
        false
        {%- if min_value is not none %}
        or {{ column_name }} < {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        or {{ column_name }} > {{ max_value }}
        {%- endif %}
    )

{% endtest %}
