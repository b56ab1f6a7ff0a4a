{#-
    Node metrics of the funnel per (funnel_key, funnel_date[, segment_columns], node_step) from the
    user-days `user_days` (int_funnel_user_days) and the node definitions `funnel_nodes`, as a select.

    Every node of the funnel gets a row for every funnel day (and segment) that has a node-1 user:
    users_reached(k) = number of user-days with max_step_reached >= k, so the zero rows come for free
    from the node spine. Grouping and window partitions treat NULL segment values as one group, so no
    join on segment columns is needed. Each row also carries the node rates (keynode_funnel_rate_columns).
-#}
{% macro keynode_funnel_node_metrics(user_days, funnel_nodes, segment_columns=[]) -%}
    {%- set partition = ['funnel_key', 'funnel_date'] + segment_columns -%}
    select
        with_first.*,
        {{ keynode_funnel_rate_columns() }}
    from (
        select
            {%- for column in partition %}
            {{ column }},
            {%- endfor %}
            node_step,
            node_key,
            node_label,
            users_reached,
            users_reached_previous,
            first_value(users_reached) over (
                partition by {{ partition | join(', ') }}
                order by node_step
                rows between unbounded preceding and current row
            ) as users_reached_first
        from (
            select
                *,
                lag(users_reached) over (
                    partition by {{ partition | join(', ') }}
                    order by node_step
                ) as users_reached_previous
            from (
                select
                    {%- for column in partition %}
                    user_day_counts.{{ column }},
                    {%- endfor %}
                    nodes.node_step,
                    nodes.node_key,
                    nodes.node_label,
                    sum(
                        case
                            when user_day_counts.max_step_reached >= nodes.node_step
                                then user_day_counts.user_days
                            else 0
                        end
                    ) as users_reached
                from (
                    select
                        {%- for column in partition %}
                        {{ column }},
                        {%- endfor %}
                        max_step_reached,
                        count(*) as user_days
                    from {{ user_days }}
                    group by {% for column in partition %}{{ column }}, {% endfor %}max_step_reached
                ) as user_day_counts
                inner join {{ funnel_nodes }} as nodes
                    on user_day_counts.funnel_key = nodes.funnel_key
                group by
                    {%- for column in partition %}
                    user_day_counts.{{ column }},
                    {%- endfor %}
                    nodes.node_step,
                    nodes.node_key,
                    nodes.node_label
            ) as reached
        ) as with_previous
    ) as with_first
{%- endmacro %}
