{#-
    Generic test: the combination of `columns` is unique in the model. Fails with one row per
    duplicated combination (and how many rows share it). NULLs compare equal here (group by), so a
    duplicated combination containing NULLs fails too. Example:
        data_tests:
          - keynode_unique_combination:
              arguments: {columns: [funnel_key, funnel_date, node_step]}
-#}
{% test keynode_unique_combination(model, columns) %}

select
    {% for column in columns -%}
    {{ column }},
    {% endfor -%}
    count(*) as duplicate_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
