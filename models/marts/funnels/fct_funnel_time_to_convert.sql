with

user_days as (

    select *
    from {{ ref('int_funnel_user_days') }}

),

funnel_nodes as (

    select
        funnel_key,
        node_step,
        node_key
    from {{ ref('funnel_nodes') }}

),

funnel_lengths as (

    select
        funnel_key,
        max(node_step) as funnel_steps
    from funnel_nodes
    group by funnel_key

),

conversions as (

    {{ keynode_funnel_conversions('user_days', 'funnel_lengths', keynode_funnel_max_steps()) }}

),

pair_stats as (

    select
        funnel_key,
        funnel_date,
        pair_type,
        from_step,
        to_step,
        count(*) as users_converted,
        {{ keynode_funnel_percentile('seconds_to_convert', 0.5) }} as median_seconds,
        {{ keynode_funnel_percentile('seconds_to_convert', 0.9) }} as p90_seconds
    from conversions
    group by funnel_key, funnel_date, pair_type, from_step, to_step

),

named as (

    select
        pair_stats.*,
        from_nodes.node_key as from_node_key,
        to_nodes.node_key as to_node_key
    from pair_stats
    inner join funnel_nodes as from_nodes
        on
            pair_stats.funnel_key = from_nodes.funnel_key
            and pair_stats.from_step = from_nodes.node_step
    inner join funnel_nodes as to_nodes
        on
            pair_stats.funnel_key = to_nodes.funnel_key
            and pair_stats.to_step = to_nodes.node_step

),

final as (

    select {{ keynode_contract_columns() }}
    from named

)

select * from final
