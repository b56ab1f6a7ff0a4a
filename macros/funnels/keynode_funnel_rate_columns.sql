{#-
    The node-level funnel rates of the public funnel marts, defined once (doc blocks in
    models/marts/funnels/_funnels__docs.md), as select-list columns over a relation that has
    users_reached, users_reached_previous (NULL at step 1) and users_reached_first:
      step_conversion_rate (reached / previous; NULL at step 1 or when previous = 0),
      overall_conversion_rate (reached / reached at step 1), users_dropped (previous - reached).
    The marts' final CTEs type them with the contract (keynode_contract_columns).
    Read by keynode_funnel_node_metrics (fct_node_funnel_daily, fct_node_funnel_daily_by_segment).
-#}
{% macro keynode_funnel_rate_columns() -%}
        case
            when users_reached_previous > 0
                then cast(users_reached as double) / users_reached_previous
        end as step_conversion_rate,
        cast(users_reached as double) / users_reached_first as overall_conversion_rate,
        users_reached_previous - users_reached as users_dropped
{%- endmacro %}
