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

    select {{ keynode_contract_columns() }}
    from node_metrics

)

select * from final
