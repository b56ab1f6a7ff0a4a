with

user_days as (

    select
        funnel_key,
        funnel_date,
        max_step_reached
    from {{ ref('int_funnel_user_days') }}

),

funnel_nodes as (

    select
        funnel_key,
        node_step,
        node_key,
        node_label
    from {{ ref('funnel_nodes') }}

),

node_metrics as (

    {{ keynode_funnel_node_metrics('user_days', 'funnel_nodes') }}

),

final as (

    select
        cast(funnel_key as {{ dbt.type_string() }}) as funnel_key,
        cast(funnel_date as date) as funnel_date,
        cast(node_step as integer) as node_step,
        cast(node_key as {{ dbt.type_string() }}) as node_key,
        cast(node_label as {{ dbt.type_string() }}) as node_label,
        cast(users_reached as bigint) as users_reached,
        cast(users_reached_previous as bigint) as users_reached_previous,
        cast(
            case
                when users_reached_previous > 0
                    then cast(users_reached as double) / users_reached_previous
            end as double
        ) as step_conversion_rate,
        cast(cast(users_reached as double) / users_reached_first as double) as overall_conversion_rate,
        cast(users_reached_previous - users_reached as bigint) as users_dropped
    from node_metrics

)

select * from final
