with

bucketed as (

    select *
    from {{ ref('int_funnel_conversions_bucketed') }}

),

funnel_nodes as (

    select
        funnel_key,
        node_step,
        node_key
    from {{ ref('funnel_nodes') }}

),

-- one row per pair-day with a conversion (the pair columns repeat on each bucket's row)
pair_stats as (

    select
        funnel_key,
        funnel_date,
        pair_type,
        from_step,
        to_step,
        pair_users_converted as users_converted,
        pair_median_seconds as median_seconds,
        pair_p90_seconds as p90_seconds
    from bucketed
    where bucket_index = 0 and pair_users_converted > 0

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
