{%- set segment_columns = ['channel_group', 'platform', 'is_new_user', 'member_tier'] -%}

with

user_days as (

    select
        funnel_key,
        funnel_date,
        {%- for column in segment_columns %}
            {{ column }},
        {%- endfor %}
        max_step_reached
    from {{ ref('int_funnel_user_days') }}

),

funnel_nodes as (

    select * from {{ ref('funnel_nodes') }}

),

node_metrics as (

    {{ keynode_funnel_node_metrics('user_days', 'funnel_nodes', segment_columns) }}

),

final as (

    select {{ keynode_contract_columns() }}
    from node_metrics

)

select * from final
