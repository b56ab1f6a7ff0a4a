{#-
    Generic test: within each funnel instance (`partition_by`, e.g. [funnel_key, funnel_date]), the
    count `value_column` never increases from one step to the next in `step_column` order:
    reached(k) <= reached(k-1). Fails with every row whose value exceeds the previous step's. Example:
        data_tests:
          - keynode_funnel_monotonic:
              arguments:
                partition_by: [funnel_key, funnel_date]
                step_column: node_step
                value_column: users_reached
-#}
{% test keynode_funnel_monotonic(
    model, partition_by, step_column='node_step', value_column='users_reached'
) %}

select *
from (
    select
        {{ partition_by | join(', ') }},
        {{ step_column }},
        {{ value_column }},
        lag({{ value_column }}) over (
            partition by {{ partition_by | join(', ') }}
            order by {{ step_column }}
        ) as previous_step_value
    from {{ model }}
) as steps
where {{ value_column }} > previous_step_value

{% endtest %}
