-- The key nodes, else the strongest candidates ($limit nodes: key nodes first, then key-node
-- candidates, then by ROI contribution share), with their numbers on the newest day: users reached,
-- step conversion, data latency rate, health score and open incidents. The newest day is the newest
-- complete one: step conversion's window has closed (fct_node_anomalies.is_window_censored is false).
with

nodes as (

    select
        funnel_key,
        node_step,
        node_key,
        node_label,
        owning_department,
        is_key_node,
        is_key_node_candidate,
        roi_contribution_share
    from dim_funnel_nodes
    order by is_key_node desc, is_key_node_candidate desc, roi_contribution_share desc nulls last
    limit $limit

),

newest as (

    select max(metric_date) as newest_day
    from fct_node_anomalies
    where metric_name = 'step_conversion' and not is_window_censored

),

health as (

    select
        h.funnel_key,
        h.node_key,
        h.health_date,
        h.health_score,
        h.data_latency_rate,
        h.open_incidents
    from fct_node_health_daily as h
    inner join newest as n on h.health_date = n.newest_day

),

funnel as (

    select
        f.funnel_key,
        f.node_key,
        f.users_reached,
        f.step_conversion_rate
    from fct_node_funnel_daily as f
    inner join newest as n on f.funnel_date = n.newest_day

)

select
    nodes.funnel_key,
    nodes.node_step,
    nodes.node_key,
    nodes.node_label,
    nodes.owning_department,
    nodes.is_key_node,
    nodes.roi_contribution_share,
    health.health_date,
    funnel.users_reached,
    funnel.step_conversion_rate,
    health.data_latency_rate,
    health.health_score,
    health.open_incidents
from nodes
left join health
    on nodes.funnel_key = health.funnel_key and nodes.node_key = health.node_key
left join funnel
    on nodes.funnel_key = funnel.funnel_key and nodes.node_key = funnel.node_key
order by nodes.is_key_node desc, nodes.roi_contribution_share desc nulls last
