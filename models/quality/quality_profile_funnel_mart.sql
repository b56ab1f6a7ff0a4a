{#-
    The daily node funnel mart (fct_node_funnel_daily) per funnel date, from the first funnel date to
    the later of the last one and the last event day. `keynode check` (suite funnel_mart) checks that
    the mart has rows for the day and that every node of a funnel (seed funnel_nodes) is there on
    every day the funnel has rows. Its row-level invariants are dbt tests of the mart.
-#}
with

funnel_rows as (

    select
        funnel_key,
        funnel_date,
        node_step
    from {{ ref('fct_node_funnel_daily') }}

),

funnel_nodes as (

    select funnel_key
    from {{ ref('funnel_nodes') }}

),

nodes_per_funnel as (

    select
        funnel_key,
        count(*) as funnel_nodes
    from funnel_nodes
    group by funnel_key

),

funnel_days as (

    select
        funnel_rows.funnel_date,
        funnel_rows.funnel_key,
        count(*) as node_rows,
        count(distinct funnel_rows.node_step) as nodes_present
    from funnel_rows
    group by funnel_rows.funnel_date, funnel_rows.funnel_key

),

daily as (

    select
        funnel_days.funnel_date as date_day,
        sum(funnel_days.node_rows) as node_rows,
        sum(nodes_per_funnel.funnel_nodes - funnel_days.nodes_present) as missing_nodes
    from funnel_days
    inner join nodes_per_funnel
        on funnel_days.funnel_key = nodes_per_funnel.funnel_key
    group by funnel_days.funnel_date

),

days as (

    {{ keynode_profile_days('daily') }}

),

final as (

    select
        days.date_day,
        coalesce(daily.node_rows, 0) as node_rows,
        coalesce(daily.missing_nodes, 0) as missing_nodes
    from days
    left join daily
        on days.date_day = daily.date_day

)

select * from final
