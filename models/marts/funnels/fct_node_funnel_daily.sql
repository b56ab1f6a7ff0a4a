with

user_days as (

    select
        funnel_key,
        funnel_date,
        max_step_reached
    from {{ ref('int_funnel_user_days') }}

),

funnel_nodes as (

    select * from {{ ref('funnel_nodes') }}

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
        {{ keynode_funnel_rate_columns() }}
    from node_metrics

)

select * from final
