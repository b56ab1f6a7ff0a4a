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

    select
        cast(funnel_key as {{ dbt.type_string() }}) as funnel_key,
        cast(funnel_date as date) as funnel_date,
        cast(channel_group as {{ dbt.type_string() }}) as channel_group,
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(is_new_user as boolean) as is_new_user,
        cast(member_tier as {{ dbt.type_string() }}) as member_tier,
        cast(node_step as integer) as node_step,
        cast(node_key as {{ dbt.type_string() }}) as node_key,
        cast(node_label as {{ dbt.type_string() }}) as node_label,
        {{ keynode_funnel_rate_columns() }}
    from node_metrics

)

select * from final
