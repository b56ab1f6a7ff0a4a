{#-
    Every row of the calibrated seed node_metric_thresholds must name a metric of the registry
    keynode_anomaly_metrics and a node of the seed funnel_nodes: fct_node_anomalies left-joins the seed,
    so a misspelt metric or a node that no longer exists would silently fall back to the vars.
    Returns the rows that match nothing, with the reason.
-#}
with

thresholds as (

    select
        funnel_key,
        node_step,
        metric_name
    from {{ ref('node_metric_thresholds') }}

),

nodes as (

    select
        funnel_key,
        node_step
    from {{ ref('funnel_nodes') }}

),

final as (

    select
        thresholds.funnel_key,
        thresholds.node_step,
        thresholds.metric_name,
        case
            when thresholds.metric_name not in ({{ keynode_anomaly_metric_names(quoted=true) }})
                then 'metric_name is not in the registry keynode_anomaly_metrics'
            else 'no such node in seed funnel_nodes'
        end as problem
    from thresholds
    left join nodes
        on thresholds.funnel_key = nodes.funnel_key and thresholds.node_step = nodes.node_step
    where
        thresholds.metric_name not in ({{ keynode_anomaly_metric_names(quoted=true) }})
        or nodes.funnel_key is null

)

select * from final
