{#-
    Generic test: the combination of `columns` is unique in the model (a composite grain key).
    Fails with one row per duplicated combination and how many times it occurs. NULLs count as values,
    so a grain key with a NULL part is still checked (pair it with not_null tests where NULL is wrong).
    Example:
        data_tests:
          - keynode_unique_combination:
              arguments: {columns: [funnel_key, funnel_date, node_step]}
-#}
{% test keynode_unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
